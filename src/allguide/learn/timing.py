"""How long a quiz takes to make, for `make bench` (evaluation/bench.py prints the row)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping

from allguide.learn.quiz import make_quiz
from allguide.types import Chunk

QUIZ_TARGET_S = 1.0
QUIZ_LENGTH = 20
QUIZ_RUNS = 5


def quiz_seconds(
    chunks: Mapping[str, Chunk], *, n: int = QUIZ_LENGTH, runs: int = QUIZ_RUNS
) -> float:
    """Median wall time of `make_quiz(n=n)` (mixed, all topics) over `runs` seeds, warm: after
    one warm-up quiz, which builds the recall pool of the chunk set once."""
    make_quiz(chunks, n=n, seed=-1)
    times = []
    for seed in range(runs):
        start = time.perf_counter()
        make_quiz(chunks, n=n, seed=seed)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quiz_row(seconds: float) -> tuple[str, str, str, str]:
    """The bench.md row: measure, value, target, mark."""
    over = seconds - QUIZ_TARGET_S
    mark = "met" if over <= 0 else f"missed by {over:.2f} s"
    return (
        f"generate a {QUIZ_LENGTH}-item quiz, warm (median of {QUIZ_RUNS} seeds)",
        f"{seconds * 1000:.0f} ms",
        f"≤ {QUIZ_TARGET_S:g} s",
        mark,
    )
