"""Rank fusion (pure): combine scored candidate lists into one ranking.

`minmax` (the default) rescales each list's scores to [0, 1] and adds them with weights, so a
retriever that is sure of a passage (BM25 on a rare regimen name) can carry it even when the
others missed it; `rrf` (reciprocal-rank fusion) uses ranks only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Scored = Sequence[tuple[str, float]]
Fuser = Callable[[Sequence[Scored], Sequence[float]], list[tuple[str, float]]]
FUSIONS = ("minmax", "rrf")


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, *, k: int = 60
) -> list[tuple[str, float]]:
    """RRF: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1; ties keep first-seen order."""
    if k < 1:
        raise ValueError(f"RRF constant k must be ≥ 1 (got {k})")
    weights = _weights(weights, len(rankings))
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return _ranked(scores)


def minmax_fusion(
    lists: Sequence[Scored], weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Σ w_i · (s_i(d) − min_i) / (max_i − min_i); a list that misses d adds 0 for it."""
    weights = _weights(weights, len(lists))
    scores: dict[str, float] = {}
    for scored, weight in zip(lists, weights, strict=True):
        if not scored:
            continue
        values = [s for _, s in scored]
        low, span = min(values), max(values) - min(values)
        for item, score in scored:
            share = (score - low) / span if span > 0 else 1.0
            scores[item] = scores.get(item, 0.0) + weight * share
    return _ranked(scores)


def fuser(name: str, *, k: int = 60) -> Fuser:
    """Select a fusion function by name ('minmax' or 'rrf'); unknown names raise ValueError."""
    if name == "minmax":
        return minmax_fusion
    if name == "rrf":
        return lambda lists, weights: reciprocal_rank_fusion(
            [[item for item, _ in scored] for scored in lists], weights, k=k
        )
    raise ValueError(f"unknown fusion {name!r}; known: {', '.join(FUSIONS)}")


def _weights(weights: Sequence[float] | None, n: int) -> list[float]:
    weights = list(weights) if weights is not None else [1.0] * n
    if len(weights) != n:
        raise ValueError("one weight per ranking is needed")
    return weights


def _ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
