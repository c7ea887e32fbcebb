"""Make sure the index matches the corpus, settings and model; build it when it does not."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from allguide.corpus.pipeline import CorpusBuild, build_chunks, fingerprint
from allguide.corpus.units import chunk_units, embedded_units
from allguide.errors import IndexStateError
from allguide.index.embed import Embedder
from allguide.index.store import ChunkStore, Manifest
from allguide.settings import Settings


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
        index_dir=settings.index_dir, collection=settings.collection, chroma_url=settings.chroma_url
    )


def ensure_index(
    settings: Settings,
    *,
    store: ChunkStore,
    embedder: Embedder,
    rebuild: bool = False,
    show_progress: bool = False,
    build: CorpusBuild | None = None,
) -> IngestReport:
    """Build the index if it is missing, stale or `rebuild` is asked; otherwise do nothing.

    Against a Chroma server a stale index is not replaced silently (other clients may use it):
    that needs `allguide ingest --rebuild`.
    """
    started = time.perf_counter()
    build = build or build_chunks(settings.corpus_dir, settings.chunking)
    fp = fingerprint(build, chunking=settings.chunking, model=embedder.name)
    current = store.manifest()
    docs = len(build.documents)
    if current is not None and current.fingerprint == fp and not rebuild:
        return IngestReport(docs, current.chunks, build.repairs, 0.0, False, fp)
    if current is not None and store.url and not rebuild:
        raise IndexStateError(
            f"the index on the Chroma server at {store.url} was built from another corpus, "
            "settings or model; rebuild it with `allguide ingest --rebuild`"
        )
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


def _progress(total: int):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding chunks and units", unit="text", file=sys.stderr)
