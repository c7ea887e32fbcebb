"""`allguide eval`: run the dataset through each retriever and the full assistant, score it.

Retrieval metrics cover the items with gold evidence (not the out-of-scope ones), for every
retriever, on the same query: the question itself, or for a follow-up the standalone query of
`allguide.answer.condense` (so the retrievers are compared on equal input). Answer metrics come
from `Assistant.ask` with the item's history; out-of-scope items count for refusal only.

Every metric is reported for `all`, `dev` and `test` (`EvalItem.split`, a hash of the id), or
for the one split the run is restricted to. At equal context every retriever gets the same
character budgets, B1 and Bk: the primary retriever's mean top-1 and top-k passage lengths over
the run's retrieval items. A previous release's answers (`--previous`, item id -> `Answer` dict
or `{"error": ...}`) are scored with the same answer metrics, beside the new ones.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import ValidationError

from allguide.answer.condense import condense
from allguide.corpus.units import Unit, chunk_units
from allguide.errors import AllguideError, BadInputError
from allguide.evaluation import metrics as m
from allguide.evaluation.baselines import RETRIEVERS, make_retriever
from allguide.evaluation.dataset import EvalItem, load_dataset
from allguide.types import Answer, Chunk

if TYPE_CHECKING:
    from allguide.assistant import Assistant

DEFAULT_DATASET = Path(__file__).resolve().parents[3] / "evals" / "qa.jsonl"
DEPTH = max(m.HIT_DEPTHS)  # passages retrieved per query: enough for hit@10 and MRR@10
WARM_UP = "What is acute lymphoblastic leukemia?"  # loads the model and caches; not timed
T = TypeVar("T")
SplitChoice = Literal["all", "dev", "test"]
SPLITS: tuple[SplitChoice, ...] = ("all", "dev", "test")
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
    """Per-item rank, recall@k, ids, top-k passages, every passage text (for equal context,
    not reported) and the characters of the top 1 and top k, for one retriever."""
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
            "texts": texts,
            "top1_chars": m.context_chars(texts, 1),
            "topk_chars": m.context_chars(texts, options.k),
        }
    close = getattr(retriever, "close", None)
    if close is not None:
        close()
    return rows


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


def run_answers(
    assistant: Assistant, items: Sequence[EvalItem], options: EvalOptions
) -> dict[str, Got]:
    """`ask` every item (with its history) after one warm-up call; errors are recorded."""
    assistant.ask(WARM_UP)
    out: dict[str, Got] = {}
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
    reference = [i.id for i in items if rows[i.id]["reference_quotes"]]
    return {
        "n": len(items),
        "keyword_accuracy": _r(m.mean(flags("keywords"))),
        "lead_accuracy": _r(m.mean(flags("lead"))),
        "reference_quotes": sum(len(rows[i.id]["reference_quotes"]) for i in items),
        "reference_quote_items": reference,
        "citation_validity": _r(m.mean(flags("citation_validity"))),
        "citation_support": _r(m.mean(flags("citation_support"))),
        "refusal_precision": _r(refusal.precision),
        "refusal_recall": _r(refusal.recall),
        "false_refusal_rate": _r(refusal.false_refusal_rate),
        "refused": refusal.refused,
        "expected_refusals": refusal.expected,
        "false_refusals": refusal.false_refusals,
        "in_scope": refusal.in_scope,
        "tool_accuracy": _r(m.mean(tools)),
        "tool_items": len(tools),
        "errors": sum(rows[i.id]["error"] is not None for i in items),
        "latency_ms_p50": _r(m.percentile(latencies, 50)) if latencies else None,
        "latency_ms_p95": _r(m.percentile(latencies, 95)) if latencies else None,
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


def _answer_row(item: EvalItem, got: Got, quotes: Quotes) -> dict[str, Any]:
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


def run_eval(
    options: EvalOptions,
    assistant: Assistant | None = None,
    previous: Mapping[str, Got] | None = None,
) -> dict[str, Any]:
    """Run the dataset and return the full report (JSON-ready, deterministic order).
    `previous` (default: loaded from `options.previous`) is the previous release's answers."""
    from allguide.assistant import Assistant

    items = load_dataset(options.dataset)
    if not items:
        raise AllguideError(f"eval dataset {options.dataset} has no items")
    items = split_members(items, options.split)
    if not items:
        raise AllguideError(f"eval dataset {options.dataset} has no {options.split} items")
    unknown = [r for r in options.retrievers if r not in RETRIEVERS]
    if unknown:
        raise AllguideError(f"unknown retriever {unknown[0]!r}; known: {', '.join(RETRIEVERS)}")
    if previous is None and options.previous is not None:
        previous = load_previous(options.previous)
    assistant = assistant or Assistant()
    quotes = Quotes(assistant.retriever.chunks)
    scored = [i for i in items if i.gold_evidence and not i.expect_refusal]
    answers: dict[str, dict[str, Any]] = {}
    if options.answers:  # first, so that no answer reuses a query embedding cached by retrieval
        got = run_answers(assistant, items, options)
        answers = {i.id: _answer_row(i, got[i.id], quotes) for i in items}
    earlier: dict[str, dict[str, Any]] | None = None
    if previous is not None:
        earlier = {i.id: _answer_row(i, previous[i.id], quotes) for i in items if i.id in previous}
    retrieval = {
        name: run_retrieval(assistant, scored, name, options) for name in options.retrievers
    }
    return _assemble(items, scored, retrieval, answers, earlier, options, assistant)


