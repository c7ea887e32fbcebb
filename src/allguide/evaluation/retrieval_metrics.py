"""Pure retrieval metrics: evidence coverage, hit@r/MRR, evidence recall, equal context.

Evidence coverage rule (gold spans are verbatim from the RAW corpus, passages are CLEANED):
both sides go through `normalize_evidence` (NFKC, lower-case, letters and digits only) after
folding the raw `1 X 10-4` into `1 × 10-4`; a span is covered when its normalization is a
substring of a passage's. A second variant of the span with inline citation numbers removed
(`adults.1,6` → `adults.`, the cleaner's `strip_citations`) may match instead, since cleaning
drops them. Letters-only matching is not used: it would equate `CNS-2` with `CNS-3`. A span that
a chunk boundary cuts in two counts as covered when one retrieved passage ends with its head and
another starts with its tail (the reader sees both).

At equal context (`context_hit`) a retriever's ranked passages are cut to a character budget and
an item counts when one of its gold spans lies whole within one kept passage (same keys, no
straddling).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from allguide.evaluation.dataset import normalize_evidence

# "1 X 10-4" in the raw algorithm pages is "1 × 10⁻⁴" after cleaning.
_TIMES_X = re.compile(r"(?<=\d)\s*[xX]\s*(?=10\b|10[-⁻−])")
# Inline citation numbers as the raw text carries them: glued to a word, '%', ')' or a full
# stop after one ("adults.1,6 The", "et al35", "55.8%19"), followed by a space or punctuation.
_CITATION = re.compile(
    r"(?:(?<=[A-Za-z%)])|(?<=[A-Za-z%)][.,;:]))\d{1,3}(?:[,–-]\d{1,3})*(?=[\s.,;)]|$)"
)


def evidence_key(text: str) -> str:
    """The normalized form under which evidence is compared (see the module docstring)."""
    return normalize_evidence(_TIMES_X.sub(" × ", text))


def _span_keys(gold: str) -> tuple[str, ...]:
    keys = {evidence_key(gold), evidence_key(_CITATION.sub("", gold))}
    return tuple(sorted(k for k in keys if k))


def _span_rank(keys: Sequence[str], passages: Sequence[str]) -> int | None:
    """1-based rank by which `keys` (variants of one span) are covered, or None."""
    best: int | None = None
    for key in keys:
        rank = next((r for r, p in enumerate(passages, 1) if key in p), None)
        if rank is not None and (best is None or rank < best):
            best = rank
        if best == 1:
            return best
        for cut in range(1, len(key)):
            rank = _straddle_rank(key[:cut], key[cut:], passages)
            if rank is not None and (best is None or rank < best):
                best = rank
    return best


def _straddle_rank(head: str, tail: str, passages: Sequence[str]) -> int | None:
    """Rank by which one passage ends with `head` and another starts with `tail`."""
    ends = [r for r, p in enumerate(passages, 1) if p.endswith(head)]
    starts = [r for r, p in enumerate(passages, 1) if p.startswith(tail)]
    pairs = [max(a, b) for a in ends[:2] for b in starts[:2] if a != b]
    return min(pairs) if pairs else None


def span_ranks(gold: Sequence[str], passages: Sequence[str]) -> list[int | None]:
    """For each gold span, the smallest r such that the top-r passages cover it (or None)."""
    keyed = [evidence_key(p) for p in passages]
    return [_span_rank(_span_keys(span), keyed) for span in gold]


def evidence_covered(gold: str, passages: Sequence[str]) -> bool:
    """Whether one gold span is covered by the passages (rule in the module docstring)."""
    return span_ranks([gold], passages)[0] is not None


def first_hit_rank(gold: Sequence[str], passages: Sequence[str]) -> int | None:
    """Smallest r at which every gold span is covered by the top-r passages; None if never."""
    ranks = span_ranks(gold, passages)
    if not ranks or any(r is None for r in ranks):
        return None
    return max(r for r in ranks if r is not None)


def hit_at(rank: int | None, r: int) -> bool:
    """An item is a hit at r when its first-hit rank is at most r."""
    return rank is not None and rank <= r


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank (a miss counts 0); 0.0 for no items."""
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def evidence_recall(gold: Sequence[str], passages: Sequence[str], k: int) -> float:
    """Fraction of the gold spans covered by the top-k passages (1.0 when there is no gold)."""
    if not gold:
        return 1.0
    ranks = span_ranks(gold, passages[:k])
    return sum(r is not None for r in ranks) / len(ranks)


HIT_DEPTHS = (1, 3, 5, 10)


@dataclass(frozen=True)
class RetrievalScores:
    """hit@1/3/5/10, MRR (over the top 10) and evidence recall@k for a set of items."""

    n: int
    hit: dict[int, float]
    mrr: float
    evidence_recall: float


def retrieval_scores(ranks: Sequence[int | None], recalls: Sequence[float]) -> RetrievalScores:
    """Aggregate per-item first-hit ranks and evidence recalls."""
    n = len(ranks)
    hit = {r: (sum(hit_at(x, r) for x in ranks) / n if n else 0.0) for r in HIT_DEPTHS}
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return RetrievalScores(n, hit, mrr(ranks), recall)


def truncate_context(passages: Sequence[str], budget: int) -> list[str]:
    """The ranked passages concatenated up to `budget` characters: whole passages in rank order,
    the last one cut at the budget, nothing after it."""
    kept: list[str] = []
    left = budget
    for passage in passages:
        if left <= 0:
            break
        kept.append(passage[:left])
        left -= len(kept[-1])
    return kept


def context_hit(gold: Sequence[str], passages: Sequence[str], budget: int) -> bool:
    """Some gold span lies whole within one passage of the first `budget` characters of the
    ranked passages (keys as in `evidence_covered`; a span cut by a boundary does not count)."""
    kept = [evidence_key(p) for p in truncate_context(passages, budget)]
    return any(key in p for span in gold for key in _span_keys(span) for p in kept)


def context_chars(passages: Sequence[str], n: int) -> int:
    """Characters in the top-`n` passages."""
    return sum(len(p) for p in passages[:n])
