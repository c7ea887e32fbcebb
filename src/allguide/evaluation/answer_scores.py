"""The answer side of an evaluation: each answer's checks, their aggregates, the previous release.

`answer_row` scores one item's answer (or its error) with the pure metrics of `metrics.py`;
`answer_metrics` aggregates rows over items. A previous release's answers (`--previous`, item
id -> `Answer` dict or `{"error": ...}`) are read by `load_previous` and scored the same way,
reported with `PREVIOUS_KEYS` only (its chunks may differ from ours).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allguide.corpus.units import Unit, chunk_units
from allguide.errors import BadInputError
from allguide.evaluation import metrics as m
from allguide.evaluation.dataset import EvalItem
from allguide.evaluation.metrics import rounded
from allguide.types import Answer, Chunk

# The answer metrics reported for the previous release (its chunks may differ from ours, so
# citation validity and support are not; its latencies come from another run).
PREVIOUS_KEYS = (
    "n",
    "keyword_accuracy",
    "lead_accuracy",
    "reference_quotes",
    "reference_quote_items",
    "refusal_precision",
    "refusal_recall",
    "false_refusal_rate",
    "refused",
    "expected_refusals",
    "false_refusals",
    "in_scope",
    "errors",
)
Got = tuple[Answer | None, str | None]


class Quotes:
    """The index's chunks and their units (computed once per chunk), to classify quotes."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self._chunks = {c.chunk_id: c for c in chunks}
        self._units: dict[str, list[Unit]] = {}
        self.texts = {chunk_id: c.text for chunk_id, c in self._chunks.items()}

    def chunk_for(self, chunk_id: str, quote: str) -> Chunk | None:
        """The cited chunk, or (a citation of another index) the first chunk with the quote."""
        chunk = self._chunks.get(chunk_id)
        if chunk is not None and quote in chunk.text:
            return chunk
        return next((c for c in self._chunks.values() if quote and quote in c.text), None)

    def units(self, chunk: Chunk) -> list[Unit]:
        if chunk.chunk_id not in self._units:
            self._units[chunk.chunk_id] = chunk_units([chunk])
        return self._units[chunk.chunk_id]

    def reference_quotes(self, answer: Answer, question: str) -> list[int]:
        """The numbers of the citations whose quote is a reference quote."""
        out = []
        for c in answer.citations:
            chunk = self.chunk_for(c.chunk_id, c.quote)
            if chunk is not None and m.is_reference_quote(
                c.quote, chunk, question, self.units(chunk)
            ):
                out.append(c.n)
        return out


def load_previous(path: Path) -> dict[str, Got]:
    """The previous release's answers: item id -> (Answer, None) or (None, its error)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"previous answers file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"cannot read previous answers file {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise BadInputError(f"{path}: expected a JSON object mapping item id to an answer")
    out: dict[str, Got] = {}
    for item_id, value in raw.items():
        if isinstance(value, dict) and set(value) == {"error"}:
            out[str(item_id)] = (None, str(value["error"]))
            continue
        try:
            out[str(item_id)] = (Answer.model_validate(value), None)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(x) for x in problem["loc"])
            raise BadInputError(
                f"{path}: item {item_id!r} is not an answer ({where}: {problem['msg']})"
            ) from None
    return out


def score_answer(item: EvalItem, answer: Answer, quotes: Quotes) -> dict[str, Any]:
    """The answer-side metrics of one item (None where a metric does not apply)."""
    in_scope = not item.expect_refusal
    chunk_texts = quotes.texts
    text = answer.full_text()  # scored with its note, as when the note was part of `answer`
    tool = None
    if item.expect_tool is not None:
        check = m.tool_accuracy(item.expect_tool.name, item.expect_tool.output, answer.tool_calls)
        tool = {"ok": check.ok, "mismatches": list(check.mismatches)}
    return {
        "keywords": m.keyword_accuracy(text, item.answer_keywords) if in_scope else None,
        "lead": m.lead_accuracy(text, item.answer_keywords) if in_scope else None,
        "reference_quotes": quotes.reference_quotes(answer, item.question),
        "citation_validity": m.citation_validity(answer, chunk_texts),
        "citation_support": (
            m.citation_support(answer, item.gold_evidence, chunk_texts)
            if in_scope and item.gold_evidence
            else None
        ),
        "refusal_correct": answer.refused == item.expect_refusal,
        "tool": tool,
    }


def answer_metrics(items: Sequence[EvalItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Aggregate answer metrics over `items` (whose per-item rows are in `rows`)."""

    def flags(key: str) -> list[bool]:
        return [rows[i.id][key] for i in items if rows[i.id].get(key) is not None]

    refusal = m.refusal_scores(
        (i.expect_refusal, bool(rows[i.id]["refused"])) for i in items if i.id in rows
    )
    tools = [rows[i.id]["tool"]["ok"] for i in items if rows[i.id].get("tool") is not None]
    latencies = [rows[i.id]["latency_ms"] for i in items if rows[i.id]["latency_ms"] is not None]
    reference = [i.id for i in items if rows[i.id]["reference_quotes"]]
    return {
        "n": len(items),
        "keyword_accuracy": rounded(m.mean(flags("keywords"))),
        "lead_accuracy": rounded(m.mean(flags("lead"))),
        "reference_quotes": sum(len(rows[i.id]["reference_quotes"]) for i in items),
        "reference_quote_items": reference,
        "citation_validity": rounded(m.mean(flags("citation_validity"))),
        "citation_support": rounded(m.mean(flags("citation_support"))),
        "refusal_precision": rounded(refusal.precision),
        "refusal_recall": rounded(refusal.recall),
        "false_refusal_rate": rounded(refusal.false_refusal_rate),
        "refused": refusal.refused,
        "expected_refusals": refusal.expected,
        "false_refusals": refusal.false_refusals,
        "in_scope": refusal.in_scope,
        "tool_accuracy": rounded(m.mean(tools)),
        "tool_items": len(tools),
        "errors": sum(rows[i.id]["error"] is not None for i in items),
        "latency_ms_p50": rounded(m.percentile(latencies, 50)) if latencies else None,
        "latency_ms_p95": rounded(m.percentile(latencies, 95)) if latencies else None,
    }


def previous_metrics(
    items: Sequence[EvalItem], rows: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """The previous release's answer metrics over the `items` it answered; the others are
    listed as missing, not scored."""
    present = [i for i in items if i.id in rows]
    scored = answer_metrics(present, dict(rows))
    out = {k: scored[k] for k in PREVIOUS_KEYS}
    missing = [i.id for i in items if i.id not in rows]
    out.update(missing=len(missing), missing_items=missing)
    return out


def answer_row(item: EvalItem, got: Got, quotes: Quotes) -> dict[str, Any]:
    answer, error = got
    if answer is None:
        return {
            "answer": None,
            "citations": [],
            "tool_calls": [],
            "refused": False,
            "latency_ms": None,
            "error": error,
            "keywords": False if not item.expect_refusal else None,
            "lead": False if not item.expect_refusal else None,
            "reference_quotes": [],
            "citation_validity": None,
            "citation_support": False if item.gold_evidence else None,
            "refusal_correct": not item.expect_refusal,
            "tool": {"ok": False, "mismatches": [f"error: {error}"]} if item.expect_tool else None,
        }
    dump = answer.model_dump(mode="json", exclude={"note"})
    dump["answer"] = answer.full_text()  # the report keeps the note in its answer text
    return {**dump, "error": None, **score_answer(item, answer, quotes)}
