"""The Chroma collections of chunk and sentence embeddings, embedded on disk or on a server.

Two collections: `NAME` (chunks; its metadata is the manifest) and `NAME_sentences` (the
embedded units of `allguide.corpus.units`, for sentence-level retrieval and quoting).
Embedded mode keeps `manifest.json` and `chunks.jsonl` (readable artifacts) beside the Chroma
directory under `$ALLGUIDE_HOME/index`. A build goes into temporary collections that replace the
live ones only when both are complete, so a failed build leaves the previous index untouched.

Faults become domain errors: an unreadable SQLite file is `IndexCorruptError`, a server that
does not answer within `store_timeout_s` is `StoreUnavailableError`, and a collection replaced
by another process's rebuild is re-resolved by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlparse

import numpy as np

from allguide.corpus.units import EMBEDDED, Unit, UnitKind
from allguide.errors import IndexCorruptError, IndexStateError, StoreUnavailableError
from allguide.types import Chunk

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

_T = TypeVar("_T")
_BUILD_SUFFIX = "__building"
_SENTENCES_SUFFIX = "_sentences"
_BATCH = 256
# Rows per `collection.get`: one get of a whole 100× index (74,000 units) exceeds SQLite's
# limit on bound variables ("too many SQL variables"), so whole collections are read in pages.
_PAGE = 5000
# SQLite's "database disk image is malformed" (SQLITE_CORRUPT) and "file is not a database"
# (SQLITE_NOTADB), as chromadb's Rust bindings report them.
_CORRUPT_SIGNS = ("(code: 11)", "(code: 26)", "malformed", "file is not a database")
# SQLITE_BUSY: another process holds the write lock (e.g. two first opens of a new store).
_BUSY_SIGNS = ("(code: 5)", "database is locked")
# What an allguide home holds; a folder holding anything else is not tightened to 0700.
_HOME_ENTRIES = ("index", "feedback.jsonl", "build.lock")


@dataclass(frozen=True)
class Manifest:
    """What the live index was built from."""

    fingerprint: str
    model: str
    chunks: int
    sentences: int
    built_at: float
    repairs: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "model": self.model,
            "chunks": self.chunks,
            "sentences": self.sentences,
            "built_at": self.built_at,
            "repairs": self.repairs,
        }


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
            return self._connect_server(settings)
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
        return self._open_embedded(settings)

    def _open_embedded(self, settings: Any) -> ClientAPI:
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient

        path = str(self.chroma_dir)
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                return chromadb.PersistentClient(path=path, settings=settings)
            except Exception as exc:
                # chromadb caches the half-started system per path; a later open (after
                # `ingest --rebuild` moved the store aside) must start afresh.
                SharedSystemClient._identifier_to_system.pop(path, None)
                busy = any(sign in _one_line(exc) for sign in _BUSY_SIGNS)
                if not busy or time.monotonic() >= deadline:
                    raise self._embedded_error(exc) from exc
            time.sleep(0.1)  # another process is creating or migrating the store

    def _embedded_error(self, exc: Exception) -> IndexStateError:
        detail = _one_line(exc)
        if any(sign in detail for sign in _CORRUPT_SIGNS):
            return IndexCorruptError(
                f"the index at {self.chroma_dir} is corrupt ({detail}); "
                "run `allguide ingest --rebuild`"
            )
        return IndexStateError(f"cannot open the index at {self.chroma_dir}: {detail}")

    def _connect_server(self, settings: Any) -> ClientAPI:
        import chromadb
        import httpx

        assert self.url is not None
        parsed = urlparse(self.url)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise StoreUnavailableError(
                f"ALLGUIDE_CHROMA_URL must look like http://host:port (got {self.url!r})"
            )
        with self._guard():
            # chromadb's HttpClient sends requests with no timeout while it is constructed, so
            # a server that accepts but never answers is caught by this timed heartbeat first.
            httpx.get(
                f"{self.url.rstrip('/')}/api/v2/heartbeat", timeout=self.timeout_s
            ).raise_for_status()
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
            # chromadb 1.5 builds its httpx session with timeout=None and has no setting for
            # it; every later request (heartbeat, query, get) must give up in time.
            session = getattr(getattr(client, "_server", None), "_session", None)
            if isinstance(session, httpx.Client):
                session.timeout = httpx.Timeout(self.timeout_s)
            client.heartbeat()
        return client

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Chroma and transport failures as domain errors with one clear line."""
        import httpx
        from chromadb.errors import NotFoundError

        try:
            yield
        except (NotFoundError, IndexStateError, StoreUnavailableError):
            raise
        except httpx.TimeoutException as exc:
            raise StoreUnavailableError(
                f"the Chroma server at {self.url} did not answer within {self.timeout_s:g} s"
            ) from exc
        except (httpx.HTTPError, OSError) as exc:
            if self.url is None:
                raise
            raise StoreUnavailableError(
                f"Chroma server at {self.url} does not answer ({type(exc).__name__}); start it "
                "with `chroma run --path DIR --host 127.0.0.1 --port N` or unset "
                "ALLGUIDE_CHROMA_URL to use the embedded store"
            ) from exc
        except Exception as exc:
            if self.url is None and any(sign in _one_line(exc) for sign in _CORRUPT_SIGNS):
                raise self._embedded_error(exc) from exc
            raise

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
        if sentences is None or self._count(sentences) != _int(meta.get("sentences")):
            return None  # a build interrupted between the two swaps: rebuild
        repairs = json.loads(str(meta.get("repairs", "{}")))
        return Manifest(
            fingerprint=str(meta["fingerprint"]),
            model=str(meta.get("model", "")),
            chunks=_int(meta.get("chunks")),
            sentences=_int(meta.get("sentences")),
            built_at=float(str(meta.get("built_at", 0.0))),
            repairs=repairs,
        )

    def load_chunks(self) -> list[Chunk]:
        """Every chunk of the live index, in corpus order."""
        got = self._read(self._require_live, ["documents", "metadatas"])
        rows = list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
        rows.sort(key=lambda row: _int((row[2] or {}).get("order")))
        return [_chunk_from(chunk_id, text or "", meta or {}) for chunk_id, text, meta in rows]

    def query(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 − cosine distance), best first."""

        def run() -> list[tuple[str, float]]:
            collection = self._require_live()
            if self._size is None:
                self._size = self._count(collection)
            res = collection.query(
                query_embeddings=[embedding],  # type: ignore[arg-type]
                n_results=max(1, min(n, self._size)),
                include=["distances"],
            )
            distances = (res["distances"] or [[]])[0]
            return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], distances, strict=True)]

        return self._retrying(run)

    def load_units(self) -> tuple[list[Unit], np.ndarray]:
        """Every embedded unit of the live index, in corpus order, with its embedding."""
        got = self._read(self._require_sentences, ["documents", "metadatas", "embeddings"])
        rows = sorted(
            zip(got["documents"], got["metadatas"], got["embeddings"], strict=True),
            key=lambda row: _int((row[1] or {}).get("order")),
        )
        units = [
            Unit(
                str(m["chunk_id"]),
                _int(m["start"]),
                _int(m["end"]),
                text or "",
                _kind(m.get("kind")),
                k,
                str(m.get("label", "")),
                str(m.get("context", "")),
            )
            for k, (text, m, _) in enumerate(rows)
        ]
        vectors = np.asarray([row[2] for row in rows], dtype=np.float32).reshape(len(rows), -1)
        return units, vectors

    def query_sentences(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the sentences nearest the query, best first."""

        def run() -> list[tuple[str, float]]:
            collection = self._require_sentences()
            if self._sentence_count is None:
                self._sentence_count = self._count(collection)
            if not self._sentence_count:
                return []
            res = collection.query(
                query_embeddings=[embedding],  # type: ignore[arg-type]
                n_results=max(1, min(n, self._sentence_count)),
                include=["distances", "metadatas"],
            )
            metas = (res["metadatas"] or [[]])[0]
            distances = (res["distances"] or [[]])[0]
            return [
                (str(m["chunk_id"]), 1.0 - float(d)) for m, d in zip(metas, distances, strict=True)
            ]

        return self._retrying(run)

    def _retrying(self, run: Callable[[], _T]) -> _T:
        """`run` under the guard; once more with fresh handles when another process's rebuild
        replaced a collection ("Collection … does not exist")."""
        from chromadb.errors import NotFoundError

        for attempt in (1, 2):
            try:
                with self._guard():
                    return run()
            except NotFoundError as exc:
                self.refresh()
                if attempt == 2:
                    raise IndexStateError(
                        "the index changed while it was read; ask again, or rebuild it with "
                        "`allguide ingest --rebuild`"
                    ) from exc
            except (IndexStateError, StoreUnavailableError):
                raise
            except Exception as exc:
                raise StoreUnavailableError(f"Chroma query failed: {_one_line(exc)}") from exc
        raise AssertionError  # unreachable

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
        collection = self._live()
        if collection is None:
            raise IndexStateError("the index is missing; build it with `allguide ingest`")
        return collection

    def _require_sentences(self) -> Collection:
        collection = self._live_sentences()
        if collection is None:
            raise IndexStateError("the index is missing; build it with `allguide ingest`")
        return collection

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
            self._replace(chunks, units, embed, manifest, progress=progress)

    def _replace(
        self,
        chunks: list[Chunk],
        units: list[Unit],
        embed: Callable[[list[str]], list[list[float]]],
        manifest: Manifest,
        *,
        progress: Callable[[int], None] | None,
    ) -> None:
        names = (self.name, self.name + _SENTENCES_SUFFIX)
        temps = [name + _BUILD_SUFFIX for name in names]
        self.delete_stale_builds()
        meta: dict[str, str | int | float] = {
            "fingerprint": manifest.fingerprint,
            "model": manifest.model,
            "chunks": manifest.chunks,
            "sentences": manifest.sentences,
            "built_at": manifest.built_at,
            "repairs": json.dumps(manifest.repairs, sort_keys=True),
        }
        try:
            chunk_temp = self._create(temps[0], meta)
            _add(
                chunk_temp,
                ids=[c.chunk_id for c in chunks],
                documents=[c.text for c in chunks],
                embed_texts=[embedding_text(c) for c in chunks],
                metadatas=[_meta(c, k) for k, c in enumerate(chunks)],
                embed=embed,
                progress=progress,
            )
            sentence_temp = self._create(temps[1], {"fingerprint": manifest.fingerprint})
            _add(
                sentence_temp,
                ids=[u.unit_id for u in units],
                documents=[u.text for u in units],
                embed_texts=[u.display for u in units],
                metadatas=[
                    {
                        "chunk_id": u.chunk_id,
                        "start": u.start,
                        "end": u.end,
                        "order": u.row,
                        "kind": u.kind,
                        "label": u.label,
                        "context": u.context,
                    }
                    for u in units
                ],
                embed=embed,
                progress=progress,
            )
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
            self._write_artifacts(chunks, manifest)

    def _create(self, name: str, meta: dict[str, str | int | float]) -> Collection:
        return self.client.create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, metadata=meta
        )

    def _write_artifacts(self, chunks: list[Chunk], manifest: Manifest) -> None:
        _atomic_write(
            self.index_dir / "chunks.jsonl",
            "".join(json.dumps(c.model_dump(), ensure_ascii=False) + "\n" for c in chunks),
        )
        _atomic_write(
            self.index_dir / "manifest.json",
            json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n",
        )


