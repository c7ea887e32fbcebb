"""`allguide eval`: run the dataset through each retriever and the full assistant, score it.

Retrieval metrics cover the items with gold evidence (not the out-of-scope ones), for every
retriever, on the same query (`options.retrieval_query`). Answer metrics come from
`Assistant.ask` with the item's history; out-of-scope items count for refusal only. This module
runs things; the splits and options are `options.py`, the answer checks `answer_scores.py`,
the report's structure `assemble.py` and its formats `report.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from allguide.errors import AllguideError
from allguide.evaluation import retrieval_metrics as rm
from allguide.evaluation.answer_scores import Got, Quotes, answer_row, load_previous
from allguide.evaluation.assemble import RunRows, assemble
from allguide.evaluation.baselines import RETRIEVERS, make_retriever
from allguide.evaluation.dataset import EvalItem, load_dataset
from allguide.evaluation.metrics import rounded
from allguide.evaluation.options import DEPTH, EvalOptions, retrieval_query, split_members

if TYPE_CHECKING:
    from allguide.assistant import Assistant

DEFAULT_DATASET = Path(__file__).resolve().parents[3] / "evals" / "qa.jsonl"
WARM_UP = "What is acute lymphoblastic leukemia?"  # loads the model and caches; not timed
T = TypeVar("T")


def _bar(values: Sequence[T], desc: str, enabled: bool) -> Iterable[T]:
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(
        values, desc=desc, unit="q", file=sys.stderr, disable=not enabled, leave=False
    )
    return bar


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
            "rank": rm.first_hit_rank(item.gold_evidence, texts),
            "evidence_recall": rounded(rm.evidence_recall(item.gold_evidence, texts, options.k)),
            "ids": [p.chunk_id for p in found],
            "passages": [p.model_dump(mode="json") for p in found[: options.k]],
            "texts": texts,
            "top1_chars": rm.context_chars(texts, 1),
            "topk_chars": rm.context_chars(texts, options.k),
        }
    close = getattr(retriever, "close", None)
    if close is not None:
        close()
    return rows


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
        answers = {i.id: answer_row(i, got[i.id], quotes) for i in items}
    earlier: dict[str, dict[str, Any]] | None = None
    if previous is not None:
        earlier = {i.id: answer_row(i, previous[i.id], quotes) for i in items if i.id in previous}
    retrieval = {
        name: run_retrieval(assistant, scored, name, options) for name in options.retrievers
    }
    return assemble(items, scored, RunRows(retrieval, answers, earlier), options, assistant)


def evaluate(
    options: EvalOptions,
    out: Path | None = None,
    answers_md: Path | None = None,
    assistant: Assistant | None = None,
) -> str:
    """Run, write the reports beside `out` (when given) and `answers_md` (default
    `answers.md` beside `out`; only when answers ran), and return the table to print."""
    from allguide.evaluation.answers_md import write_answers_md
    from allguide.evaluation.report import write_reports
    from allguide.evaluation.tables import format_table

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
