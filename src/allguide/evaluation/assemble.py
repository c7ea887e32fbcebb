"""The evaluation report's structure: per-split summaries, per-category metrics, item rows.

At equal context every retriever gets the same character budgets, B1 and Bk: the primary
retriever's mean top-1 and top-k passage lengths over the run's retrieval items
(`context_budgets`). `assemble` puts the retrieval rows, the answer rows and the previous
release's rows together into the JSON report (docs/design.md, "Evaluation report").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allguide.evaluation import metrics as m
from allguide.evaluation import retrieval_metrics as rm
from allguide.evaluation.answer_scores import answer_metrics, previous_metrics
from allguide.evaluation.dataset import EvalItem
from allguide.evaluation.metrics import rounded
from allguide.evaluation.options import (
    DEPTH,
    EvalOptions,
    reported_splits,
    retrieval_query,
    split_members,
)

if TYPE_CHECKING:
    from allguide.assistant import Assistant


@dataclass(frozen=True)
class RunRows:
    """A run's per-item rows, by item id: per retriever, the answers (empty when none ran) and
    the previous release's answers (None when not scored)."""

    retrieval: dict[str, dict[str, dict[str, Any]]]
    answers: dict[str, dict[str, Any]]
    earlier: dict[str, dict[str, Any]] | None


def retrieval_summary(ranks: Sequence[int | None], recalls: Sequence[float]) -> dict[str, Any]:
    """hit@r, MRR and evidence recall of a set of items, as the report gives them."""
    s = rm.retrieval_scores(ranks, recalls)
    out: dict[str, Any] = {"n": s.n}
    out.update({f"hit@{r}": rounded(v) for r, v in s.hit.items()})
    out.update({"mrr": rounded(s.mrr), "evidence_recall": rounded(s.evidence_recall)})
    return out


def context_budgets(
    rows: Mapping[str, dict[str, Any]], scored: Sequence[EvalItem]
) -> dict[str, int]:
    """B1 and Bk: the mean top-1 and top-k characters of one retriever (rounded)."""
    top1 = m.mean(rows[i.id]["top1_chars"] for i in scored) or 0.0
    topk = m.mean(rows[i.id]["topk_chars"] for i in scored) or 0.0
    return {"B1": round(top1), "Bk": round(topk)}


def equal_context(rows: Mapping[str, dict[str, Any]], scored: Sequence[EvalItem]) -> dict[str, Any]:
    return {
        "n": len(scored),
        "top1_chars": rounded(m.mean(rows[i.id]["top1_chars"] for i in scored)),
        "topk_chars": rounded(m.mean(rows[i.id]["topk_chars"] for i in scored)),
        "hit@B1": rounded(m.mean(rows[i.id]["context_hit"]["B1"] for i in scored)),
        "hit@Bk": rounded(m.mean(rows[i.id]["context_hit"]["Bk"] for i in scored)),
    }


