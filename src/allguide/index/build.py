"""Make sure the index matches the corpus, settings and model; build it when it does not.

Builds on one home take turns: each holds an exclusive `flock` on `$ALLGUIDE_HOME/build.lock`;
a second build waits for the first (up to `LOCK_WAIT_S`) and then reuses its index.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from allguide.corpus.pipeline import CorpusBuild, build_chunks, fingerprint
from allguide.corpus.units import chunk_units, embedded_units
from allguide.errors import BuildLockedError, IndexCorruptError, IndexStateError
from allguide.index.embed import TextEmbedder
from allguide.index.store import ChunkStore, Manifest, private_dir
from allguide.settings import Settings

log = logging.getLogger(__name__)

LOCK_FILE = "build.lock"
LOCK_WAIT_S = 900.0  # a full build of the real corpus takes about a minute
_POLL_S = 0.2


@dataclass(frozen=True)
class IngestReport:
    """What `allguide ingest` did."""

    documents: int
    chunks: int
    repairs: dict[str, int]
    seconds: float
    rebuilt: bool
    fingerprint: str


def open_store(settings: Settings) -> ChunkStore:
    return ChunkStore(
        index_dir=settings.index_dir,
        collection=settings.collection,
        chroma_url=settings.chroma_url,
        timeout_s=settings.store_timeout_s,
    )


@contextlib.contextmanager
def build_lock(home: Path, *, wait_s: float | None) -> Iterator[bool]:
    """Hold the exclusive build lock of `home`; yields whether another build held it first.

    A busy lock is waited for up to `wait_s` seconds (None: not at all), then `BuildLockedError`.
    """
    try:
        private_dir(home)
        fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise IndexStateError(
            f"cannot take the build lock in {home}: {exc.strerror or exc} "
            "(set ALLGUIDE_HOME to a writable folder)"
        ) from exc
    try:
        waited = False
        deadline = time.monotonic() + (wait_s or 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if wait_s is None or time.monotonic() >= deadline:
                    raise BuildLockedError(
                        f"another build is running on {home}"
                        + (f" (waited {wait_s:.0f} s)" if wait_s else "")
                        + "; try again when it finishes"
                    ) from None
                if not waited:
                    log.info("waiting for another build on %s…", home)
                    waited = True
                time.sleep(_POLL_S)
        yield waited
    finally:
        os.close(fd)  # closing releases the lock


def ensure_index(
    settings: Settings,
    *,
    store: ChunkStore,
    embedder: TextEmbedder,
    rebuild: bool = False,
    show_progress: bool = False,
    build: CorpusBuild | None = None,
    lock_wait_s: float = LOCK_WAIT_S,
) -> IngestReport:
    """Build the index if it is missing, stale or `rebuild` is asked; otherwise do nothing.

    Against a Chroma server a stale index is not replaced silently (other clients may use it):
    that needs `allguide ingest --rebuild`. An unreadable embedded store raises
    `IndexCorruptError`; with `rebuild` it is moved aside and built afresh.
    """
    started = time.perf_counter()
    build = build or build_chunks(settings.corpus_dir, settings.chunking)
    fp = fingerprint(build, chunking=settings.chunking, model=embedder.identity)
    docs = len(build.documents)
    current, corrupt = _read_manifest(store, rebuild=rebuild)
    if current is not None and current.fingerprint == fp and not rebuild:
        if store.url is None:
            _clean_stale_builds(settings, store)
        return IngestReport(docs, current.chunks, build.repairs, 0.0, False, fp)
    if current is not None and store.url and not rebuild:
        raise IndexStateError(
            f"the index on the Chroma server at {store.url} was built from another corpus, "
            "settings or model; rebuild it with `allguide ingest --rebuild`"
        )
    with build_lock(settings.home, wait_s=lock_wait_s) as waited:
        if waited:  # the build we waited for may have made the very index we need
            store.refresh()
            current, corrupt = _read_manifest(store, rebuild=True)
            if current is not None and current.fingerprint == fp:
                return IngestReport(docs, current.chunks, build.repairs, 0.0, False, fp)
        if corrupt:
            moved = store.move_aside()
            log.warning("moved the corrupt index aside to %s", moved)
        units = embedded_units(chunk_units(build.chunks))
        manifest = Manifest(
            fp, embedder.name, len(build.chunks), len(units), time.time(), build.repairs
        )
        bar = _progress(len(build.chunks) + len(units)) if show_progress else None
        try:
            store.replace(
                build.chunks,
                units,
                embedder.embed_documents,
                manifest,
                progress=bar.update if bar else None,
            )
        finally:
            if bar:
                bar.close()
    return IngestReport(
        docs, len(build.chunks), build.repairs, time.perf_counter() - started, True, fp
    )


def _read_manifest(store: ChunkStore, *, rebuild: bool) -> tuple[Manifest | None, bool]:
    """The live manifest and whether the store is corrupt (which only a rebuild may mend)."""
    try:
        return store.manifest(), False
    except IndexCorruptError:
        if not rebuild:
            raise
        return None, True


def _clean_stale_builds(settings: Settings, store: ChunkStore) -> None:
    """Drop collections a killed build left behind, unless a build is running now."""
    with contextlib.suppress(BuildLockedError), build_lock(settings.home, wait_s=None):
        for name in store.delete_stale_builds():
            log.info("removed %r, left by an interrupted build", name)


def _progress(total: int):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding chunks and units", unit="text", file=sys.stderr)
