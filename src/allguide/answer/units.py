"""The embedded units of the index with their vectors: what answers choose from and quote."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from allguide.corpus.units import Unit


class UnitIndex:
    """Embedded units of all chunks and their normalized embeddings (rows of `vectors`)."""

    def __init__(self, units: Sequence[Unit], vectors: np.ndarray) -> None:
        if len(units) != len(vectors):
            raise ValueError("one embedding per unit is needed")
        self.all = list(units)
        self._vectors = vectors
        self._by_chunk: dict[str, list[Unit]] = {}
        self._by_label: dict[str, list[Unit]] = {}
        for unit in self.all:
            if unit.quotable:  # labels help retrieval but are not worth quoting
                self._by_chunk.setdefault(unit.chunk_id, []).append(unit)
            if unit.label:
                self._by_label.setdefault(unit.label.lower(), []).append(unit)
        self.category = next((u for u in self.all if u.kind == "category"), None)

    def best_similarity(self, query_vector: np.ndarray) -> float:
        """Cosine similarity of the query to its closest unit of the whole corpus."""
        return float(np.max(self._vectors @ query_vector)) if len(self._vectors) else 0.0

    def units(self, chunk_id: str) -> list[Unit]:
        """The quotable units of a chunk, in reading order."""
        return self._by_chunk.get(chunk_id, [])

    def labelled(self) -> dict[str, list[Unit]]:
        """Definitions and table rows by their lower-cased label ("cns-2", "cr")."""
        return self._by_label

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self._vectors[list(rows)]
