"""Recall items from the guideline's own statements: the key is verbatim text of a cited unit.

Three kinds, all built from the quotable units of the chunks (`corpus/units.py`):
- definition → term and term → definition, from the definitions and table rows ("CNS-2: WBC
  <5/mcL in CSF with presence of lymphoblasts."); the distractors are the sibling units under
  the same heading (CNS-1/2/3; CR, CRi, refractory, PD, relapse), topped up from the topic's
  other definitions. A sibling with the same term or definition (or one containing the
  other), or one whose pairing the guideline states anywhere, is never offered: it would
  also be correct.
- threshold cloze (`cloze.py`).
- which-option: "Which TKIs are listed for F317L?", keyed and checked by the TKI rule tool.

A topic gets recall items only from its sections (`topics.py`). The pool for a chunk set is
built once and cached; each item's distractors are drawn with a `Random` seeded by the unit,
so an item is the same in every quiz.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random

from allguide.corpus.units import Unit, chunk_units
from allguide.learn.cases import NAMED
from allguide.learn.cloze import cloze_items
from allguide.learn.model import QuizItem
from allguide.learn.statements import MAX_OPTIONS, GuidelineText, recall_item
from allguide.learn.topics import TOPICS, in_topic
from allguide.learn.vignettes import tool_item
from allguide.rules.provenance import QuoteResolver
from allguide.types import Chunk

_DEFINED = ("definition", "row")
_CACHE: dict[tuple[str, ...], list[QuizItem]] = {}


def recall_items(chunks: Mapping[str, Chunk], topic: str | None) -> list[QuizItem]:
    """Every recall item the chunk set yields for `topic` (None: all topics), in text order."""
    key = tuple(chunks)
    if key not in _CACHE:
        _CACHE.clear()  # one chunk set at a time: the served index
        _CACHE[key] = _all_items(chunks)
    return [item for item in _CACHE[key] if topic is None or item.topic == topic]


def _all_items(chunks: Mapping[str, Chunk]) -> list[QuizItem]:
    units = [u for u in chunk_units([chunks[cid] for cid in chunks]) if u.quotable]
    text = GuidelineText(chunks)
    items: list[QuizItem] = []
    for topic in TOPICS:
        mine = [u for u in units if in_topic(topic, chunks[u.chunk_id].section, u.context)]
        items += _definition_items(topic, mine, chunks, text)
        items += cloze_items(topic, mine, chunks, text)
    items += _tki_items(chunks)
    return items


def where(unit: Unit, chunks: Mapping[str, Chunk]) -> str:
    """The section and heading a unit sits under, as a question names it."""
    section = chunks[unit.chunk_id].section
    return f"{section}, {unit.context}" if unit.context else section


def _body(unit: Unit) -> str:
    """The definition after its term ("WBC <5/mcL in CSF …"), or "" when there is none."""
    text = unit.display
    lead = f"{unit.label}:"
    return text[len(lead) :].strip() if unit.label and text.startswith(lead) else ""


def _definition_items(
    topic: str, units: list[Unit], chunks: Mapping[str, Chunk], text: GuidelineText
) -> list[QuizItem]:
    defined = [u for u in units if u.kind in _DEFINED and _body(u)]
    items: list[QuizItem | None] = []
    for unit in defined:
        siblings = [u for u in defined if u.context == unit.context and _fits(u, unit)]
        if len(siblings) < MAX_OPTIONS - 1:
            siblings += [u for u in defined if _fits(u, unit) and u not in siblings]
        rng = Random(unit.unit_id)
        label, body, place = unit.label, _body(unit), where(unit, chunks)
        terms = [u.label for u in siblings if not text.states(f"{u.label}: {body}")]
        bodies = [_body(u) for u in siblings if not text.states(f"{label}: {_body(u)}")]
        question = f'Which term does the guideline ({place}) define as: "{body}"?'
        items.append(recall_item(topic, unit, chunks, question, label, terms, rng))
        question = f"How does the guideline ({place}) define {label}?"
        items.append(recall_item(topic, unit, chunks, question, body, bodies, rng))
    return [item for item in items if item is not None]


def _fits(other: Unit, unit: Unit) -> bool:
    """A sibling that is wrong for `unit` both ways: another term, and a definition that
    neither contains nor is contained in `unit`'s (same drugs, one more remark)."""
    mine, theirs = _body(unit).casefold(), _body(other).casefold()
    return (
        other.label.casefold() != unit.label.casefold()
        and mine not in theirs
        and theirs not in mine
    )


def _tki_items(chunks: Mapping[str, Chunk]) -> list[QuizItem]:
    """'Which TKIs are listed for F317L?': one per mutation the guideline names."""
    resolver = QuoteResolver(chunks.values())
    return [
        tool_item(
            "tki_by_mutation",
            {"mutations": [mutation]},
            "Which TKI options does the guideline list for relapsed/refractory Ph-positive ALL "
            f"with the ABL1 mutation {mutation}?",
            "recall",
            Random(mutation),
            resolver,
            chunks,
        )
        for mutation in NAMED
    ]
