"""The `allguide` command: the only place that turns errors into exit codes.

Exit 0 on success, 2 on bad input or an unusable index/corpus/server (one-line message), 130
on Ctrl-C, 141 (as for a process stopped by SIGPIPE) when the reader of stdout goes away early,
e.g. `allguide retrieve "CNS" --k 20 | head -1`, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from allguide.errors import AllguideError, BadInputError
from allguide.learn.cli import add_parser as add_quiz_parser
from allguide.validate import MAX_K, parse_json

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    _warnings_as_lines()
    _log_lines()
    try:
        from allguide.settings import load_settings

        load_settings()  # every command: a bad ALLGUIDE_* value is one line, exit 2
        handler: Handler = args.handler
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
        return code
    except BrokenPipeError:
        _discard_stdout()
        return _BROKEN_PIPE
    except AllguideError as exc:
        print(f"allguide: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("allguide: interrupted", file=sys.stderr)
        return 130


_BROKEN_PIPE = 128 + 13  # what a shell reports for a process stopped by SIGPIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that the buffered rest is dropped quietly at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (tests capture it)
        pass


def _warnings_as_lines() -> None:
    """Library warnings (e.g. a mistyped ALLGUIDE_* name) as one `allguide: warning:` line each."""

    def show(message: Warning | str, *_: object, **__: object) -> None:
        print(f"allguide: warning: {message}", file=sys.stderr)

    warnings.showwarning = show


class _StderrLines(logging.Handler):
    """A log record as one `allguide: …` line on the current `sys.stderr`."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(f"allguide: {self.format(record)}", file=sys.stderr)
        except Exception:  # logging must never break a command
            self.handleError(record)


def _log_lines() -> None:
    """The library logs; the CLI shows its INFO and WARNING notices (index builds, waits) as
    `allguide: …` lines. The verifier's per-sentence drops (`allguide.answer.llm`, INFO) stay
    hidden, as do DEBUG records."""
    root = logging.getLogger("allguide")
    if not any(isinstance(h, _StderrLines) for h in root.handlers):
        root.addHandler(_StderrLines())
    root.setLevel(logging.INFO)
    logging.getLogger("allguide.answer.llm").setLevel(logging.WARNING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allguide",
        description="Cited answers and rule tools over the 2015 NCCN ALL guideline (offline).",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="build or refresh the index")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if the index is current")
    p.set_defaults(handler=_ingest)

    p = sub.add_parser("retrieve", help="print the passages that best match a query")
    p.add_argument("query")
    p.add_argument("--k", type=_positive_int, default=5)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON (docs/design.md contract)")
    p.set_defaults(handler=_retrieve)

    p = sub.add_parser(
        "eval",
        help="run the evaluation dataset and print its metrics",
        description="Run the dataset through the retrievers and the offline ask; print every "
        "metric for all, dev and test side by side (retrieval, retrieval at equal context, "
        "answers: keyword and lead accuracy, reference quotes, citation validity and support, "
        "refusal precision/recall, false-refusal rate, tools, latency; per category).",
    )
    p.add_argument("--dataset", type=Path, help="JSON Lines dataset (default evals/qa.jsonl)")
    p.add_argument(
        "--retriever",
        choices=["hybrid", "dense", "bm25", "vanilla", "vanilla-bm25"],
        default="hybrid",
    )
    p.add_argument(
        "--all-retrievers",
        action="store_true",
        help="ours and every baseline (dense, bm25, vanilla, vanilla-bm25)",
    )
    p.add_argument("--k", type=_positive_int, default=5)
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
    p.set_defaults(handler=_eval)

    p = sub.add_parser("ask", help="answer a question with cited guideline passages")
    p.add_argument("question")
    p.add_argument("--history", type=Path, help="JSON file: [{role, content}, ...] earlier turns")
    p.add_argument("--json", action="store_true", help="print JSON (docs/design.md contract)")
    p.set_defaults(handler=_ask)

    p = sub.add_parser("tool", help="run one rule tool on JSON input")
    p.add_argument("name")
    p.add_argument("--input", required=True, help="JSON object of the tool's inputs")
    p.set_defaults(handler=_tool)

    p = sub.add_parser("serve", help="serve the web UI (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to bind (default ALLGUIDE_HOST or 127.0.0.1)")
    p.add_argument("--port", type=_port, help="port (default ALLGUIDE_PORT or 7860)")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="allow a non-loopback --host without ALLGUIDE_AUTH (anyone reaching it can use it)",
    )
    p.set_defaults(handler=_serve)

    add_quiz_parser(sub)  # allguide/learn/cli.py
    p = sub.add_parser("feedback", help="work with the thumbs up/down recorded by the web UI")
    feedback = p.add_subparsers(required=True, metavar="ACTION")
    p = feedback.add_parser("export", help="write thumbs-down answers as eval dataset items")
    p.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    p.set_defaults(handler=_feedback_export)
    return parser


