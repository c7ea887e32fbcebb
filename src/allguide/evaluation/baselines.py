"""The retrievers the evaluation compares: ours (hybrid) and the baselines beside it.

`dense` and `bm25` are our own chunks searched by one list only. `vanilla` is the common
LangChain recipe: `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` over the
raw corpus text (no cleaning), the same MiniLM, an in-memory `langchain_chroma.Chroma`, top-k.
`vanilla-bm25` searches those same raw chunks with our BM25 (`BM25Index`, `clinical_tokens`).
"""

from __future__ import annotations

import importlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from allguide.corpus.load import load_corpus
from allguide.errors import AllguideError
from allguide.index.embed import Embedder
from allguide.retrieval.hybrid import MODES, Mode
from allguide.retrieval.lexical import BM25Index, clinical_tokens
from allguide.types import Kind, Passage

if TYPE_CHECKING:
    from allguide.assistant import Assistant

RETRIEVERS: tuple[str, ...] = ("hybrid", "dense", "bm25", "vanilla", "vanilla-bm25")
VANILLA_CHUNK_SIZE = 1000
VANILLA_CHUNK_OVERLAP = 200
_collections = itertools.count()


# The raw splitter knows no layout, so a vanilla piece has no kind of its own; it is recorded
# with the kind of running guideline prose.
VANILLA_KIND: Kind = "discussion"


class Retriever(Protocol):
    """Anything that returns the best `k` passages for a query, best first."""

    def search(self, query: str, k: int) -> list[Passage]: ...


class AssistantRetriever:
    """Our index searched by `Assistant.retrieve` in one mode (hybrid, dense or bm25)."""

    def __init__(self, assistant: Assistant, mode: Mode) -> None:
        self._assistant = assistant
        self._mode: Mode = mode

    def search(self, query: str, k: int) -> list[Passage]:
        return self._assistant.retrieve(query, k, mode=self._mode)


def _text_splitter() -> Any:
    try:
        module = importlib.import_module("langchain_text_splitters")
    except ImportError as exc:
        raise AllguideError(
            "the vanilla baseline needs langchain-text-splitters "
            "(pip install langchain-text-splitters)"
        ) from exc
    return module.RecursiveCharacterTextSplitter(
        chunk_size=VANILLA_CHUNK_SIZE, chunk_overlap=VANILLA_CHUNK_OVERLAP, add_start_index=True
    )


@dataclass(frozen=True)
class RawChunk:
    """One piece of the vanilla splitter over a raw corpus document."""

    chunk_id: str
    text: str
    source: str
    start: int

    def passage(self, score: float) -> Passage:
        """This piece as a retrieved `Passage` (its file as the section, no page)."""
        return Passage(
            chunk_id=self.chunk_id,
            text=self.text,
            section=self.source,
            title=f"characters from {self.start}",
            source=self.source,
            source_title=self.source,
            page=None,
            kind=VANILLA_KIND,
            score=score,
        )


def vanilla_chunks(corpus_dir: Path) -> list[RawChunk]:
    """The raw corpus split by `RecursiveCharacterTextSplitter(1000, 200)`, in order."""
    splitter = _text_splitter()
    chunks: list[RawChunk] = []
    for doc in load_corpus(corpus_dir):
        for i, piece in enumerate(splitter.create_documents([doc.text])):
            chunk_id = f"vanilla:{doc.source}:{i:05d}"
            start = int(piece.metadata["start_index"])
            chunks.append(RawChunk(chunk_id, piece.page_content, doc.source, start))
    return chunks


class VanillaRetriever:
    """The common LangChain recipe over the raw corpus, in an in-memory Chroma collection."""

    def __init__(self, corpus_dir: Path, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        chunks = vanilla_chunks(corpus_dir)
        texts = [c.text for c in chunks]
        metadatas: list[dict[str, Any]] = [{"source": c.source, "start": c.start} for c in chunks]
        ids = [c.chunk_id for c in chunks]
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._collection_name = f"vanilla-{os.getpid()}-{next(_collections)}"
        self._store = Chroma.from_texts(
            texts,
            embedder.langchain_stock,
            metadatas=metadatas,
            ids=ids,
            client=client,
            collection_name=self._collection_name,
        )

    def search(self, query: str, k: int) -> list[Passage]:
        pairs = self._store.similarity_search_with_score(query, k=k)
        return [
            Passage(
                chunk_id=str(doc.id),
                text=doc.page_content,
                section=str(doc.metadata.get("source", "")),
                title=f"characters from {doc.metadata.get('start', 0)}",
                source=str(doc.metadata.get("source", "")),
                source_title=str(doc.metadata.get("source", "")),
                page=None,
                kind=VANILLA_KIND,
                # Chroma's default space is squared L2; for unit vectors cos = 1 - d/2.
                score=round(1.0 - float(distance) / 2.0, 6),
            )
            for doc, distance in pairs
        ]

    def close(self) -> None:
        """Drop the in-memory collection."""
        self._store.delete_collection()


class VanillaBM25Retriever:
    """Our BM25 (`clinical_tokens`) over the vanilla splitter's raw 1000/200 chunks."""

    def __init__(self, corpus_dir: Path) -> None:
        self._chunks = vanilla_chunks(corpus_dir)
        self._index = BM25Index([c.text for c in self._chunks], tokenizer=clinical_tokens)

    def search(self, query: str, k: int) -> list[Passage]:
        return [self._chunks[i].passage(round(s, 6)) for i, s in self._index.top(query, k)]


def make_retriever(name: str, assistant: Assistant) -> Retriever:
    """The retriever called `name` over the assistant's corpus and embedder."""
    if name == "vanilla":
        return VanillaRetriever(assistant.settings.corpus_dir, assistant.embedder)
    if name == "vanilla-bm25":
        return VanillaBM25Retriever(assistant.settings.corpus_dir)
    if name in MODES:
        return AssistantRetriever(assistant, name)
    raise ValueError(f"unknown retriever {name!r}; known: {', '.join(RETRIEVERS)}")
