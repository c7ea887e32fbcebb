"""`allguide eval`: run the evaluation dataset and print (and write) its metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from allguide.commands.common import Subparsers, add_k

RETRIEVER_CHOICES = ["hybrid", "dense", "bm25", "vanilla", "vanilla-bm25"]


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "eval",
        help="run the evaluation dataset and print its metrics",
        description="Run the dataset through the retrievers and the offline ask; print every "
        "metric for all, dev and test side by side (retrieval, retrieval at equal context, "
        "answers: keyword and lead accuracy, reference quotes, citation validity and support, "
        "refusal precision/recall, false-refusal rate, tools, latency; per category).",
    )
    p.add_argument("--dataset", type=Path, help="JSON Lines dataset (default evals/qa.jsonl)")
    p.add_argument("--retriever", choices=RETRIEVER_CHOICES, default="hybrid")
    p.add_argument(
        "--all-retrievers",
        action="store_true",
        help="ours and every baseline (dense, bm25, vanilla, vanilla-bm25)",
    )
    add_k(p)
    p.add_argument(
        "--split",
        choices=["all", "dev", "test"],
        default="all",
        help="run only this half of the dataset (default all: report all, dev and test)",
    )
    p.add_argument(
        "--out", type=Path, help="report JSON; the .md, the plots and answers.md go beside it"
    )
    p.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="the previous release's answers (JSON: item id -> answer or {error}), "
        "scored beside ours",
    )
    p.add_argument(
        "--answers-md",
        type=Path,
        metavar="PATH",
        help="write 40 answers beside the previous release's here (default answers.md "
        "beside --out)",
    )
    p.add_argument("--no-answers", action="store_true", help="retrieval metrics only (no ask)")


def run(args: argparse.Namespace) -> int:
    from allguide.evaluation.baselines import RETRIEVERS
    from allguide.evaluation.options import EvalOptions
    from allguide.evaluation.runner import DEFAULT_DATASET, evaluate
    from allguide.settings import load_settings

    options = EvalOptions(
        dataset=args.dataset or DEFAULT_DATASET,
        retrievers=RETRIEVERS if args.all_retrievers else (args.retriever,),
        k=args.k or load_settings().retrieval.k,
        answers=not args.no_answers,
        split=args.split,
        previous=args.previous,
    )
    print(evaluate(options, args.out, args.answers_md))
    return 0
