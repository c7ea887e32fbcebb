"""`allguide eval`: run the dataset through each retriever and the full assistant, score it.

Retrieval metrics cover the items with gold evidence (not the out-of-scope ones), for every
retriever, on the same query: the question itself, or for a follow-up the standalone query of
`allguide.answer.condense` (so the retrievers are compared on equal input). Answer metrics come
from `Assistant.ask` with the item's history; out-of-scope items count for refusal only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from allguide.answer.condense import condense
from allguide.errors import AllguideError
from allguide.evaluation import metrics as m
from allguide.evaluation.baselines import RETRIEVERS, make_retriever
from allguide.evaluation.dataset import EvalItem, load_dataset

if TYPE_CHECKING:
    from allguide.assistant import Assistant
    from allguide.types import Answer

DEFAULT_DATASET = Path(__file__).resolve().parents[3] / "evals" / "qa.jsonl"
DEPTH = max(m.HIT_DEPTHS)  # passages retrieved per query: enough for hit@10 and MRR@10
WARM_UP = "What is acute lymphoblastic leukemia?"  # loads the model and caches; not timed
T = TypeVar("T")


@dataclass(frozen=True)
class EvalOptions:
    """What `allguide eval` runs."""

    dataset: Path
    retrievers: tuple[str, ...] = ("hybrid",)
    k: int = 5
    answers: bool = True
    progress: bool = True


def retrieval_query(item: EvalItem) -> str:
    """The query every retriever gets for `item`."""
    return condense(item.question, item.history) if item.history else item.question


def _bar(values: Sequence[T], desc: str, enabled: bool) -> Iterable[T]:
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(
        values, desc=desc, unit="q", file=sys.stderr, disable=not enabled, leave=False
    )
    return bar


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _scores(ranks: Sequence[int | None], recalls: Sequence[float]) -> dict[str, Any]:
    s = m.retrieval_scores(ranks, recalls)
    out: dict[str, Any] = {"n": s.n}
    out.update({f"hit@{r}": _r(v) for r, v in s.hit.items()})
    out.update({"mrr": _r(s.mrr), "evidence_recall": _r(s.evidence_recall)})
    return out


def run_retrieval(
    assistant: Assistant, items: Sequence[EvalItem], name: str, options: EvalOptions
) -> dict[str, dict[str, Any]]:
    """Per-item rank, recall@k, ids and top-k passages for one retriever."""
    retriever = make_retriever(name, assistant)
    rows: dict[str, dict[str, Any]] = {}
    for item in _bar(items, f"retrieval {name}", options.progress):
        found = retriever.search(retrieval_query(item), DEPTH)
        texts = [p.text for p in found]
        rows[item.id] = {
            "rank": m.first_hit_rank(item.gold_evidence, texts),
            "evidence_recall": _r(m.evidence_recall(item.gold_evidence, texts, options.k)),
            "ids": [p.chunk_id for p in found],
            "passages": [p.to_json() for p in found[: options.k]],
        }
    close = getattr(retriever, "close", None)
    if close is not None:
        close()
    return rows


def score_answer(item: EvalItem, answer: Answer, chunk_texts: dict[str, str]) -> dict[str, Any]:
    """The answer-side metrics of one item (None where a metric does not apply)."""
    in_scope = not item.expect_refusal
    tool = None
    if item.expect_tool is not None:
        check = m.tool_accuracy(item.expect_tool.name, item.expect_tool.output, answer.tool_calls)
        tool = {"ok": check.ok, "mismatches": list(check.mismatches)}
    return {
        "keywords": m.keyword_accuracy(answer.answer, item.answer_keywords) if in_scope else None,
        "citation_validity": m.citation_validity(answer, chunk_texts),
        "citation_support": (
            m.citation_support(answer, item.gold_evidence, chunk_texts)
            if in_scope and item.gold_evidence
            else None
        ),
        "refusal_correct": answer.refused == item.expect_refusal,
        "tool": tool,
    }


def run_answers(
    assistant: Assistant, items: Sequence[EvalItem], options: EvalOptions
) -> dict[str, tuple[Answer | None, str | None]]:
    """`ask` every item (with its history) after one warm-up call; errors are recorded."""
    assistant.ask(WARM_UP)
    out: dict[str, tuple[Answer | None, str | None]] = {}
    for item in _bar(items, "ask", options.progress):
        try:
            out[item.id] = (assistant.ask(item.question, item.history), None)
        except AllguideError as exc:
            out[item.id] = (None, exc.message)
    return out


def answer_metrics(items: Sequence[EvalItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Aggregate answer metrics over `items` (whose per-item rows are in `rows`)."""

    def flags(key: str) -> list[bool]:
        return [rows[i.id][key] for i in items if rows[i.id].get(key) is not None]

    refusal = m.refusal_scores(
        (i.expect_refusal, bool(rows[i.id]["refused"])) for i in items if i.id in rows
    )
    tools = [rows[i.id]["tool"]["ok"] for i in items if rows[i.id].get("tool") is not None]
    latencies = [rows[i.id]["latency_ms"] for i in items if rows[i.id]["latency_ms"] is not None]
    return {
        "n": len(items),
        "keyword_accuracy": _r(m.mean(flags("keywords"))),
        "citation_validity": _r(m.mean(flags("citation_validity"))),
        "citation_support": _r(m.mean(flags("citation_support"))),
        "refusal_precision": _r(refusal.precision),
        "refusal_recall": _r(refusal.recall),
        "refused": refusal.refused,
        "expected_refusals": refusal.expected,
        "tool_accuracy": _r(m.mean(tools)),
        "tool_items": len(tools),
        "errors": sum(rows[i.id]["error"] is not None for i in items),
        "latency_ms_p50": _r(m.percentile(latencies, 50)) if latencies else None,
        "latency_ms_p95": _r(m.percentile(latencies, 95)) if latencies else None,
    }


