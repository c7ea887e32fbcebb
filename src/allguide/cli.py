"""The `allguide` command: the only place that turns errors into exit codes.

Exit 0 on success, 2 on bad input or an unusable index/corpus/server (one-line message), 130
on Ctrl-C, 141 (as for a process stopped by SIGPIPE) when the reader of stdout goes away early,
e.g. `allguide retrieve "CNS" --k 20 | head -1`, without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Protocol

from allguide.commands import ask, evaluate, feedback, ingest, quiz, retrieve, serve, tool
from allguide.commands.common import Subparsers
from allguide.errors import AllguideError

Handler = Callable[[argparse.Namespace], int]


class Command(Protocol):
    """A subcommand module: `add_parser` adds its parser(s) to `sub`; `run` does the work."""

    def add_parser(self, sub: Subparsers) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# Every subcommand, in `allguide --help` order. Adding one: import its module, list it here.
COMMANDS: tuple[Command, ...] = (ingest, retrieve, evaluate, ask, tool, quiz, serve, feedback)


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
    for command in COMMANDS:
        known = set(sub.choices)
        command.add_parser(sub)
        for name in sub.choices.keys() - known:  # what the command added runs the command
            sub.choices[name].set_defaults(handler=command.run)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
