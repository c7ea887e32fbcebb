"""Hybrid retrieval: three candidate lists over the same chunks, fused.

1. chunk-dense: the chunk embeddings in Chroma, queried with the expanded question;
2. BM25 over chunk title + text, with the expanded question;
3. sentence-dense: the sentence embeddings in Chroma, queried with the question as asked; a
   chunk scores its best sentence. This finds one item of a long list (an ALL-D regimen, an
   ALL-B toxicity rule) whose chunk embedding is diluted by the rest of the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from allguide.index.embed import TextEmbedder
from allguide.index.store import ChunkStore, embedding_text
from allguide.retrieval.expand import Expander, expand_abbreviations
from allguide.retrieval.fusion import fuser
from allguide.retrieval.lexical import BM25Index, Tokenizer, clinical_tokens
from allguide.settings import RetrievalSettings
from allguide.types import Chunk, Passage

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the fused score and each retriever's own evidence."""

    chunk: Chunk
    score: float
    similarity: float | None  # cosine similarity to the query, when the dense list saw it
    lexical: float | None  # BM25 score, when the BM25 list saw it

    def passage(self) -> Passage:
        return Passage.of(self.chunk, round(self.score, 6))


class HybridRetriever:
    """Finds passages for a query; `mode` picks hybrid, dense-only or BM25-only."""

    def __init__(
        self,
        chunks: list[Chunk],
        *,
        store: ChunkStore,
        embedder: TextEmbedder,
        settings: RetrievalSettings,
        expander: Expander = expand_abbreviations,
        tokenizer: Tokenizer = clinical_tokens,
    ) -> None:
        self.chunks = chunks
        self._by_id = {c.chunk_id: c for c in chunks}
        self._store = store
        self._embedder = embedder
        self._settings = settings
        self._expand = expander
        self._fuse = fuser(settings.fusion, k=settings.rrf_k)
        self._bm25 = BM25Index([embedding_text(c) for c in chunks], tokenizer=tokenizer)

    def search(self, query: str, k: int, *, mode: Mode = "hybrid") -> list[Hit]:
        """The best `k` hits for `query`, best first."""
        if mode not in MODES:
            raise ValueError(f"unknown retriever {mode!r}; known: {', '.join(MODES)}")
        expanded = self._expand(query)
        depth = max(k, self._settings.candidates)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        sentences: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            vector = self._embedder.embed_query(expanded)
            dense = [(i, s) for i, s in self._store.query(vector, depth) if i in self._by_id]
        if mode in ("hybrid", "bm25"):
            lexical = [(self.chunks[i].chunk_id, s) for i, s in self._bm25.top(expanded, depth)]
        if mode == "hybrid" and self._settings.sentence_weight > 0:
            sentences = self._best_sentences(query)
        if mode == "dense":
            ranked = dense
        elif mode == "bm25":
            ranked = lexical
        else:
            ranked = self._fuse(
                [dense, lexical, sentences],
                [
                    self._settings.dense_weight,
                    self._settings.bm25_weight,
                    self._settings.sentence_weight,
                ],
            )
        similarity = dict(dense)
        bm25 = dict(lexical)
        return [
            Hit(self._by_id[i], score, similarity.get(i), bm25.get(i)) for i, score in ranked[:k]
        ]

    def _best_sentences(self, query: str) -> list[tuple[str, float]]:
        """(chunk id, similarity of its best sentence) from the nearest sentences."""
        vector = self._embedder.embed_query(query)
        best: dict[str, float] = {}
        for chunk_id, score in self._store.query_sentences(
            vector, self._settings.sentence_candidates
        ):
            if chunk_id in self._by_id and chunk_id not in best:
                best[chunk_id] = score
        return list(best.items())
