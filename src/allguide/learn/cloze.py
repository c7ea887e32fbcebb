"""Threshold cloze items: a guideline sentence with its threshold blanked ("<5/mcL", ">75%",
"<1 × 10⁻⁴ (<0.01%)").

Only rules are blanked, not study results: the units of the algorithm pages and of the
"NCCN Recommendations" Discussion sections (and the frequencies of the descriptive
cytogenetics section, `topics.DESCRIPTIVE`). The distractors are other thresholds of the same kind
(percent, count per mcL, power of ten) that the guideline itself states elsewhere in the
topic (in a rule or a study), so no number is invented; a distractor is dropped when the sentence
with it filled in occurs verbatim anywhere in the guideline (it would also be correct).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from random import Random

from allguide.corpus.units import Unit
from allguide.learn.model import QuizItem
from allguide.learn.statements import GuidelineText, recall_item
from allguide.learn.topics import DESCRIPTIVE
from allguide.types import Chunk

BLANK = "___"
_NUMBER = r"\d+(?:[.,]\d+)*"
_POWER = r"\s?×\s?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+"
_UNIT = r"\s?(?:%|/mcL|/microL)"
_TOKEN = (
    rf"(?:[<>≤≥]\s?|\b(?:at least|more than|less than|fewer than) ){_NUMBER}(?:{_POWER}|{_UNIT})"
)
THRESHOLD = re.compile(rf"{_TOKEN}(?:{_UNIT})?(?: \({_TOKEN}\))?")
FREQUENCY = re.compile(rf"{THRESHOLD.pattern}|(?<![\d.,–])\d+%(?:(?:–| to )\d+%)?")


_WORDS = {"at least ": "≥", "more than ": ">", "less than ": "<", "fewer than ": "<"}


def threshold_kind(token: str) -> str:
    """Which thresholds may stand in for each other: 'fraction' (10⁻ⁿ), 'cells' (10ⁿ),
    'count' (per mcL) or 'percent'."""
    if "×" in token:
        return "fraction" if "⁻" in token else "cells"
    return "count" if "/" in token else "percent"


def canonical(token: str) -> str:
    """The value a threshold states, however written: "less than 1 × 10⁻⁴ (<0.01%)" and
    "<1 × 10⁻⁴" are both "<1×10⁻⁴" (one must never be a distractor for the other)."""
    first = token.split(" (", maxsplit=1)[0]
    for words, sign in _WORDS.items():
        first = first.replace(words, sign)
    return first.replace(" ", "").replace("/microL", "/mcL")


def _is_rule(section: str) -> bool:
    """Algorithm pages and the Discussion's "NCCN Recommendations" sections state the rules;
    the rest of the Discussion reports studies (but for the `DESCRIPTIVE` sections)."""
    return (
        not section.startswith("Discussion")
        or section.startswith("Discussion › NCCN Recommendations")
        or section in DESCRIPTIVE
    )


def _pattern(section: str) -> re.Pattern[str]:
    return FREQUENCY if section in DESCRIPTIVE else THRESHOLD


def _tokens(units: Sequence[Unit], chunks: Mapping[str, Chunk]) -> list[str]:
    """The thresholds the units state, one spelling per value."""
    found: dict[str, str] = {}
    for unit in units:
        for match in _pattern(chunks[unit.chunk_id].section).finditer(unit.display):
            token = " ".join(match.group().split())
            found.setdefault(canonical(token), token)
    return list(found.values())


def cloze_items(
    topic: str, units: list[Unit], chunks: Mapping[str, Chunk], text: GuidelineText
) -> list[QuizItem]:
    """One cloze item per rule unit of `topic` that states a threshold (its first one)."""
    rules = [u for u in units if _is_rule(chunks[u.chunk_id].section)]
    near = _tokens(units, chunks)
    items: list[QuizItem] = []
    for unit in rules:
        sentence = unit.display
        match = _pattern(chunks[unit.chunk_id].section).search(sentence)
        if match is None:
            continue
        key = " ".join(match.group().split())
        blanked = sentence[: match.start()] + BLANK + sentence[match.end() :]
        wrong = [
            token
            for token in near
            if threshold_kind(token) == threshold_kind(key)
            and canonical(token) != canonical(key)
            and not text.states(blanked.replace(BLANK, token))
        ]
        question = f'Fill in the blank ({chunks[unit.chunk_id].section}): "{blanked}"'
        item = recall_item(topic, unit, chunks, question, key, wrong, Random(unit.unit_id))
        if item is not None:
            items.append(item)
    return items
