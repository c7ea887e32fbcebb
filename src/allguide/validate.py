"""Checks on user input before it reaches retrieval, a model or a rule (pure).

Questions, queries and history arrive from the command line (argv may hold undecodable
bytes), JSON files, the Python API and the UI; each check raises `BadInputError` with one line
that names what was wrong, so no input ends in a traceback.
"""

from __future__ import annotations

import json
import re
import reprlib
import unicodedata
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

from allguide.errors import BadInputError
from allguide.types import Message

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = range(0xDC80, 0xDD00)  # how Python's surrogateescape carries a non-UTF-8 byte

MAX_K = 50  # passages per search; the same bound as ALLGUIDE_RETRIEVAL__K and `--k`
MODES = ("hybrid", "dense", "bm25")
MAX_JSON_DEPTH = 32  # a history or a tool input needs 3 levels; 50,000 would overflow the parser
TURN_CHARS_FACTOR = 4  # a history turn may be this many times a question (answers are longer)

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 40
_short.maxlevel = 2


def shown(value: object) -> str:
    """A short repr of a user's value for an error message (never huge, never multi-line)."""
    try:
        return _short.repr(value)
    except ValueError:  # an int too long to print
        return f"a {type(value).__name__} too large to show"


def invalid_characters(text: str) -> str | None:
    """What makes `text` unencodable as UTF-8 (a lone surrogate or an undecodable byte), or None."""
    bad = _SURROGATE.search(text)
    if bad is None:
        return None
    code, at = ord(bad.group()), bad.start() + 1
    if code in _ESCAPED_BYTE:
        return f"byte 0x{code - 0xDC00:02X} at character {at} is not UTF-8"
    return f"lone surrogate U+{code:04X} at character {at}"


def check_characters(text: str, *, what: str) -> None:
    """BadInputError when `text` holds a lone surrogate or an undecodable byte."""
    problem = invalid_characters(text)
    if problem:
        raise BadInputError(f"the {what} contains invalid characters ({problem}); send UTF-8 text")


def clean_text(text: object, *, what: str, max_chars: int) -> str:
    """NFC-normalized, stripped text; BadInputError when not text, empty, too long, invalid
    (lone surrogates, undecodable bytes) or holding controls."""
    if not isinstance(text, str):
        raise BadInputError(f"the {what} must be text (got {type(text).__name__})")
    check_characters(text, what=what)
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise BadInputError(
            f"the {what} is empty; type a question about the 2015 NCCN ALL guideline"
        )
    if len(text) > max_chars:
        raise BadInputError(
            f"the {what} is {len(text):,} characters long; the limit is {max_chars:,} "
            "(ALLGUIDE_MAX_QUESTION_CHARS)"
        )
    bad = _CONTROL.search(text)
    if bad:
        raise BadInputError(
            f"the {what} contains a control character (U+{ord(bad.group()):04X}); remove it"
        )
    return text


def check_k(k: object) -> int:
    """`k` passages: a whole number from 1 to MAX_K (no bools, strings or floats)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise BadInputError(f"k must be a whole number from 1 to {MAX_K} (got {shown(k)})")
    return k


def check_mode(mode: object) -> str:
    """A retrieval mode: hybrid, dense or bm25."""
    if mode not in MODES:
        raise BadInputError(f"mode must be one of {', '.join(MODES)} (got {shown(mode)})")
    return str(mode)


def clean_history(
    history: object, *, what: str = "history", max_turns: int, max_chars: int
) -> list[Message]:
    """Earlier turns as `Message`s: `None` is no history; turns may be `Message`s or
    `{role, content}` mappings. Beyond `max_turns` only the most recent are kept (as the UI
    keeps a session); a bad turn is one BadInputError naming it: "history turn 3: 'role' ..."."""
    if history is None:
        return []
    if isinstance(history, str | bytes | bytearray | Mapping) or not isinstance(history, Sequence):
        raise BadInputError(
            f"{what} must be a list of {{role, content}} turns (got {type(history).__name__})"
        )
    first = max(0, len(history) - max_turns)
    return [
        _turn(item, f"{what} turn {n}", TURN_CHARS_FACTOR * max_chars)
        for n, item in enumerate(history[first:], start=first + 1)
    ]


def _turn(item: object, where: str, max_chars: int) -> Message:
    if isinstance(item, Message):
        message = item
    elif isinstance(item, Mapping):
        message = _mapped_turn(item, where)
    else:
        raise BadInputError(
            f"{where}: must be an object {{role, content}} (got {type(item).__name__})"
        )
    problem = invalid_characters(message.content)
    if problem:
        raise BadInputError(f"{where}: 'content' contains invalid characters ({problem})")
    if len(message.content) > max_chars:
        raise BadInputError(
            f"{where}: 'content' is {len(message.content):,} characters long; "
            f"the limit is {max_chars:,}"
        )
    return message


def _mapped_turn(item: Mapping[object, object], where: str) -> Message:
    extra = [key for key in item if key not in ("role", "content")]
    if extra:
        raise BadInputError(
            f"{where}: unknown field {shown(extra[0])} (a turn has 'role' and 'content')"
        )
    role, content = item.get("role"), item.get("content")
    if role not in ("user", "assistant"):  # a tuple: `role` may be unhashable
        got = "missing" if role is None else f"got {shown(role)}"
        raise BadInputError(f"{where}: 'role' must be 'user' or 'assistant' ({got})")
    if not isinstance(content, str):
        got = "missing" if content is None else f"got {type(content).__name__}"
        raise BadInputError(f"{where}: 'content' must be text ({got})")
    return Message.model_validate({"role": role, "content": content})


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def parse_json(text: str, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads(text)` with one-line errors, refusing invalid characters and nesting deeper
    than `max_depth` (which would raise RecursionError inside the parser)."""
    check_characters(text, what=what)
    brackets = _JSON_BRACKET.findall(_JSON_STRING.sub("", text))
    depth = max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)
    if depth > max_depth:
        raise BadInputError(
            f"{what} is nested too deeply ({depth:,} levels; the limit is {max_depth})"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{what} is not valid JSON: {exc.msg} at character {exc.pos}") from None
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        raise BadInputError(f"{what} holds a number with too many digits") from None
