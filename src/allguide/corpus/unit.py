"""A unit: a verbatim span of one chunk with its kind (see `corpus/units.py` for the kinds)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

UnitKind = Literal[
    "definition",
    "row",
    "list_item",
    "recommendation",
    "statement",
    "label",
    "heading",
    "reference",
    "url",
    "boilerplate",
    "legend",
    "category",
]
QUOTABLE: frozenset[str] = frozenset(
    {"definition", "row", "list_item", "recommendation", "statement"}
)
EMBEDDED: frozenset[str] = QUOTABLE | {"label", "legend", "category"}


# One item of a flattened table cell: a capitalised word after a word, number or bracket.
_ROW_ITEM = re.compile(r"(?<=[a-z0-9)%L])\s+(?=[A-Z][a-z]+\b)")


@dataclass(frozen=True)
class Unit:
    """A span of a chunk; `row` is its position among the embedded units of the corpus."""

    chunk_id: str
    start: int
    end: int
    text: str
    kind: UnitKind
    row: int = -1
    label: str = ""  # the term a definition or table row defines ("CNS-2", "CR")
    context: str = ""  # the table heading or lead-in line it sits under

    @property
    def unit_id(self) -> str:
        return f"{self.chunk_id}#{self.start}-{self.end}"

    @property
    def quotable(self) -> bool:
        return self.kind in QUOTABLE

    @property
    def display(self) -> str:
        """The unit as an answer shows it: one line; a table row as 'label: a; b; c'."""
        text = " ".join(self.text.split())
        if self.kind == "row" and self.label and text.startswith(self.label):
            rest = _ROW_ITEM.sub("; ", text[len(self.label) :].strip())
            return f"{self.label}: {rest}"
        return text
