"""Threshold cloze items: a guideline sentence with its threshold blanked ("<5/mcL", ">75%",
"<1 × 10⁻⁴ (<0.01%)").

Only rules are blanked, not study results: the units of the algorithm pages and of the
"NCCN Recommendations" Discussion sections. The distractors are other thresholds of the same kind
(percent, count per mcL, power of ten) that the guideline itself states elsewhere in the
topic (else anywhere), so no number is invented; a distractor is dropped when the sentence
with it filled in occurs verbatim anywhere in the guideline (it would also be correct).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from random import Random

from allguide.corpus.units import Unit
from allguide.learn.model import QuizItem, item_id
from allguide.types import Chunk, Citation

BLANK = "___"
MAX_OPTIONS = 4
_NUMBER = r"\d+(?:[.,]\d+)*"
_POWER = r"\s?×\s?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+"
_UNIT = r"\s?(?:%|/mcL|/microL)"
_TOKEN = (
    rf"(?:[<>≤≥]\s?|\b(?:at least|more than|less than|fewer than) ){_NUMBER}(?:{_POWER}|{_UNIT})"
)
THRESHOLD = re.compile(rf"{_TOKEN}(?:{_UNIT})?(?: \({_TOKEN}\))?")


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
    the rest of the Discussion reports studies."""
    return not section.startswith("Discussion") or section.startswith(
        "Discussion › NCCN Recommendations"
    )


def _tokens(units: Sequence[Unit]) -> list[str]:
    """The thresholds the units state, one spelling per value."""
    found: dict[str, str] = {}
    for unit in units:
        for match in THRESHOLD.finditer(unit.display):
            token = " ".join(match.group().split())
            found.setdefault(canonical(token), token)
    return list(found.values())


def cloze_items(topic: str, units: list[Unit], chunks: Mapping[str, Chunk]) -> list[QuizItem]:
    """One cloze item per rule unit of `topic` that states a threshold (its first one)."""
    texts = [" ".join(chunk.text.split()) for chunk in chunks.values()]
    rules = [u for u in units if _is_rule(chunks[u.chunk_id].section)]
    near = _tokens(rules)
    items: list[QuizItem] = []
    for unit in rules:
        sentence = unit.display
        match = THRESHOLD.search(sentence)
        if match is None:
            continue
        key = " ".join(match.group().split())
        blanked = sentence[: match.start()] + BLANK + sentence[match.end() :]
        wrong = [
            token
            for token in near
            if threshold_kind(token) == threshold_kind(key)
            and canonical(token) != canonical(key)
            and not any(blanked.replace(BLANK, token) in text for text in texts)
        ]
        if not wrong:
            continue
        rng = Random(unit.unit_id)
        options = [key, *rng.sample(wrong, min(MAX_OPTIONS - 1, len(wrong)))]
        rng.shuffle(options)
        chunk = chunks[unit.chunk_id]
        question = f'Fill in the blank ({chunk.section}): "{blanked}"'
        items.append(
            QuizItem(
                id=item_id("recall", topic, question, key),
                kind="recall",
                topic=topic,
                question=question,
                options=options,
                answer=key,
                explanation=f'{chunk.section}: "{sentence}" [1]',
                citations=[
                    Citation(
                        n=1,
                        chunk_id=chunk.chunk_id,
                        section=chunk.section,
                        page=chunk.page,
                        quote=unit.text,
                    )
                ],
            )
        )
    return items
