"""Choose and order the guideline units that answer a question, by its kind (pure).

Every candidate is a quotable unit (`corpus/units.py`) of the retrieved passages, scored by
`features.py` (named features times `WEIGHTS`). Then, for the question's kind:

- definition / criteria: the unit defining the term leads (looked up by label in the whole
  index when the retrieved passages miss it, `terms.label_matches`); a table row is quoted
  whole;
- overview: 3–6 units from different passages of the one or two sections the question maps
  to, grouped under their section, in reading order after the best one;
- otherwise: the best unit leads, the rest follow their passages' retrieval order.

What is kept and what is dropped as a repeat or as not applying is `selection.py`.
`Selection` and `section_name` are re-exported for the answer's renderer (`extractive.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from allguide.answer.features import Ask, feature_rows, weighed
from allguide.answer.selection import Selection, applies, diverse, overview, section_name
from allguide.answer.terms import label_matches, term_keys
from allguide.answer.units import UnitIndex
from allguide.corpus.units import Unit
from allguide.settings import EmbeddingSettings
from allguide.types import Chunk

__all__ = ["Composer", "Selection", "section_name"]


class Composer:
    """Picks the units of an answer from the index, for one question at a time."""

    def __init__(
        self,
        index: UnitIndex,
        idf: Mapping[str, float],
        chunks: Sequence[Chunk],
        *,
        calibration: EmbeddingSettings | None = None,
    ) -> None:
        self._calibration = calibration or EmbeddingSettings()
        self._index = index
        self._idf = idf
        self._by_section: dict[str, list[Chunk]] = {}
        self._titles: dict[str, str] = {}
        for chunk in chunks:
            self._by_section.setdefault(chunk.section, []).append(chunk)
            self._titles[chunk.chunk_id] = chunk.title

    def select(self, ask: Ask, ranked: Sequence[Chunk], *, max_units: int) -> Selection:
        """The units that answer `ask` from the `ranked` passages (best first); an overview
        draws on the whole of the sections its topic maps to."""
        question = ask.question
        rank = {c.chunk_id: r for r, c in enumerate(ranked)}
        if question.kind == "overview" and ask.sections:
            ranked = [c for name in ask.sections for c in self._by_section.get(name, [])]
        candidates = [u for c in ranked for u in self._index.units(c.chunk_id)]
        asked = term_keys(question.term) if question.term else set()
        defining = self._defining(asked) if question.kind in ("definition", "criteria") else []
        candidates += [u for u in defining if u not in candidates]
        candidates = [u for u in candidates if applies(u, ask.mutations)]
        if not candidates:
            return Selection(())
        vectors = self._index.vectors([u.row for u in candidates])
        scores = self._scores(ask, candidates, vectors @ ask.vector, rank, asked)
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        if defining:  # the defining unit leads, whatever else scores higher
            lead = next(i for i in order if candidates[i] in defining)
            order = [lead, *(i for i in order if i != lead)]
        chosen = diverse(
            order, candidates, vectors, scores, max_units, question.kind, self._calibration
        )
        if question.kind == "overview":
            return overview(chosen, candidates, ranked, ask.sections)
        picked = [candidates[i] for i in chosen]
        far = len(ranked)
        rest = sorted(picked[1:], key=lambda u: (rank.get(u.chunk_id, far), u.start))
        return Selection((*picked[:1], *rest))

    def rerank(self, ask: Ask, ranked: Sequence[Chunk], fused: Sequence[float]) -> list[float]:
        """New passage scores: the fused retrieval score (min-max normalized) plus the score of
        the passage's best unit, so that the passage that states the answer comes first."""
        if not ranked:
            return []
        low, high = min(fused), max(fused)
        spread = (high - low) or 1.0
        rank = {c.chunk_id: r for r, c in enumerate(ranked)}
        asked = term_keys(ask.question.term) if ask.question.term else set()
        out: list[float] = []
        for chunk, score in zip(ranked, fused, strict=True):
            units = self._index.units(chunk.chunk_id)
            best = 0.0
            if units:
                vectors = self._index.vectors([u.row for u in units])
                best = max(self._scores(ask, units, vectors @ ask.vector, rank, asked))
            out.append((score - low) / spread + self._calibration.rerank_weight * best)
        return out

    def _defining(self, asked: set[str]) -> list[Unit]:
        if not asked:
            return []
        return [
            u
            for label, units in self._index.labelled().items()
            if label_matches(label, asked)
            for u in units
            if u.quotable
        ]

    def _scores(
        self,
        ask: Ask,
        candidates: Sequence[Unit],
        similarity: np.ndarray,
        rank: Mapping[str, int],
        asked: set[str],
    ) -> list[float]:
        rows = feature_rows(
            ask, candidates, similarity, rank, asked, idf=self._idf, titles=self._titles
        )
        return weighed(rows)
