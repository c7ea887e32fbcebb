"""Rank fusion (pure): combine ranked id lists into one ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Ranking = Sequence[str]
Fuser = Callable[[Sequence[Ranking], Sequence[float]], list[tuple[str, float]]]


def reciprocal_rank_fusion(
    rankings: Sequence[Ranking], weights: Sequence[float] | None = None, *, k: int = 60
) -> list[tuple[str, float]]:
    """RRF: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1; ties keep first-seen order."""
    if k < 1:
        raise ValueError(f"RRF constant k must be ≥ 1 (got {k})")
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking is needed")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


def fuser(name: str, *, k: int = 60) -> Fuser:
    """Select a fusion function by name ('rrf'); unknown names raise ValueError."""
    if name == "rrf":
        return lambda rankings, weights: reciprocal_rank_fusion(rankings, weights, k=k)
    raise ValueError(f"unknown fusion {name!r}; known: rrf")
