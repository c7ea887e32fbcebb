"""The offline grounded answerer's text: cited units, rule verdicts, the category line.

Every sentence of the answer is a verbatim unit of a passage (`corpus/units.py`, chosen by
`answer/compose.py`), cited `[n]`, or a rule tool's verdict followed by the rule it applied
(also verbatim, also cited).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from allguide.answer.compose import Selection, section_name
from allguide.corpus.units import Unit
from allguide.rules import words
from allguide.tools import RULES
from allguide.types import Chunk, Citation, ToolCall


class CitationBook:
    """Numbers quotes in order of first use; the same chunk and quote reuse their number."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        self._chunks = chunks
        self.citations: list[Citation] = []

    def cite(self, chunk_id: str, quote: str) -> int:
        chunk = self._chunks[chunk_id]
        if quote not in chunk.text:
            raise ValueError(f"quote is not verbatim in {chunk_id}: {quote[:60]!r}")
        for c in self.citations:
            if c.chunk_id == chunk_id and c.quote == quote:
                return c.n
        n = len(self.citations) + 1
        self.citations.append(Citation.of(chunk, n=n, quote=quote))
        return n

    def chunk(self, chunk_id: str) -> Chunk:
        return self._chunks[chunk_id]

    def cite_anywhere(self, quote: str, chunk_ids: Sequence[str]) -> int | None:
        """Cite `quote` from the first of `chunk_ids` whose text holds it."""
        for chunk_id in chunk_ids:
            if chunk_id in self._chunks and quote in self._chunks[chunk_id].text:
                return self.cite(chunk_id, quote)
        return None


def render(selection: Selection, book: CitationBook) -> str:
    """'Unit [n] Unit [m]', each unit cited from its chunk; an overview puts each section's
    units on a line of their own after the section's name."""
    if selection.sections:
        return "\n".join(
            f"{section.name}: {_cited(section.units, book)}" for section in selection.sections
        )
    return _cited(selection.units, book, boxes=True)


def _cited(units: Sequence[Unit], book: CitationBook, *, boxes: bool = False) -> str:
    return " ".join(
        f"{_ended(_boxed(u, book) if boxes else shown(u))} [{book.cite(u.chunk_id, u.text)}]"
        for u in units
    )


_ENDED = re.compile(r"[.!?:;][\"”')\]]*$")


def _ended(text: str) -> str:
    """A table cell or algorithm box ends without a full stop; the answer gives it one, so that
    each quoted unit reads (and splits) as a sentence of its own."""
    return text if _ENDED.search(text) else f"{text}."


def _boxed(unit: Unit, book: CitationBook) -> str:
    """An algorithm box that is not a sentence ("Clinical trial or Multiagent chemotherapy")
    under the name of its page, so that it is not read out of context."""
    chunk = book.chunk(unit.chunk_id)
    text = shown(unit)
    if chunk.kind == "algorithm" and not _ENDED.search(text) and not unit.context:
        return f"{section_name(chunk)}: {text}"
    return text


def shown(unit: Unit) -> str:
    """A unit as the answer shows it: a row or definition under its table heading, a list
    item after its lead-in line."""
    if unit.kind in ("row", "definition") and unit.context:
        return f"{unit.context} — {unit.display}"
    if unit.kind == "list_item" and unit.context and len(unit.context) <= _LEAD_IN_CHARS:
        return f"{unit.context} {unit.display}"
    return unit.display


_LEAD_IN_CHARS = 120


def category_line(book: CitationBook, category: Unit | None, quoted: Sequence[Unit]) -> str:
    """The text's global statement of the NCCN category, cited ("" when the index has none,
    or when every `quoted` unit is from another document, whose recommendations it does not
    grade)."""
    if category is None:
        return ""
    source = book.chunk(category.chunk_id).source
    if quoted and all(book.chunk(u.chunk_id).source != source for u in quoted):
        return ""
    return f"{category.display} [{book.cite(category.chunk_id, category.text)}]"


_CATEGORY = re.compile(r"\bcategory (1|2A|2B|3)\b", re.I)


def category_note(citations: Sequence[Citation]) -> str:
    """The NCCN categories of evidence that the cited quotes state, as one sentence ("" when
    none does)."""
    found: list[str] = []
    for c in citations:
        for match in _CATEGORY.finditer(c.quote):
            if match.group(1).upper() not in found:
                found.append(match.group(1).upper())
    if not found:
        return ""
    return f"NCCN category of evidence stated in the cited text: {', '.join(found)}."


def tool_sentence(call: ToolCall) -> str:
    """One plain sentence stating a rule tool's verdict (in the words of its spec)."""
    spec = RULES.get(call.name)
    verdict = spec.sentence(call.output) if spec else words.generic(call.output)
    return f"Rule tool {call.name}: {verdict}."
