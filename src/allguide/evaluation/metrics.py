"""Pure answer metrics: keyword and lead accuracy, reference quotes, citations, refusal, tools,
latency; and `mean`.

The retrieval side (evidence coverage, hit@r/MRR, evidence recall, equal context) is
`retrieval_metrics.py`; `citation_support` uses its coverage rule on the cited chunks. A
citation is a reference quote (`is_reference_quote`) when every unit of the cited chunk
(`allguide.corpus.units`) that its quote overlaps is one an answer should never quote.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from allguide.corpus.units import Unit, chunk_units
from allguide.evaluation.retrieval_metrics import first_hit_rank
from allguide.text import split_sentences
from allguide.types import Answer, Chunk, ToolCall

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_COMPARATOR = re.compile(r"(?:[≥≤]|[<>]=)\s*")
# The answer's closing edition note follows its last blank line.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# Unit kinds an answer must not quote; the legend (categories of evidence) only when asked.
NOT_QUOTED: frozenset[str] = frozenset({"reference", "heading", "label", "boilerplate", "url"})
_ASKS_LEGEND = re.compile(r"\b(?:categor(?:y|ies)|evidence)\b", re.I)
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "\u00a0": " "})


def _fold_answer(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return " ".join(_COMPARATOR.sub("", folded).split())


def keyword_accuracy(answer: str, keywords: Sequence[str]) -> bool:
    """All keywords occur in the answer: case-, whitespace- and ≥/≤-insensitive."""
    text = _fold_answer(answer)
    return all(_fold_answer(k) in text for k in keywords)


def answer_body(answer: str) -> str:
    """The answer without its closing edition note (the paragraph after its last blank line);
    a one-paragraph answer is its own body."""
    text = answer.strip()
    parts = _PARAGRAPH_BREAK.split(text)
    return "\n\n".join(parts[:-1]).strip() if len(parts) > 1 else text


def lead_sentence(answer: str) -> str:
    """The answer's first sentence (`allguide.text.split_sentences`, so citation markers after
    its full stop belong to it); '' for an empty answer."""
    body = answer_body(answer)
    spans = split_sentences(body)
    return body[spans[0][0] : spans[0][1]] if spans else ""


def lead_accuracy(answer: str, keywords: Sequence[str]) -> bool:
    """The first sentence contains at least one keyword (folded as in `keyword_accuracy`,
    citation markers removed); true when there are no keywords."""
    if not keywords:
        return True
    lead = _fold_answer(_MARKER.sub(" ", lead_sentence(answer)))
    return any(_fold_answer(k) in lead for k in keywords)


def quote_units(quote: str, chunk: Chunk, units: Sequence[Unit] | None = None) -> list[Unit]:
    """The units of `chunk` that the quote's span (its first occurrence) overlaps; [] when the
    quote is empty or not in the chunk. `units` defaults to `chunk_units([chunk])`."""
    start = chunk.text.find(quote) if quote else -1
    if start < 0:
        return []
    end = start + len(quote)
    units = chunk_units([chunk]) if units is None else units
    return [u for u in units if u.chunk_id == chunk.chunk_id and u.start < end and u.end > start]


def asks_for_legend(question: str) -> bool:
    """The question is about categories of evidence, so quoting the legend is fair."""
    return bool(_ASKS_LEGEND.search(question))


def is_reference_quote(
    quote: str, chunk: Chunk, question: str, units: Sequence[Unit] | None = None
) -> bool:
    """Every unit the quote overlaps is never-quoted (a reference, heading, label, boilerplate,
    URL; the legend unless the question mentions categories or evidence). A quote that is not
    in the chunk is not one (`citation_validity` catches it)."""
    overlapping = quote_units(quote, chunk, units)
    legend_ok = asks_for_legend(question)
    return bool(overlapping) and all(
        u.kind in NOT_QUOTED or (u.kind == "legend" and not legend_ok) for u in overlapping
    )


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
    """Precision and recall of refusals and the false-refusal rate (refused in-scope items /
    in-scope items); None where undefined."""

    precision: float | None
    recall: float | None
    refused: int
    expected: int
    false_refusals: int = 0
    in_scope: int = 0
    false_refusal_rate: float | None = None


def refusal_scores(pairs: Iterable[tuple[bool, bool]]) -> RefusalScores:
    """From (expected refusal, refused) pairs."""
    pairs = list(pairs)
    tp = sum(e and r for e, r in pairs)
    refused = sum(r for _, r in pairs)
    expected = sum(e for e, _ in pairs)
    in_scope = len(pairs) - expected
    false = refused - tp
    return RefusalScores(
        precision=tp / refused if refused else None,
        recall=tp / expected if expected else None,
        refused=refused,
        expected=expected,
        false_refusals=false,
        in_scope=in_scope,
        false_refusal_rate=false / in_scope if in_scope else None,
    )


def false_refusal_rate(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """Refused in-scope items / in-scope items, from (expected refusal, refused) pairs."""
    return refusal_scores(pairs).false_refusal_rate


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
    """The p-th percentile (a whole number 0–100) with linear interpolation between the values
    (`statistics.quantiles`, method "inclusive"); NaN for no values."""
    if not values:
        return math.nan
    if not float(p).is_integer() or not 0 <= p <= 100:
        raise ValueError(f"percentile must be a whole number from 0 to 100, not {p}")
    if len(values) == 1 or p == 0:
        return min(values)
    if p == 100:
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def mean(flags: Iterable[bool | float]) -> float | None:
    """Mean of booleans or numbers; None for none."""
    values = [float(f) for f in flags]
    return sum(values) / len(values) if values else None


def rounded(x: float | None) -> float | None:
    """A reported number: 4 decimals (None stays None)."""
    return None if x is None else round(x, 4)