def split_metrics(
    items: Sequence[EvalItem],
    scored: Sequence[EvalItem],
    run: RunRows,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary and the per-category metrics of one split."""
    retrieval, answers, earlier = run.retrieval, run.answers, run.earlier
    categories = sorted({i.category for i in items})
    summary: dict[str, Any] = {
        "n": len(items),
        "retrieval": {},
        "equal_context": {},
        "answer": None,
        "previous": None,
    }
    per: dict[str, Any] = {"retrieval": {}, "answer": {}, "previous": {}}
    for name, rows in retrieval.items():
        ranks = [rows[i.id]["rank"] for i in scored]
        recalls = [rows[i.id]["evidence_recall"] for i in scored]
        summary["retrieval"][name] = retrieval_summary(ranks, recalls)
        summary["equal_context"][name] = equal_context(rows, scored)
        per["retrieval"][name] = {
            c: retrieval_summary(
                [rows[i.id]["rank"] for i in scored if i.category == c],
                [rows[i.id]["evidence_recall"] for i in scored if i.category == c],
            )
            for c in categories
            if any(i.category == c for i in scored)
        }
    if answers:
        summary["answer"] = answer_metrics(items, answers)
        per["answer"] = {
            c: answer_metrics([i for i in items if i.category == c], answers) for c in categories
        }
    if earlier is not None:
        summary["previous"] = previous_metrics(items, earlier)
        per["previous"] = {
            c: previous_metrics([i for i in items if i.category == c], earlier) for c in categories
        }
    return summary, per


def assemble(
    items: Sequence[EvalItem],
    scored: Sequence[EvalItem],
    run: RunRows,
    options: EvalOptions,
    assistant: Assistant,
) -> dict[str, Any]:
    """The JSON report (docs/design.md) of a run over `items` (`scored`: those with gold
    evidence, the retrieval items)."""
    retrieval, answers = run.retrieval, run.answers
    primary = "hybrid" if "hybrid" in retrieval else next(iter(retrieval), None)
    budgets = context_budgets(retrieval[primary], scored) if primary else {"B1": 0, "Bk": 0}
    for rows in retrieval.values():
        for item in scored:
            row = rows[item.id]
            row["context_hit"] = {
                b: rm.context_hit(item.gold_evidence, row["texts"], budgets[b]) for b in budgets
            }
    splits = reported_splits(options.split)
    metrics: dict[str, Any] = {}
    per_category: dict[str, Any] = {}
    for split in splits:
        members = split_members(items, split)
        members_scored = split_members(scored, split)
        metrics[split], per_category[split] = split_metrics(members, members_scored, run)
    manifest = assistant.store.manifest()
    return {
        "meta": {
            "dataset": options.dataset.name,
            "items": len(items),
            "retrieval_items": len(scored),
            "split": options.split,
            "splits": list(splits),
            "split_items": {s: metrics[s]["n"] for s in splits},
            "split_retrieval_items": {s: len(split_members(scored, s)) for s in splits},
            "k": options.k,
            "depth": DEPTH,
            "retrievers": list(retrieval),
            "primary": primary,
            "budgets": {**budgets, "k": options.k, "from": primary},
            "answers": bool(answers),
            "previous": options.previous.name if options.previous else None,
            "llm": assistant.settings.llm,
            "index_fingerprint": manifest.fingerprint if manifest else None,
            "model": manifest.model if manifest else None,
            "followup_query": "allguide.answer.condense (same query for every retriever)",
        },
        "metrics": metrics,
        "per_category": per_category,
        "items": [item_row(i, run, primary) for i in items],
    }


ANSWER_KEYS = (
    "keywords",
    "lead",
    "reference_quotes",
    "citation_validity",
    "citation_support",
    "refusal_correct",
    "tool",
)
PREVIOUS_ITEM_KEYS = ("refused", "error", "keywords", "lead", "reference_quotes")


def item_row(item: EvalItem, run: RunRows, primary: str | None) -> dict[str, Any]:
    """One item of the report: its question, the primary retriever's passages, its answer and
    every per-item score."""
    retrieval, earlier = run.retrieval, run.earlier
    row = run.answers.get(item.id, {})
    main = retrieval[primary].get(item.id) if primary else None
    per_retriever = {
        name: {k: rows[item.id][k] for k in ("rank", "evidence_recall", "ids", "context_hit")}
        for name, rows in retrieval.items()
        if item.id in rows
    }
    previous: dict[str, Any] | None = None
    if earlier is not None:
        old = earlier.get(item.id)
        previous = {k: old[k] for k in PREVIOUS_ITEM_KEYS} if old else {"missing": True}
    return {
        "id": item.id,
        "category": item.category,
        "split": item.split,
        "question": item.question,
        "history": [turn.model_dump() for turn in item.history],
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
            "answer": {k: row.get(k) for k in ANSWER_KEYS} if row else None,
            "previous": previous,
        },
    }
