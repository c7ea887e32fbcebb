"""Paragraph and block types shared by the cleaning steps, and the small joins they share."""

from __future__ import annotations

import re
from dataclasses import dataclass

from allguide.corpus.pages import Tally
from allguide.types import Kind


@dataclass(frozen=True)
class Block:
    """A cleaned paragraph with its provenance."""

    text: str
    section: str
    title: str
    page: int | None
    kind: Kind


@dataclass
class Para:
    text: str
    page: int | None
    footnote: bool = False
    float_: bool = False
    heading: str | None = None
    page_start: bool = False  # first paragraph of its extracted page
    last_line: int = 0  # length of its last raw line: full-width lines wrap mid-sentence


def strip_leading_marker(text: str, tally: Tally) -> tuple[str, bool]:
    """'aAbnormalities observed…' → footnote 'Abnormalities observed…'."""
    new, n = re.subn(r"^(?:[a-z]{1,2}|\d)(?=[A-Z][a-z])|^[a-z] (?=[A-Z])", "", text)
    tally.add("glued_footnote_letters", n)
    return new, bool(n)


OPEN_WORD = re.compile(
    r"(?:\b(?:the|a|an|of|for|and|or|to|in|with|by|at|as|is|are|was|were|that|from|than|on)"
    r"|\b[a-z]{3,}ing|[\[(]for|,)$"
)


def join_text(left: str, right: str) -> str:
    if re.search(r"[a-z]-$", left) and re.match(r"[a-z]{2,}", right):
        return left[:-1] + right
    return f"{left} {right}"
