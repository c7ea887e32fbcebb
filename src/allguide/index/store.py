"""The Chroma collections of chunk and sentence embeddings, embedded on disk or on a server.

Two collections: `NAME` (chunks; its metadata is the manifest) and `NAME_sentences` (the
embedded units of `allguide.corpus.units`, for sentence-level retrieval and quoting).
Embedded mode keeps `manifest.json` and `chunks.jsonl` (readable artifacts) beside the Chroma
directory under `$ALLGUIDE_HOME/index`. A build goes into temporary collections that replace the
live ones only when both are complete, so a failed build leaves the previous index untouched.

Faults become domain errors (`faults`): an unreadable SQLite file is `IndexCorruptError`, a
server that does not answer within `store_timeout_s` is `StoreUnavailableError`, and a
collection replaced by another process's rebuild is re-resolved by name. Rows are converted
in `chroma_io`; the home's folders and files are written by `files`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from allguide.corpus.units import Unit
from allguide.errors import IndexStateError
from allguide.index import chroma_io, faults
from allguide.index.chroma_io import as_int, embedding_text, read_all
from allguide.index.files import private_dir, write_artifacts
from allguide.index.manifest import Manifest
from allguide.types import Chunk

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

# Names other modules import from here.
__all__ = ["ChunkStore", "Manifest", "embedding_text", "private_dir"]

_T = TypeVar("_T")
_BUILD_SUFFIX = "__building"
_SENTENCES_SUFFIX = "_sentences"


class ChunkStore:
    """One Chroma collection plus its manifest; all Chroma I/O goes through here."""

    def __init__(
        self,
        *,
        index_dir: Path,
        collection: str,
        chroma_url: str | None,
        timeout_s: float = 10.0,
    ) -> None:
        self.index_dir = index_dir
        self.name = collection
        self.url = chroma_url
        self.timeout_s = timeout_s
        self._client: ClientAPI | None = None
        self._collection: Collection | None = None
        self._sentences: Collection | None = None
        self._size: int | None = None
        self._sentence_count: int | None = None

    @property
    def client(self) -> ClientAPI:
        if self._client is None:
            self._client = self._connect()
        return self._client

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    def _connect(self) -> ClientAPI:
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.url:
            return faults.connect_server(self.url, settings, self.timeout_s, self.chroma_dir)
        try:
            private_dir(self.index_dir.parent)
            private_dir(self.index_dir)
            probe = self.index_dir / ".write-test"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as exc:
            raise IndexStateError(
                f"cannot write the index under {self.index_dir}: {exc.strerror or exc} "
                "(set ALLGUIDE_HOME to a writable folder)"
            ) from exc
        return faults.open_embedded(self.chroma_dir, settings, self.timeout_s)

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        """Chroma and transport failures as domain errors with one clear line."""
        return faults.guard(self.url, self.timeout_s, self.chroma_dir)

    def refresh(self) -> None:
        """Forget the collection handles: the next use resolves the live ones by name."""
        self._collection = self._sentences = None
        self._size = self._sentence_count = None

    def live_id(self) -> str | None:
        """The id of the live chunk collection, looked up now (a rebuild by another process
        gives it a new id); handles of a replaced collection are dropped."""
        for _ in range(20):  # a concurrent swap deletes, then renames: wait that instant out
            current = self._get(self.name)
            if current is not None:
                if self._collection is not None and self._collection.id != current.id:
                    self.refresh()
                return str(current.id)
            time.sleep(0.05)
        return None

    def move_aside(self) -> Path | None:
        """Move an unreadable embedded store to `chroma.corrupt-<UTC time>`; where it went."""
        from chromadb.api.shared_system_client import SharedSystemClient

        if self.url is not None or not self.chroma_dir.exists():
            return None
        close = getattr(self._client, "close", None)  # Client has it; ClientAPI does not say so
        if close is not None:
            with contextlib.suppress(Exception):
                close()
        SharedSystemClient._identifier_to_system.pop(str(self.chroma_dir), None)
        self._client = None
        self.refresh()
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.index_dir / f"chroma.corrupt-{stamp}"
        self.chroma_dir.rename(target)
        return target

    def delete_stale_builds(self) -> list[str]:
        """Drop the temporary collections a killed build left; call only under the build lock."""
        with self._guard():
            names = {c.name for c in self.client.list_collections()}
            stale = [
                name + _BUILD_SUFFIX
                for name in (self.name, self.name + _SENTENCES_SUFFIX)
                if name + _BUILD_SUFFIX in names
            ]
            for name in stale:
                self.client.delete_collection(name)
        return stale

    # -- reading ------------------------------------------------------------------------------

    def manifest(self) -> Manifest | None:
        """The live index's manifest, or None when there is no complete index."""
        collection = self._live()
        if collection is None:
            return None
        meta = collection.metadata or {}
        if "fingerprint" not in meta:
            return None
        sentences = self._live_sentences()
        if sentences is None or self._count(sentences) != as_int(meta.get("sentences")):
            return None  # a build interrupted between the two swaps: rebuild
        return Manifest.from_meta(meta)

    def load_chunks(self) -> list[Chunk]:
        """Every chunk of the live index, in corpus order."""
        return chroma_io.chunks_from(self._read(self._require_live, ["documents", "metadatas"]))

    def query(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 − cosine distance), best first."""

        def run() -> list[tuple[str, float]]:
            collection = self._require_live()
            if self._size is None:
                self._size = self._count(collection)
            return chroma_io.nearest(collection, embedding, max(1, min(n, self._size)))

        return self._retrying(run)

    def load_units(self) -> tuple[list[Unit], np.ndarray]:
        """Every embedded unit of the live index, in corpus order, with its embedding."""
        include = ["documents", "metadatas", "embeddings"]
        return chroma_io.units_from(self._read(self._require_sentences, include))

    def query_sentences(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the sentences nearest the query, best first."""

        def run() -> list[tuple[str, float]]:
            collection = self._require_sentences()
            if self._sentence_count is None:
                self._sentence_count = self._count(collection)
            if not self._sentence_count:
                return []
            n_results = max(1, min(n, self._sentence_count))
            return chroma_io.nearest(collection, embedding, n_results, of_units=True)

        return self._retrying(run)

    def _retrying(self, run: Callable[[], _T]) -> _T:
        """`run` under the guard; once more with fresh handles when another process's rebuild
        replaced a collection."""
        return faults.retrying(run, guarded=self._guard, refresh=self.refresh)

    def _read(self, which: Callable[[], Collection], include: list[str]) -> dict[str, list[Any]]:
        return self._retrying(lambda: read_all(which(), include))

    def _count(self, collection: Collection) -> int:
        with self._guard():
            return collection.count()

    def _live(self) -> Collection | None:
        if self._collection is None:
            self._collection = self._get(self.name)
        return self._collection

    def _live_sentences(self) -> Collection | None:
        if self._sentences is None:
            self._sentences = self._get(self.name + _SENTENCES_SUFFIX)
        return self._sentences

    def _get(self, name: str) -> Collection | None:
        from chromadb.errors import NotFoundError

        client = self.client  # connection errors propagate as domain errors
        try:
            with self._guard():
                return client.get_collection(name)
        except NotFoundError:
            return None

    def _require_live(self) -> Collection:
        return _required(self._live())

    def _require_sentences(self) -> Collection:
        return _required(self._live_sentences())

    # -- writing ------------------------------------------------------------------------------

    def replace(
        self,
        chunks: list[Chunk],
        units: list[Unit],
        embed: Callable[[list[str]], list[list[float]]],
        manifest: Manifest,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Build new chunk and unit collections, then swap them in for the live ones."""
        with self._guard():
            names = (self.name, self.name + _SENTENCES_SUFFIX)
            temps = [name + _BUILD_SUFFIX for name in names]
            self.delete_stale_builds()
            try:
                chunk_temp = self._create(temps[0], manifest.to_meta())
                chroma_io.add_chunks(chunk_temp, chunks, embed, progress)
                sentence_temp = self._create(temps[1], {"fingerprint": manifest.fingerprint})
                chroma_io.add_units(sentence_temp, units, embed, progress)
            except BaseException:
                for temp_name in temps:
                    with contextlib.suppress(Exception):
                        self.client.delete_collection(temp_name)
                raise
            # Sentences first: until the chunk collection (holding the manifest) is swapped, a
            # reader that sees new sentences with old chunks finds the counts differ and rebuilds.
            for name, temp in ((names[1], sentence_temp), (names[0], chunk_temp)):
                with contextlib.suppress(Exception):
                    self.client.delete_collection(name)
                temp.modify(name=name)
            self.refresh()
            if self.url is None:
                write_artifacts(self.index_dir, chunks, manifest.to_json())

    def _create(self, name: str, meta: dict[str, str | int | float]) -> Collection:
        return self.client.create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, metadata=meta
        )


def _required(collection: Collection | None) -> Collection:
    if collection is None:
        raise IndexStateError("the index is missing; build it with `allguide ingest`")
    return collection
