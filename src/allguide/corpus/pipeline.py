"""Corpus → cleaned documents → chunks, and the fingerprint that says when to rebuild."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from allguide.corpus.chunk import chunk_document
from allguide.corpus.clean import clean_document
from allguide.corpus.load import RawDocument, load_corpus
from allguide.guidelines import get_profile
from allguide.settings import ChunkingSettings, load_settings
from allguide.types import Chunk

# Bump when the index layout (metadata, ids) changes; cleaning and chunking changes are caught
# by the fingerprint's hash of the chunks themselves.
PIPELINE_VERSION = "5"


@dataclass(frozen=True)
class CorpusBuild:
    """Chunks of the whole corpus plus what cleaning did."""

    chunks: list[Chunk]
    documents: dict[str, str]  # source → cleaned text
    repairs: dict[str, int]
    corpus_sha256: str

    @property
    def chunks_sha256(self) -> str:
        """Hash of every chunk's id, metadata and text: changes whenever cleaning output does."""
        digest = hashlib.sha256()
        for chunk in self.chunks:
            digest.update(chunk.model_dump_json().encode())
        return digest.hexdigest()


def build_from_raw(raw_docs: list[RawDocument], chunking: ChunkingSettings) -> CorpusBuild:
    """Clean and chunk already-read documents (pure), each with the profile it names."""
    chunks: list[Chunk] = []
    documents: dict[str, str] = {}
    repairs: dict[str, int] = {}
    digest = hashlib.sha256()
    seen: set[str] = set()
    for raw in raw_docs:
        for part in (raw.source, raw.profile, raw.title, raw.text):
            digest.update(part.encode() + b"\0")
        doc = clean_document(
            raw.text, source=raw.source, profile=get_profile(raw.profile), title=raw.title
        )
        documents[raw.source] = doc.text
        for name, count in doc.repairs.items():
            repairs[name] = repairs.get(name, 0) + count
        for chunk in chunk_document(doc, chunking):
            if chunk.text not in seen:  # no two chunks carry the same text
                seen.add(chunk.text)
                chunks.append(chunk)
    return CorpusBuild(chunks, documents, dict(sorted(repairs.items())), digest.hexdigest())


def build_chunks(corpus_dir: Path, chunking: ChunkingSettings) -> CorpusBuild:
    """Read, clean and chunk every document of `corpus_dir`."""
    return build_from_raw(load_corpus(corpus_dir), chunking)


@lru_cache(maxsize=1)
def default_build() -> CorpusBuild:
    """The corpus named by the environment's Settings (cached for the process)."""
    settings = load_settings()
    return build_chunks(settings.corpus_dir, settings.chunking)


def _units_sha256(build: CorpusBuild) -> str:
    from allguide.corpus.units import chunk_units

    digest = hashlib.sha256()
    for unit in chunk_units(build.chunks):
        digest.update(f"{unit.unit_id}:{unit.kind}:{unit.label}:{unit.context}\x1f".encode())
    return digest.hexdigest()


def fingerprint(
    build: CorpusBuild, *, chunking: ChunkingSettings, model: str | Mapping[str, Any]
) -> str:
    """Hash of corpus + cleaning/chunking version and settings + embedding model.

    `model` is the embedder's `identity`: every `EmbeddingSettings` field that shapes the
    vectors (model, max_tokens, device, batch_size) with the model's content identity (its
    resolved folder, its files' names and sizes, a hash of its config files, the package
    version) — so another model in a folder of the same name rebuilds.
    """
    payload = json.dumps(
        {
            "corpus": build.corpus_sha256,
            "chunks": build.chunks_sha256,
            "units": _units_sha256(build),
            "pipeline": PIPELINE_VERSION,
            "chunking": chunking.model_dump(),
            "model": model if isinstance(model, str) else dict(model),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
