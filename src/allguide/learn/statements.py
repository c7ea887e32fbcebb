"""What recall items share: the guideline text to check distractors against, and the item
built around one cited unit.

A distractor is "also correct" when the sentence it makes (the term with another definition,
the blank filled with another threshold) is stated somewhere in the guideline: such a
distractor is never offered. Spacing and the separators a table row is shown with
("CR: a; b", `Unit.display`) do not count in that comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from random import Random

from allguide.corpus.units import Unit
from allguide.learn.model import QuizItem, item_id
from allguide.types import Chunk, Citation

MAX_OPTIONS = 4
_SEPARATORS = re.compile(r"[\s:;]+")


def fold(text: str) -> str:
    """`text` without spacing and row separators, for comparing statements."""
    return _SEPARATORS.sub("", text)


class GuidelineText:
    """The whole guideline, to ask whether it states a sentence anywhere."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        self._texts = [fold(chunk.text) for chunk in chunks.values()]

    def states(self, sentence: str) -> bool:
        folded = fold(sentence)
        return any(folded in text for text in self._texts)


def unit_citation(unit: Unit, chunks: Mapping[str, Chunk]) -> Citation:
    """Citation [1] of a unit: its verbatim text in its chunk."""
    chunk = chunks[unit.chunk_id]
    return Citation(
        n=1, chunk_id=chunk.chunk_id, section=chunk.section, page=chunk.page, quote=unit.text
    )


def recall_item(
    topic: str,
    unit: Unit,
    chunks: Mapping[str, Chunk],
    question: str,
    answer: str,
    wrong: Sequence[str],
    rng: Random,
) -> QuizItem | None:
    """An item keyed by `answer` (text of `unit`) with up to three of `wrong` as distractors,
    explained by quoting the unit; None when there is no distractor."""
    if not wrong:
        return None
    options = [answer, *rng.sample(list(wrong), min(MAX_OPTIONS - 1, len(wrong)))]
    rng.shuffle(options)
    section = chunks[unit.chunk_id].section
    return QuizItem(
        id=item_id("recall", topic, question, answer),
        kind="recall",
        topic=topic,
        question=question,
        options=options,
        answer=answer,
        explanation=f'{section}: "{unit.display}" [1]',
        citations=[unit_citation(unit, chunks)],
    )