def context_budgets(
    rows: Mapping[str, dict[str, Any]], scored: Sequence[EvalItem]
) -> dict[str, int]:
    """B1 and Bk: the mean top-1 and top-k characters of one retriever (rounded)."""
    top1 = m.mean(rows[i.id]["top1_chars"] for i in scored) or 0.0
    topk = m.mean(rows[i.id]["topk_chars"] for i in scored) or 0.0
    return {"B1": round(top1), "Bk": round(topk)}


def _equal_context(
    rows: Mapping[str, dict[str, Any]], scored: Sequence[EvalItem]
) -> dict[str, Any]:
    return {
        "n": len(scored),
        "top1_chars": _r(m.mean(rows[i.id]["top1_chars"] for i in scored)),
        "topk_chars": _r(m.mean(rows[i.id]["topk_chars"] for i in scored)),
        "hit@B1": _r(m.mean(rows[i.id]["context_hit"]["B1"] for i in scored)),
        "hit@Bk": _r(m.mean(rows[i.id]["context_hit"]["Bk"] for i in scored)),
    }


def _split_metrics(
    items: Sequence[EvalItem],
    scored: Sequence[EvalItem],
    retrieval: dict[str, dict[str, dict[str, Any]]],
    answers: dict[str, dict[str, Any]],
    earlier: dict[str, dict[str, Any]] | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The summary and the per-category metrics of one split."""
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
        summary["retrieval"][name] = _scores(ranks, recalls)
        summary["equal_context"][name] = _equal_context(rows, scored)
        per["retrieval"][name] = {
            c: _scores(
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


def _assemble(
    items: Sequence[EvalItem],
    scored: Sequence[EvalItem],
    retrieval: dict[str, dict[str, dict[str, Any]]],
    answers: dict[str, dict[str, Any]],
    earlier: dict[str, dict[str, Any]] | None,
    options: EvalOptions,
    assistant: Assistant,
) -> dict[str, Any]:
    primary = "hybrid" if "hybrid" in retrieval else next(iter(retrieval), None)
    budgets = context_budgets(retrieval[primary], scored) if primary else {"B1": 0, "Bk": 0}
    for rows in retrieval.values():
        for item in scored:
            row = rows[item.id]
            row["context_hit"] = {
                b: m.context_hit(item.gold_evidence, row["texts"], budgets[b]) for b in budgets
            }
    splits = reported_splits(options.split)
    metrics: dict[str, Any] = {}
    per_category: dict[str, Any] = {}
    for split in splits:
        members = split_members(items, split)
        members_scored = split_members(scored, split)
        metrics[split], per_category[split] = _split_metrics(
            members, members_scored, retrieval, answers, earlier
        )
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
        "items": [_item_row(i, retrieval, answers, earlier, primary) for i in items],
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


def _item_row(
    item: EvalItem,
    retrieval: dict[str, dict[str, dict[str, Any]]],
    answers: dict[str, dict[str, Any]],
    earlier: dict[str, dict[str, Any]] | None,
    primary: str | None,
) -> dict[str, Any]:
    row = answers.get(item.id, {})
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


def evaluate(
    options: EvalOptions,
    out: Path | None = None,
    answers_md: Path | None = None,
    assistant: Assistant | None = None,
) -> str:
    """Run, write the reports beside `out` (when given) and `answers_md` (default
    `answers.md` beside `out`; only when answers ran), and return the table to print."""
    from allguide.evaluation.answers_md import write_answers_md
    from allguide.evaluation.report import format_table, write_reports

    previous = load_previous(options.previous) if options.previous else None
    report = run_eval(options, assistant, previous)
    text = format_table(report)
    written: list[Path] = []
    if out is not None:
        written += write_reports(report, out)
        answers_md = answers_md or out.parent / "answers.md"
    if answers_md is not None and report["meta"]["answers"]:
        items = split_members(load_dataset(options.dataset), options.split)
        written.append(write_answers_md(answers_md, items, report, previous))
    if written:
        text += "\n\nwrote " + ", ".join(str(p) for p in written)
    return text
