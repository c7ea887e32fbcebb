"""What each sentence of a chunk is: quotable, or a label, heading, reference, URL, boilerplate,
legend or category line (pure; the kinds are described in `corpus/units.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from allguide.corpus.layout import TableRows
from allguide.corpus.unit import QUOTABLE, Unit, UnitKind
from allguide.text import split_long_sentences
from allguide.types import Chunk

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
# "CNS-2: …", "CR Unconfirmed (CRu): …", after an optional lead-in ("Classification of CNS
# status: "). A term is short and is not a clause ("… are defined as follows").
DEFINITION = re.compile(
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


def paragraph_units(
    chunk: Chunk,
    p_start: int,
    para: str,
    lead_in: str,
    *,
    tables: Sequence[TableRows],
    boilerplate_sections: frozenset[str],
) -> Iterator[Unit]:
    """The units of one paragraph of `chunk` that opens no table row: its sentences, each
    classified, or the whole paragraph as boilerplate or a reference."""
    if chunk.section in boilerplate_sections:
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
    definition = DEFINITION.match(text)
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
