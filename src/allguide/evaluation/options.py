"""What an evaluation run covers: `EvalOptions`, the dev/test splits, the retrieval query.

Every metric is reported for `all`, `dev` and `test` (`EvalItem.split`, a hash of the id), or
for the one split the run is restricted to. Every retriever gets the same query for an item: the
question itself, or for a follow-up the standalone query of `allguide.answer.condense`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from allguide.answer.condense import condense
from allguide.evaluation.dataset import EvalItem
from allguide.evaluation.retrieval_metrics import HIT_DEPTHS

DEPTH = max(HIT_DEPTHS)  # passages retrieved per query: enough for hit@10 and MRR@10

SplitChoice = Literal["all", "dev", "test"]
SPLITS: tuple[SplitChoice, ...] = ("all", "dev", "test")


@dataclass(frozen=True)
class EvalOptions:
    """What `allguide eval` runs."""

    dataset: Path
    retrievers: tuple[str, ...] = ("hybrid",)
    k: int = 5
    answers: bool = True
    progress: bool = True
    split: SplitChoice = "all"
    previous: Path | None = None  # the previous release's answers (JSON: id -> Answer dict)


def reported_splits(split: SplitChoice) -> tuple[SplitChoice, ...]:
    """The splits a run reports: all three, or only the one it is restricted to."""
    return SPLITS if split == "all" else (split,)


def split_members(items: Sequence[EvalItem], split: SplitChoice) -> list[EvalItem]:
    """The items of `split` (every item for "all"), in dataset order."""
    return list(items) if split == "all" else [i for i in items if i.split == split]


def retrieval_query(item: EvalItem) -> str:
    """The query every retriever gets for `item`."""
    return condense(item.question, item.history) if item.history else item.question
