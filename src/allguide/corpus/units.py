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
from dataclasses import dataclass
from typing import Literal

from allguide.corpus.layout import TABLES, TableRows
from allguide.text import split_long_sentences, split_sentences
from allguide.types import Chunk

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


_PARAGRAPH = re.compile(r"\n\s*\n")
_TRAILING_LABEL = re.compile(r"(?<=[a-z0-9)%])\s+([A-Z][\w+–\-]*(?:\s[\w+()–\-]+){0,2}:)$")
# One item of a flattened table cell: a capitalised word after a word, number or bracket.
_ROW_ITEM = re.compile(r"(?<=[a-z0-9)%L])\s+(?=[A-Z][a-z]+\b)")
# An author: a surname (capital, then lower case) and one to three capital initials. A
# bibliography entry names two authors, or one and "et al".
_NAME = r"[A-Z][a-z][A-Za-z'’\-]* [A-Z]{1,3}"
_AUTHORS = re.compile(rf"{_NAME}, (?:{_NAME}|et al)\b")
_REFERENCE_START = re.compile(
    rf"^(?:For more detailed information, refer to )?{_NAME}, (?:{_NAME}|et al)\b"
)
_CITED_WORK = re.compile(r"\b(?:19|20)\d{2}[;:]\s?\d+|\bIn: |\beds?\.")
_URL = re.compile(r"https?://|www\.", re.I)
_BOILERPLATE = re.compile(
    r"^(?:Clinical trials: NCCN believes|Participation in clinical trials is especially|"
    r"©|\(J Natl Compr Canc Netw|This manuscript highlights only|This excerpt focuses|"
    r"To view the most recent complete version|Please refer to NCCN\.org|"
    r"These guidelines are also available|For the latest update, visit|For details, see)"
)
_CATEGORY = re.compile(r"^All recommendations are category 2A unless otherwise (?:noted|indicated)")
_LEGEND = re.compile(r"^Category (?:1|2A|2B|3): ")
_BOILERPLATE_SECTIONS = frozenset({"Please Note", "Disclosures"})
# "CNS-2: …", "CR Unconfirmed (CRu): …", after an optional lead-in ("Classification of CNS
# status: "). A term is short and is not a clause ("… are defined as follows").
_DEFINITION = re.compile(
    r"^(?:(?P<lead>[A-Z][^:]{3,60}): )?(?P<term>[A-Z][\w \-()/+=]{0,40}?):\s+(?=\S)"
)
_CLAUSE_WORDS = re.compile(
    r"\b(?:is|are|was|were|as|be|been|have|has|had|may|can|will|follows|include|includes)\b"
)
_RECOMMENDS = re.compile(
    r"\b(?:should|recommends?|recommended|is preferred|are preferred|consider(?:ed)?|warrants?|"
    r"must|is advised|are advised|is indicated|are indicated|is encouraged)\b",
    re.I,
)
_OPEN_END = re.compile(r"\b(?:the|a|an|of|for|and|or|to|in|with|by|see)$|[(,]$", re.I)
_NOT_CONTENT = re.compile(r"^(?:[A-Z][A-Z /&\-]+|See .{0,80}|https?://\S+)$")


def is_retrievable(sentence: str) -> bool:
    """Worth embedding: real words, not a heading, a cross-reference or a fragment that stops
    mid-phrase."""
    letters = [c for c in sentence if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > 0.6 * len(letters)
    return (
        len(sentence) >= 25
        and " " in sentence
        and not shouting
        and not _NOT_CONTENT.match(sentence)
        and not _OPEN_END.search(sentence)
    )


def is_statement(sentence: str) -> bool:
    """More than a flowchart label such as "Ph+ ALL (Adult) (aged ≥40 y)": retrievable, with
    at least three lower-case words ("Clinical trial or Multiagent chemotherapy" is an
    algorithm box that states options, and is a statement)."""
    return is_retrievable(sentence) and len(re.findall(r"\b[a-z]{2,}\b", sentence)) >= 3


def is_reference(text: str) -> bool:
    """A bibliography entry: starts with an author list, or names authors and a cited work."""
    if _REFERENCE_START.match(text):
        return True
    return bool(_AUTHORS.search(text) and _CITED_WORK.search(text))


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
    tables = [t for t in TABLES if t.section == chunk.section]
    lead_in = ""
    open_row: Unit | None = None
    for p_start, p_end in _paragraphs(chunk.text):
        para = chunk.text[p_start:p_end]
        row = _row_start(para, tables)
        if open_row is not None and (row is not None or _DEFINITION.match(para)):
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
        yield from _paragraph_units(chunk, p_start, para, lead_in, tables)
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


def _paragraph_units(
    chunk: Chunk, p_start: int, para: str, lead_in: str, tables: Sequence[TableRows]
) -> Iterator[Unit]:
    if chunk.section in _BOILERPLATE_SECTIONS:
        yield Unit(chunk.chunk_id, p_start, p_start + len(para), para, "boilerplate")
        return
    if _REFERENCE_START.match(para.strip()):
        yield Unit(chunk.chunk_id, p_start, p_start + len(para), para, "reference")
        return
    for s_start, s_end in split_long_sentences(para):
        start, end = p_start + s_start, p_start + s_end
        cited = _AUTHORS.search(chunk.text, start, end)
        if (
            cited
            and cited.start() > start
            and chunk.text[start : cited.start()].rstrip()[-1:] in ";:"
        ):
            # "Emerging data suggest …; Schultz KR, Bowman WP, …": the claim, then its source.
            cut = start + len(chunk.text[start : cited.start()].rstrip())
            yield _classify(chunk, start, cut, lead_in, tables)
            yield Unit(
                chunk.chunk_id, cited.start(), end, chunk.text[cited.start() : end], "reference"
            )
            continue
        yield _classify(chunk, start, end, lead_in, tables)


def _classify(
    chunk: Chunk, start: int, end: int, lead_in: str, tables: Sequence[TableRows]
) -> Unit:
    text = chunk.text[start:end]

    def unit(kind: UnitKind) -> Unit:
        context = lead_in if kind in QUOTABLE and lead_in != text else ""
        return Unit(chunk.chunk_id, start, end, text, kind, context=context)

    if _CATEGORY.match(text):
        return unit("category")
    if _BOILERPLATE.match(text):
        return unit("boilerplate")
    if _LEGEND.match(text):
        return unit("legend")
    if is_reference(text):
        return unit("reference")
    if _URL.search(text) and not is_statement(_URL.split(text)[0]):
        return unit("url")
    if not is_retrievable(text):
        return unit("heading")
    definition = _DEFINITION.match(text)
    if definition and not _CLAUSE_WORDS.search(definition.group("term")):
        term = definition.group("term")
        offset = definition.start("term")
        context = definition.group("lead") or _table_heading(term, tables) or lead_in
        return Unit(
            chunk.chunk_id,
            start + offset,
            end,
            text[offset:],
            "definition",
            label=term,
            context=context,
        )
    if not is_statement(text):
        return unit("label")
    if lead_in and not text.endswith(":"):
        return unit("list_item")
    if _RECOMMENDS.search(text):
        return unit("recommendation")
    return unit("statement")


def _table_heading(term: str, tables: Sequence[TableRows]) -> str:
    for table in tables:
        if table.style == "definition" and term in table.labels:
            return table.heading
    return ""
