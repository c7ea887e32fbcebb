"""Sentences of the index with their embeddings, so answers can quote single sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from allguide.corpus.sentences import Sentence


class SentenceIndex:
    """Quotable sentences of all chunks and their normalized embeddings (rows of `vectors`)."""

    def __init__(self, sentences: Sequence[Sentence], vectors: np.ndarray) -> None:
        if len(sentences) != len(vectors):
            raise ValueError("one embedding per sentence is needed")
        self.all = list(sentences)
        self._vectors = vectors
        self._by_chunk: dict[str, list[Sentence]] = {}
        for sentence in self.all:
            if sentence.quotable:  # labels help retrieval but are not worth quoting
                self._by_chunk.setdefault(sentence.chunk_id, []).append(sentence)

    def best_similarity(self, query_vector: np.ndarray) -> float:
        """Cosine similarity of the query to its closest sentence of the whole corpus."""
        return float(np.max(self._vectors @ query_vector)) if len(self._vectors) else 0.0

    def sentences(self, chunk_id: str) -> list[Sentence]:
        """The quotable sentences of a chunk."""
        return self._by_chunk.get(chunk_id, [])

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self._vectors[list(rows)]