def _add(
    collection: Collection,
    *,
    ids: list[str],
    documents: list[str],
    embed_texts: list[str],
    metadatas: list[dict[str, Any]],
    embed: Callable[[list[str]], list[list[float]]],
    progress: Callable[[int], None] | None,
) -> None:
    for start in range(0, len(ids), _BATCH):
        stop = start + _BATCH
        collection.add(
            ids=ids[start:stop],
            documents=documents[start:stop],
            embeddings=embed(embed_texts[start:stop]),  # type: ignore[arg-type]
            metadatas=metadatas[start:stop],  # type: ignore[arg-type]
        )
        if progress:
            progress(len(ids[start:stop]))


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its title, then its text (the title places lists such as
    the ALL-D regimens in their context; the stored document stays the chunk text)."""
    return f"{chunk.title}. {chunk.text}"


def _meta(chunk: Chunk, order: int) -> dict[str, str | int]:
    return {
        "source": chunk.source,
        "section": chunk.section,
        "title": chunk.title,
        "page": chunk.page if chunk.page is not None else -1,
        "kind": chunk.kind,
        "start": chunk.start,
        "end": chunk.end,
        "order": order,
    }


def read_all(collection: Any, include: list[str], page: int = _PAGE) -> dict[str, list[Any]]:
    """Every row of `collection` (ids and the `include` fields), read `page` rows at a time."""
    out: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
    offset = 0
    while True:
        got = collection.get(include=include, limit=page, offset=offset)
        for field, rows in out.items():
            values = got[field]
            rows.extend(list(values) if values is not None else [])
        if len(got["ids"]) < page:
            return out
        offset += page


def _chunk_from(chunk_id: str, text: str, meta: Any) -> Chunk:
    page = int(meta.get("page", -1))
    return Chunk(
        chunk_id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        title=str(meta.get("title", "")),
        page=None if page < 0 else page,
        kind=meta.get("kind", "discussion"),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
    )


def _kind(value: object) -> UnitKind:
    kind = str(value)
    if kind not in EMBEDDED:
        raise IndexStateError(f"the index holds an unknown unit kind {kind!r}; rebuild it")
    return cast(UnitKind, kind)


def _int(value: object) -> int:
    return int(value) if isinstance(value, (int, float, str)) else 0


def private_dir(path: Path) -> None:
    """Create `path` owner-only (0700); tighten an existing allguide folder that is not.

    A folder is tightened only when this user owns it, it is not a shared sticky folder such
    as /tmp, and it holds nothing but allguide's own files.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        return
    if path.name != "index" and any(
        not entry.name.startswith(_HOME_ENTRIES) for entry in path.iterdir()
    ):
        return
    path.chmod(0o700)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
