"""What several subcommands share: argparse types, the assistant, JSON files named on the line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allguide.errors import BadInputError
from allguide.validate import MAX_K, parse_json

if TYPE_CHECKING:
    from allguide.assistant import Assistant

    # What a command's `add_parser` is given: `add_subparsers()` of the `allguide` parser.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction


def int_between(low: int, high: int, noun: str) -> Callable[[str], int]:
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


positive_int = int_between(1, MAX_K, "a whole number")
port = int_between(1, 65535, "a port number")


def add_k(parser: argparse.ArgumentParser) -> None:
    """`--k`, defaulting to the setting (ALLGUIDE_RETRIEVAL__K) rather than a number of its own."""
    parser.add_argument(
        "--k", type=positive_int, help="passages per query (default ALLGUIDE_RETRIEVAL__K, 5)"
    )


def assistant() -> Assistant:
    """The assistant over the environment's settings (imported late: it loads the models)."""
    from allguide.assistant import Assistant

    return Assistant()


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