def _answer_row(
    item: EvalItem, got: tuple[Answer | None, str | None], chunk_texts: dict[str, str]
) -> dict[str, Any]:
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
            "citation_validity": None,
            "citation_support": False if item.gold_evidence else None,
            "refusal_correct": not item.expect_refusal,
            "tool": {"ok": False, "mismatches": [f"error: {error}"]} if item.expect_tool else None,
        }
    dump = answer.model_dump(mode="json")
    return {**dump, "error": None, **score_answer(item, answer, chunk_texts)}


def run_eval(options: EvalOptions, assistant: Assistant | None = None) -> dict[str, Any]:
    """Run the dataset and return the full report (JSON-ready, deterministic order)."""
    from allguide.assistant import Assistant

    items = load_dataset(options.dataset)
    if not items:
        raise AllguideError(f"eval dataset {options.dataset} has no items")
    unknown = [r for r in options.retrievers if r not in RETRIEVERS]
    if unknown:
        raise AllguideError(f"unknown retriever {unknown[0]!r}; known: {', '.join(RETRIEVERS)}")
    assistant = assistant or Assistant()
    chunk_texts = {c.chunk_id: c.text for c in assistant.retriever.chunks}
    scored = [i for i in items if i.gold_evidence and not i.expect_refusal]
    answers: dict[str, dict[str, Any]] = {}
    if options.answers:  # first, so that no answer reuses a query embedding cached by retrieval
        got = run_answers(assistant, items, options)
        answers = {i.id: _answer_row(i, got[i.id], chunk_texts) for i in items}
    retrieval = {
        name: run_retrieval(assistant, scored, name, options) for name in options.retrievers
    }
    return _assemble(items, scored, retrieval, answers, options, assistant)


def _assemble(
    items: Sequence[EvalItem],
    scored: Sequence[EvalItem],
    retrieval: dict[str, dict[str, dict[str, Any]]],
    answers: dict[str, dict[str, Any]],
    options: EvalOptions,
    assistant: Assistant,
) -> dict[str, Any]:
    primary = "hybrid" if "hybrid" in retrieval else next(iter(retrieval), None)
    categories = sorted({i.category for i in items})
    summary: dict[str, Any] = {"retrieval": {}, "answer": None}
    per_category: dict[str, Any] = {"retrieval": {}, "answer": {}}
    for name, rows in retrieval.items():
        ranks = [rows[i.id]["rank"] for i in scored]
        recalls = [rows[i.id]["evidence_recall"] for i in scored]
        summary["retrieval"][name] = _scores(ranks, recalls)
        per_category["retrieval"][name] = {
            c: _scores(
                [rows[i.id]["rank"] for i in scored if i.category == c],
                [rows[i.id]["evidence_recall"] for i in scored if i.category == c],
            )
            for c in categories
            if any(i.category == c for i in scored)
        }
    if answers:
        summary["answer"] = answer_metrics(items, answers)
        per_category["answer"] = {
            c: answer_metrics([i for i in items if i.category == c], answers) for c in categories
        }
    manifest = assistant.store.manifest()
    return {
        "meta": {
            "dataset": options.dataset.name,
            "items": len(items),
            "retrieval_items": len(scored),
            "k": options.k,
            "depth": DEPTH,
            "retrievers": list(retrieval),
            "primary": primary,
            "answers": bool(answers),
            "llm": assistant.settings.llm,
            "index_fingerprint": manifest.fingerprint if manifest else None,
            "model": manifest.model if manifest else None,
            "followup_query": "allguide.answer.condense (same query for every retriever)",
        },
        "metrics": summary,
        "per_category": per_category,
        "items": [_item_row(i, retrieval, answers, primary) for i in items],
    }


def _item_row(
    item: EvalItem,
    retrieval: dict[str, dict[str, dict[str, Any]]],
    answers: dict[str, dict[str, Any]],
    primary: str | None,
) -> dict[str, Any]:
    row = answers.get(item.id, {})
    main = retrieval[primary].get(item.id) if primary else None
    per_retriever = {
        name: {k: rows[item.id][k] for k in ("rank", "evidence_recall", "ids")}
        for name, rows in retrieval.items()
        if item.id in rows
    }
    answer_keys = ("keywords", "citation_validity", "citation_support", "refusal_correct", "tool")
    return {
        "id": item.id,
        "category": item.category,
        "question": item.question,
        "query": retrieval_query(item),
        "retrieved": main["passages"] if main else [],
        "answer": row.get("answer"),
        "citations": row.get("citations", []),
        "tool_calls": row.get("tool_calls", []),
        "refused": row.get("refused"),
        "latency_ms": row.get("latency_ms"),
        "error": row.get("error"),
        "metrics": {
            "retrieval": per_retriever,
            "answer": {k: row.get(k) for k in answer_keys} if row else None,
        },
    }


def evaluate(options: EvalOptions, out: Path | None = None) -> str:
    """Run, write the reports beside `out` (when given) and return the table to print."""
    from allguide.evaluation.report import format_table, write_reports

    report = run_eval(options)
    text = format_table(report)
    if out is not None:
        written = write_reports(report, out)
        text += "\n\nwrote " + ", ".join(str(p) for p in written)
    return text
