"""`allguide quiz`: a quiz in the terminal, as JSON, or exported as an eval dataset.

Interactive by default: each item with numbered options, graded at once and explained with
the guideline's words and citations; end of input (or Ctrl-C) stops with the score so far.
The items come from the corpus built with the environment's settings (no index is needed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from allguide.learn.model import QuizItem, grade
from allguide.learn.topics import TOPICS
from allguide.types import page_label


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `quiz` on the `allguide` subcommands."""
    p = sub.add_parser(
        "quiz",
        help="a quiz of cited vignettes and recall items, graded by the guideline's own rules",
    )
    p.add_argument("--topic", choices=TOPICS, help="one topic (default: all)")
    p.add_argument("--n", type=int, default=10, help="number of items, 1 to 100 (default 10)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same quiz")
    p.add_argument("--kind", choices=["vignette", "recall", "mixed"], default="mixed")
    p.add_argument("--json", action="store_true", help="print the items as JSON (docs/design.md)")
    p.add_argument(
        "--export", type=Path, metavar="FILE", help="write the items as an eval dataset (JSONL)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Make the quiz, then print it, export it, or ask it interactively."""
    from allguide.corpus.pipeline import default_build
    from allguide.learn.export import export
    from allguide.learn.quiz import make_quiz

    chunks = {chunk.chunk_id: chunk for chunk in default_build().chunks}
    items = make_quiz(chunks, topic=args.topic, n=args.n, seed=args.seed, kind=args.kind)
    if args.export is not None:
        count = export(items, args.export)
        print(f"exported {count} quiz item(s) to {args.export}", file=sys.stderr)
    if args.json:
        print(json.dumps([item.model_dump(mode="json") for item in items], ensure_ascii=False))
    elif args.export is None:
        ask(items, sys.stdin.readline, sys.stdout)
    return 0


def ask(items: list[QuizItem], read: Callable[[], str], out: TextIO) -> tuple[int, int]:
    """Ask each item, grade and explain it; returns (right, asked) and prints the score."""
    right = asked = 0
    try:
        for number, item in enumerate(items, start=1):
            choice = _choose(item, number, len(items), read, out)
            if choice is None:
                break
            asked += 1
            correct = grade(item, choice)
            right += correct
            verdict = "Correct." if correct else f"Not quite: the answer is {item.answer}."
            print(f"{verdict}\n{item.explanation}", file=out)
            for citation in item.citations:
                quote = " ".join(citation.quote.split())
                where = f"{citation.section}, {page_label(citation.page)}"
                print(f'  [{citation.n}] {where}: "{quote}"', file=out)
            print(file=out)
    except KeyboardInterrupt:
        print(file=out)
    print(f"Score: {right}/{asked}", file=out)
    return right, asked


def _choose(
    item: QuizItem, number: int, total: int, read: Callable[[], str], out: TextIO
) -> str | None:
    """The option picked by number (or typed out); None at end of input."""
    print(f"Question {number}/{total} ({item.topic}): {item.question}", file=out)
    for index, option in enumerate(item.options, start=1):
        print(f"  {index}. {option}", file=out)
    while True:
        print(f"Your answer (1-{len(item.options)}): ", end="", file=out, flush=True)
        line = read()
        if not line:
            print(file=out)
            return None
        text = " ".join(line.split())
        if text.isdigit() and 1 <= int(text) <= len(item.options):
            return item.options[int(text) - 1]
        typed = [o for o in item.options if o.casefold() == text.casefold()]
        if typed:
            return typed[0]
        print(f"Please type a number from 1 to {len(item.options)}.", file=out)
