"""Pure evaluation metrics: evidence coverage, hit@r/MRR, answer checks, refusal, tools, latency.

Evidence coverage rule (gold spans are verbatim from the RAW corpus, passages are CLEANED):
both sides go through `normalize_evidence` (NFKC, lower-case, letters and digits only) after
folding the raw `1 X 10-4` into `1 × 10-4`; a span is covered when its normalization is a
substring of a passage's. A second variant of the span with inline citation numbers removed
(`adults.1,6` → `adults.`, the cleaner's `strip_citations`) may match instead, since cleaning
drops them. Letters-only matching is not used: it would equate `CNS-2` with `CNS-3`. A span that
a chunk boundary cuts in two counts as covered when one retrieved passage ends with its head and
another starts with its tail (the reader sees both).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from allguide.evaluation.dataset import normalize_evidence
from allguide.types import Answer, ToolCall

# "1 X 10-4" in the raw algorithm pages is "1 × 10⁻⁴" after cleaning.
_TIMES_X = re.compile(r"(?<=\d)\s*[xX]\s*(?=10\b|10[-⁻−])")
# Inline citation numbers as the raw text carries them: glued to a word, '%', ')' or a full
# stop after one ("adults.1,6 The", "et al35", "55.8%19"), followed by a space or punctuation.
_CITATION = re.compile(
    r"(?:(?<=[A-Za-z%)])|(?<=[A-Za-z%)][.,;:]))\d{1,3}(?:[,–-]\d{1,3})*(?=[\s.,;)]|$)"
)
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_COMPARATOR = re.compile(r"(?:[≥≤]|[<>]=)\s*")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "\u00a0": " "})


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


def _fold_answer(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return " ".join(_COMPARATOR.sub("", folded).split())


def keyword_accuracy(answer: str, keywords: Sequence[str]) -> bool:
    """All keywords occur in the answer: case-, whitespace- and ≥/≤-insensitive."""
    text = _fold_answer(answer)
    return all(_fold_answer(k) in text for k in keywords)


def citation_markers(answer: str) -> list[int]:
    """Every `[n]` (and `[n, m]`) marker number in an answer, in order."""
    return [int(n) for group in _MARKER.findall(answer) for n in group.split(",")]


def citation_validity(answer: Answer, chunk_texts: Mapping[str, str]) -> bool:
    """Every `[n]` has a citation numbered n, and every quote is verbatim in its chunk."""
    numbers = {c.n for c in answer.citations}
    if any(n not in numbers for n in citation_markers(answer.answer)):
        return False
    return all(c.quote and c.quote in chunk_texts.get(c.chunk_id, "") for c in answer.citations)


def citation_support(answer: Answer, gold: Sequence[str], chunk_texts: Mapping[str, str]) -> bool:
    """The cited passages (whole chunks) together cover every gold span."""
    cited = list(dict.fromkeys(c.chunk_id for c in answer.citations))
    texts = [chunk_texts.get(chunk_id, "") for chunk_id in cited]
    return bool(gold) and first_hit_rank(gold, texts) is not None


@dataclass(frozen=True)
class RefusalScores:
    """Precision and recall of refusals (None where undefined)."""

    precision: float | None
    recall: float | None
    refused: int
    expected: int


def refusal_scores(pairs: Iterable[tuple[bool, bool]]) -> RefusalScores:
    """From (expected refusal, refused) pairs."""
    pairs = list(pairs)
    tp = sum(e and r for e, r in pairs)
    refused = sum(r for _, r in pairs)
    expected = sum(e for e, _ in pairs)
    return RefusalScores(
        precision=tp / refused if refused else None,
        recall=tp / expected if expected else None,
        refused=refused,
        expected=expected,
    )


@dataclass(frozen=True)
class ToolCheck:
    """Whether the expected tool ran with the expected key results, and what differed."""

    ok: bool
    mismatches: tuple[str, ...]


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.casefold() == actual.casefold()
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return {_canon(x) for x in expected} == {_canon(x) for x in actual}
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() <= actual.keys() and all(
            _same(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def _canon(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else repr(value)


def _diff(expected: Mapping[str, Any], output: Mapping[str, Any]) -> list[str]:
    out = []
    for key, want in expected.items():
        if key not in output:
            out.append(f"missing key {key!r} (has {', '.join(sorted(output)) or 'none'})")
        elif not _same(want, output[key]):
            out.append(f"{key}: expected {want!r}, got {output[key]!r}")
    return out


def tool_accuracy(name: str, expected: Mapping[str, Any], calls: Sequence[ToolCall]) -> ToolCheck:
    """A call of tool `name` whose output matches every expected key (lists as sets, strings
    case-insensitive); otherwise the differences of the closest call of that name."""
    named = [c for c in calls if c.name == name]
    if not named:
        ran = ", ".join(c.name for c in calls) or "none"
        return ToolCheck(False, (f"tool {name!r} not called (called: {ran})",))
    diffs = [_diff(expected, c.output) for c in named]
    best = min(diffs, key=len)
    return ToolCheck(not best, tuple(best))


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


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


def mean(flags: Iterable[bool | float]) -> float | None:
    """Mean of booleans or numbers; None for none."""
    values = [float(f) for f in flags]
    return sum(values) / len(values) if values else None