def _int_between(low: int, high: int, noun: str) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


_positive_int = _int_between(1, MAX_K, "a whole number")
_port = _int_between(1, 65535, "a port number")


def _assistant() -> Any:
    from allguide.assistant import Assistant

    return Assistant()


def _ingest(args: argparse.Namespace) -> int:
    report = _assistant().ingest(rebuild=args.rebuild, show_progress=True)
    state = "built" if report.rebuilt else "up to date"
    print(
        f"index {state}: {report.documents} document(s), {report.chunks} chunks, "
        f"{report.seconds:.1f} s (fingerprint {report.fingerprint})"
    )
    repairs = ", ".join(f"{name} {count}" for name, count in report.repairs.items())
    print(f"cleaning repairs: {repairs}")
    return 0


def _retrieve(args: argparse.Namespace) -> int:
    from allguide.types import page_label

    passages = _assistant().retrieve(args.query, args.k, mode=args.mode)
    if args.json:
        print(json.dumps([p.model_dump(exclude={"source"}) for p in passages], ensure_ascii=False))
        return 0
    for rank, p in enumerate(passages, start=1):
        where = f"{p.section} · {page_label(p.page)} · {p.kind}"
        print(f"[{rank}] {where} · score {p.score:.4f} · {p.chunk_id}")
        print(f"    {p.text[:300].replace(chr(10), ' ')}{'…' if len(p.text) > 300 else ''}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from allguide.evaluation.baselines import RETRIEVERS
    from allguide.evaluation.runner import DEFAULT_DATASET, EvalOptions, evaluate

    options = EvalOptions(
        dataset=args.dataset or DEFAULT_DATASET,
        retrievers=RETRIEVERS if args.all_retrievers else (args.retriever,),
        k=args.k,
        answers=not args.no_answers,
        split=args.split,
        previous=args.previous,
    )
    print(evaluate(options, args.out, args.answers_md))
    return 0


def _ask(args: argparse.Namespace) -> int:
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
    answer = _assistant().ask(args.question, history)
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


def _tool(args: argparse.Namespace) -> int:
    from allguide.tools import run_tool

    payload = parse_json(args.input, what="--input")
    if not isinstance(payload, dict):
        raise BadInputError('--input must be a JSON object, e.g. \'{"mutations": ["T315I"]}\'')
    print(json.dumps(run_tool(args.name, payload), ensure_ascii=False, indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from allguide.settings import load_settings
    from allguide.ui.guard import preflight

    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    # Before Gradio and the index load: an unsafe bind or a busy port fails in a second.
    auth = bool(settings.auth and settings.auth.get_secret_value())
    preflight(host, port, auth=auth, insecure_no_auth=args.insecure_no_auth)

    from allguide.ui import serve

    serve(_assistant(), host=host, port=port, insecure_no_auth=args.insecure_no_auth)
    return 0


def _feedback_export(args: argparse.Namespace) -> int:
    from allguide.feedback import export_feedback, feedback_path
    from allguide.settings import load_settings

    source = feedback_path(load_settings().home)
    count = export_feedback(source, args.out)
    print(f"exported {count} thumbs-down item(s) from {source} to {args.out}")
    return 0


def read_json_file(path: Path, what: str, *, max_bytes: int) -> Any:
    """Load a JSON file given on the command line, with a one-line error.

    At most `max_bytes` are read, so `/dev/zero` or a huge file stops at the cap.
    """
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise BadInputError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise BadInputError(f"cannot read {what} file {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise BadInputError(
            f"{what} file {path} is larger than {max_bytes:,} bytes (ALLGUIDE_MAX_REQUEST_BYTES)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"{what} file {path} is not UTF-8 (byte 0x{data[exc.start]:02X} at {exc.start})"
        ) from None
    return parse_json(text, what=f"{what} file {path}")


if __name__ == "__main__":
    raise SystemExit(main())
