"""`allguide ask QUESTION`: a cited answer (text or the `Answer` JSON contract)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from allguide.commands.common import Subparsers, assistant, read_json_file
from allguide.errors import BadInputError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("ask", help="answer a question with cited guideline passages")
    p.add_argument("question")
    p.add_argument("--history", type=Path, help="JSON file: [{role, content}, ...] earlier turns")
    p.add_argument("--json", action="store_true", help="print JSON (docs/design.md contract)")


def run(args: argparse.Namespace) -> int:
    from allguide.rules.common import verdict as rule_verdict
    from allguide.settings import load_settings
    from allguide.types import page_label
    from allguide.validate import clean_history

    history = None
    if args.history:
        settings = load_settings()
        raw = read_json_file(args.history, "--history", max_bytes=settings.max_request_bytes)
        if not isinstance(raw, list):
            raise BadInputError("--history must hold a JSON list of {role, content} turns")
        history = clean_history(
            raw,
            what="--history",
            max_turns=settings.max_history_turns,
            max_chars=settings.max_question_chars,
        )
    answer = assistant().ask(args.question, history)
    if args.json:
        print(json.dumps(answer.model_dump(), ensure_ascii=False))
        return 0
    print(answer.full_text())
    if answer.tool_calls:
        print("\nRule tools:")
        for call in answer.tool_calls:
            verdict = rule_verdict(call.output)
            print(
                f"  {call.name}({json.dumps(call.input, ensure_ascii=False)}) → "
                f"{json.dumps(verdict, ensure_ascii=False)}"
            )
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"  [{c.n}] {c.section}, {page_label(c.page)} ({c.chunk_id}): “{c.quote}”")
    return 0
