"""The retrievers the evaluation compares: ours (hybrid) and the baselines beside it.

`dense` and `bm25` are our own chunks searched by one list only. `vanilla` is the common
LangChain recipe: `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` over the
raw corpus text (no cleaning), the same MiniLM, an in-memory `langchain_chroma.Chroma`, top-k.
"""

from __future__ import annotations

import importlib
import itertools
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from allguide.corpus.load import load_corpus
from allguide.errors import AllguideError
from allguide.index.embed import Embedder
from allguide.retrieval.hybrid import MODES, Mode

if TYPE_CHECKING:
    from allguide.assistant import Assistant

RETRIEVERS: tuple[str, ...] = ("hybrid", "dense", "bm25", "vanilla")
VANILLA_CHUNK_SIZE = 1000
VANILLA_CHUNK_OVERLAP = 200
_collections = itertools.count()


@dataclass(frozen=True)
class Retrieved:
    """One retrieved passage as the evaluation records it (Passage's keys; kind may be None)."""

    chunk_id: str
    text: str
    section: str
    title: str
    page: int | None
    kind: str | None
    score: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Retriever(Protocol):
    """Anything that returns the best `k` passages for a query, best first."""

    def search(self, query: str, k: int) -> list[Retrieved]: ...


class AssistantRetriever:
    """Our index searched by `Assistant.retrieve` in one mode (hybrid, dense or bm25)."""

    def __init__(self, assistant: Assistant, mode: Mode) -> None:
        self._assistant = assistant
        self._mode: Mode = mode

    def search(self, query: str, k: int) -> list[Retrieved]:
        passages = self._assistant.retrieve(query, k, mode=self._mode)
        return [Retrieved(**p.model_dump()) for p in passages]


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


class VanillaRetriever:
    """The common LangChain recipe over the raw corpus, in an in-memory Chroma collection."""

    def __init__(self, corpus_dir: Path, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        splitter = _text_splitter()
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        ids: list[str] = []
        for doc in load_corpus(corpus_dir):
            for i, piece in enumerate(splitter.create_documents([doc.text])):
                texts.append(piece.page_content)
                metadatas.append({"source": doc.source, "start": piece.metadata["start_index"]})
                ids.append(f"vanilla:{doc.source}:{i:05d}")
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

    def search(self, query: str, k: int) -> list[Retrieved]:
        pairs = self._store.similarity_search_with_score(query, k=k)
        return [
            Retrieved(
                chunk_id=str(doc.id),
                text=doc.page_content,
                section=str(doc.metadata.get("source", "")),
                title=f"characters from {doc.metadata.get('start', 0)}",
                page=None,
                kind=None,
                # Chroma's default space is squared L2; for unit vectors cos = 1 - d/2.
                score=round(1.0 - float(distance) / 2.0, 6),
            )
            for doc, distance in pairs
        ]

    def close(self) -> None:
        """Drop the in-memory collection."""
        self._store.delete_collection()


def make_retriever(name: str, assistant: Assistant) -> Retriever:
    """The retriever called `name` over the assistant's corpus and embedder."""
    if name == "vanilla":
        return VanillaRetriever(assistant.settings.corpus_dir, assistant.embedder)
    if name in MODES:
        return AssistantRetriever(assistant, name)
    raise ValueError(f"unknown retriever {name!r}; known: {', '.join(RETRIEVERS)}")
