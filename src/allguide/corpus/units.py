"""The units an answer may quote, and those it may not, built from the chunks (pure).

A unit is a verbatim span of one chunk (`text == chunk.text[start:end]`) with a kind:

- quotable: `definition` ("CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."), `row`
  (a table row whole with its row label and the table heading it sits under: the CR row of
  ALL-E), `list_item` (with the lead-in line it follows), `recommendation` (a sentence that
  says what should or may be done) and `statement` (any other sentence);
- never quoted: `label` (a flowchart label, still embedded for retrieval), `heading`,
  `reference` (a bibliography entry), `url`, `boilerplate` (the "Please Note" disclaimer,
  disclosures, the clinical-trials box, pointers to NCCN.org), `legend` (the categories of
  evidence, quoted only when asked) and `category` ("All recommendations are category 2A
  unless otherwise noted.", which the answer quotes as the category of a recommendation).

Sentences come from `allguide.text.split_sentences`; an overlong sentence is cut at
semicolons.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence

from allguide.corpus.layout import TableRows
from allguide.corpus.unit import EMBEDDED, QUOTABLE, Unit, UnitKind
from allguide.corpus.unit_kinds import (
    DEFINITION,
    is_reference,
    is_retrievable,
    is_statement,
    paragraph_units,
)
from allguide.guidelines import get_profile
from allguide.text import split_sentences
from allguide.types import Chunk

__all__ = [
    "EMBEDDED",
    "QUOTABLE",
    "Unit",
    "UnitKind",
    "chunk_units",
    "embedded_units",
    "is_reference",
    "is_retrievable",
    "is_statement",
]

_PARAGRAPH = re.compile(r"\n\s*\n")
_TRAILING_LABEL = re.compile(r"(?<=[a-z0-9)%])\s+([A-Z][\w+–\-]*(?:\s[\w+()–\-]+){0,2}:)$")


def chunk_units(chunks: Sequence[Chunk]) -> list[Unit]:
    """Every unit of `chunks`, in reading order; embedded units are numbered by `row`."""
    out: list[Unit] = []
    row = 0
    for chunk in chunks:
        for unit in _chunk_units(chunk):
            if unit.kind in EMBEDDED:
                out.append(dataclasses.replace(unit, row=row))
                row += 1
            else:
                out.append(unit)
    return out


def embedded_units(units: Sequence[Unit]) -> list[Unit]:
    """The units that are embedded (quotable ones, labels, the legend and category lines)."""
    return [u for u in units if u.kind in EMBEDDED]


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[start:end].strip():
            yield start, end
        if match:
            start = match.end()


def _chunk_units(chunk: Chunk) -> Iterator[Unit]:
    layout = get_profile(chunk.profile).layout
    tables = [t for t in layout.tables if t.section == chunk.section] if layout else []
    boilerplate = layout.boilerplate_sections if layout else frozenset()
    lead_in = ""
    open_row: Unit | None = None
    for p_start, p_end in _paragraphs(chunk.text):
        para = chunk.text[p_start:p_end]
        row = _row_start(para, tables)
        if open_row is not None and (row is not None or DEFINITION.match(para)):
            yield _closed(open_row)
            open_row = None
        if row is not None:
            table, label = row
            open_row = Unit(
                chunk.chunk_id, p_start, p_end, para, "row", label=label, context=table.heading
            )
            continue
        if open_row is not None and not re.search(r"[.;:]$", para.rstrip()):
            # The row's cell goes on in the next paragraph ("Trilineage hematopoiesis …").
            end = open_row.start + len(chunk.text[open_row.start : p_end])
            open_row = Unit(
                chunk.chunk_id,
                open_row.start,
                end,
                chunk.text[open_row.start : end],
                "row",
                label=open_row.label,
                context=open_row.context,
            )
            continue
        if open_row is not None:
            yield _closed(open_row)
            open_row = None
        yield from paragraph_units(
            chunk, p_start, para, lead_in, tables=tables, boilerplate_sections=boilerplate
        )
        lead_in = _lead_in(para)
    if open_row is not None:
        yield _closed(open_row)


def _closed(row: Unit) -> Unit:
    """A finished table row; one with an empty cell is only a label, unless the label says
    what the term is ("Overall response rate (ORR = CR + CRi)")."""
    if row.text[len(row.label) :].strip() or "=" in row.label:
        return row
    return Unit(row.chunk_id, row.start, row.end, row.text, "label", context=row.context)


def _lead_in(para: str) -> str:
    """The last sentence of a paragraph that introduces a list ("… at the appropriate
    timing:"), when it is a real sentence or line."""
    text = para.rstrip()
    if not text.endswith(":"):
        return ""
    spans = split_sentences(text)
    last = text[spans[-1][0] : spans[-1][1]] if spans else text
    label = _TRAILING_LABEL.search(last)
    if label:  # "… molecular tests Year 2:": the flattened list's own label is "Year 2:"
        return label.group(1)
    return last if is_statement(last) or is_retrievable(last) else ""


def _row_start(para: str, tables: Sequence[TableRows]) -> tuple[TableRows, str] | None:
    """The table and row label a paragraph opens ("CR No circulating blasts …")."""
    for table in tables:
        if table.style != "row":
            continue
        for label in sorted(table.labels, key=len, reverse=True):
            rest = para[len(label) :]
            opens = re.match(r"\s+[A-Z]|\s*$", rest) and not re.match(r"[^:]{0,45}:", rest)
            if para.startswith(label) and opens:
                return table, label
    return None
