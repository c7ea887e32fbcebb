"""Which scored units an answer keeps, and in what order (pure).

The best units in score order, skipping what repeats a chosen one (near-duplicate embeddings,
or one unit's words inside another's), at most `_PER_CHUNK` from one passage and none scoring
too far below the best. Nothing a reader could take to apply when it does not: when the
question names ABL1 mutations, a unit that names other mutations and none of the asked ones is
left out (`applies`). An overview groups its units under their sections (`overview`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from allguide.answer.terms import tokens
from allguide.corpus.units import Unit
from allguide.settings import EmbeddingSettings
from allguide.types import Chunk

# The cut-offs on similarity-scaled scores (near-duplicate cosine, relative and overview floors)
# depend on the model's score range: `EmbeddingSettings` (MiniLM's values).
_SAME_WORDS = 0.8  # share of a unit's words found in an already chosen one
_PER_CHUNK = 2
_OVERVIEW_MAX = 6
_OVERVIEW_SECTIONS = 2
_MUTATION = re.compile(r"\b[A-Z]\d{3}[A-Z](?:/[A-Z])*\b")


@dataclass(frozen=True)
class Section:
    """Units of one section of an overview, in reading order."""

    name: str
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Selection:
    """What the answer quotes: `units` in order; for an overview, also their sections."""

    units: tuple[Unit, ...]
    sections: tuple[Section, ...] = ()


def applies(unit: Unit, mutations: Sequence[str]) -> bool:
    """False for a unit about other ABL1 mutations than the asked ones."""
    if not mutations:
        return True
    named = set(_MUTATION.findall(unit.text))
    if not named:
        return True
    asked = {m.upper() for m in mutations}
    return any(_covers(n, asked) for n in named)


def _covers(named: str, asked: set[str]) -> bool:
    """'F317L/V/I/C' covers F317L, F317V, F317I and F317C."""
    head, *alternatives = named.split("/")
    stem = head[:-1]
    return any(m in asked for m in [head, *(stem + a for a in alternatives)])


def _words(text: str) -> set[str]:
    return {t for t in tokens(text) if len(t) > 2}


def diverse(
    order: Sequence[int],
    candidates: Sequence[Unit],
    vectors: np.ndarray,
    scores: Sequence[float],
    max_units: int,
    kind: str,
    calibration: EmbeddingSettings,
) -> list[int]:
    """The best units in score order, skipping what repeats a chosen one."""
    limit = _OVERVIEW_MAX if kind == "overview" else max_units
    per_chunk_limit = _PER_CHUNK
    drop = calibration.overview_floor if kind == "overview" else calibration.relative_floor
    floor = scores[order[0]] - drop
    chosen: list[int] = []
    per_chunk: dict[str, int] = {}
    for i in order:
        unit = candidates[i]
        if len(chosen) >= limit or (chosen and scores[i] < floor):
            break
        if per_chunk.get(unit.chunk_id, 0) >= per_chunk_limit:
            continue
        if any(
            _repeats(unit, candidates[j], vectors[i], vectors[j], calibration.near_duplicate)
            for j in chosen
        ):
            continue
        chosen.append(i)
        per_chunk[unit.chunk_id] = per_chunk.get(unit.chunk_id, 0) + 1
    return chosen


def _repeats(
    unit: Unit, other: Unit, vector: np.ndarray, other_vector: np.ndarray, near_duplicate: float
) -> bool:
    if float(vector @ other_vector) > near_duplicate:
        return True
    mine, theirs = _words(unit.text), _words(other.text)
    return bool(mine) and len(mine & theirs) >= _SAME_WORDS * len(mine)


def overview(
    chosen: Sequence[int],
    candidates: Sequence[Unit],
    ranked: Sequence[Chunk],
    sections: Sequence[str],
) -> Selection:
    """The best unit first, then the others by section (the topic's order, else by their best
    unit) and in reading order within a section, under the section's name."""
    by_id = {c.chunk_id: c for c in ranked}
    picked = [candidates[i] for i in chosen]
    if not picked:
        return Selection(())
    lead = picked[0]
    found = list(dict.fromkeys(by_id[u.chunk_id].section for u in picked))
    if sections:
        first = by_id[lead.chunk_id].section
        found = [first, *(s for s in sections if s in found and s != first)]
    else:
        found = found[:_OVERVIEW_SECTIONS]
        picked = [u for u in picked if by_id[u.chunk_id].section in found]
    groups: list[Section] = []
    for name in found:
        members = [u for u in picked if by_id[u.chunk_id].section == name]
        members.sort(key=lambda u: (u is not lead, by_id[u.chunk_id].start + u.start))
        groups.append(Section(section_name(by_id[members[0].chunk_id]), tuple(members)))
    ordered = tuple(u for g in groups for u in g.units)
    return Selection(ordered, tuple(groups))


def section_name(chunk: Chunk) -> str:
    """'Discussion › Immunophenotyping', or 'ALL-C (Evaluation and treatment of …)'."""
    if chunk.section.startswith("ALL-") and chunk.title and chunk.title != chunk.section:
        return f"{chunk.section} ({chunk.title})"
    return chunk.section
