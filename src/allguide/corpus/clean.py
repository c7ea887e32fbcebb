"""Clean one raw guideline extraction into ordered blocks with section, page and kind.

Pure: text in, `CleanedDocument` out. The steps, in order (each counted in `repairs`):
repeated spread copies, page furniture, bullet glyphs, footnote markers, hyphenated line
breaks, glued footnote letters, lost symbols, citation numbers, two-column flow, duplicates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from allguide.corpus.algorithm import algorithm_blocks
from allguide.corpus.blocks import OPEN_WORD, Block, Para, join_text, strip_leading_marker
from allguide.corpus.layout import PageLayout
from allguide.corpus.lines import (
    drop_glyph_lines,
    ends_open,
    is_heading,
    join_lines,
    paragraphs,
    starts_continuation,
    vocabulary,
)
from allguide.corpus.pages import Page, Tally, drop_repeated_lines, split_pages
from allguide.corpus.repairs import (
    DISCUSSION_REPAIRS,
    apply_repairs,
    strip_citations,
)
from allguide.errors import CorpusError
from allguide.guidelines import Guideline
from allguide.types import Kind


@dataclass(frozen=True)
class CleanedDocument:
    """Cleaned text of one source; `blocks[i]` sits at `spans[i]` of `text`."""

    source: str
    title: str  # what the document is cited as
    profile: str  # the id of the Guideline profile it was read with
    text: str
    blocks: tuple[Block, ...]
    spans: tuple[tuple[int, int], ...]
    repairs: dict[str, int]


def clean_document(
    raw: str, *, source: str, profile: Guideline, title: str = ""
) -> CleanedDocument:
    """Clean a raw extraction with its profile's page layout, or the basics when it has none.

    `title` is what `documents.toml` calls a plain document. A profile's layout is checked
    against the text (CorpusError when its region starts are missing), never inferred from it.
    """
    tally = Tally()
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    vocab = vocabulary(raw)
    layout = profile.layout
    if layout is None:
        blocks = _clean_plain(lines, source, vocab, tally)
    else:
        pages = split_pages(lines)
        firsts = [p.lines[0] if p.lines else "" for p in pages]
        if not layout.fits(firsts):
            raise CorpusError(
                f"{source} is read with the {profile.id!r} profile (corpus/documents.toml) but "
                "does not have its page layout; list it with another profile, or not at all"
            )
        blocks = _clean_journal(pages, layout.regions(firsts), layout, vocab, tally)
    blocks = _drop_duplicate_blocks(blocks, tally)
    cited_as = profile.document_title(source, raw, given=title)
    return _assemble(source, cited_as, profile.id, blocks, tally)


def _clean_plain(lines: list[str], source: str, vocab: Counter[str], tally: Tally) -> list[Block]:
    """A document of unknown layout: paragraphs, glyphs, hyphenation and headings only."""
    stem = re.sub(r"\.txt$", "", source)
    paras = _prose_paras(Page(tuple(lines), 0), None, vocab, tally, mend=False)
    return _sectioned_prose(_rejoin_flow(paras, tally), default=stem, prefix=f"{stem} › ")


def _clean_journal(
    pages: list[Page], regions: list[str], layout: PageLayout, vocab: Counter[str], tally: Tally
) -> list[Block]:
    front = [p for p, r in zip(pages, regions, strict=True) if r == "front"]
    algo = [p for p, r in zip(pages, regions, strict=True) if r == "algorithm"]
    disc = [p for p, r in zip(pages, regions, strict=True) if r == "discussion"]
    algo = drop_repeated_lines(algo, tally=tally)
    furniture, named = layout.furniture, layout.front_sections
    front_paras = [
        para
        for page, number in zip(front, layout.front_pages, strict=False)
        for para in _prose_paras(page, number, vocab, tally, furniture=furniture)
    ]
    disc_paras = [
        para
        for k, page in enumerate(disc)
        for para in _prose_paras(
            page, layout.discussion_first_page + k, vocab, tally, furniture=furniture
        )
    ]
    overview = "Discussion › Overview"
    return [
        *_sectioned_prose(_rejoin_flow(front_paras, tally), default=overview, named=named),
        *algorithm_blocks(algo, layout, vocab, tally),
        *_sectioned_prose(
            _mended(_rejoin_flow(disc_paras, tally), tally), default=overview, named=named
        ),
    ]


def _prose_paras(
    page: Page,
    number: int | None,
    vocab: Counter[str],
    tally: Tally,
    *,
    mend: bool = True,
    furniture: re.Pattern[str] | None = None,
) -> list[Para]:
    """Paragraphs of a prose page, headings split off, `furniture` lines dropped; with `mend`,
    the Discussion's citation numbers are removed and its flattened superscripts restored."""
    lines = [x for x in page.lines if not (furniture and furniture.match(x)) or not x.strip()]
    tally.add("page_furniture", len(page.lines) - len(lines))
    out: list[Para] = []
    for group in paragraphs(drop_glyph_lines(lines, tally)):
        body = group
        if is_heading(group[0]) and (len(group) == 1 or group[1].strip()[:1].isupper()):
            heading = group[0].strip()
            out.append(Para(heading, number, heading=heading, page_start=not out))
            body = group[1:]
            if not body:
                continue
        text = join_lines(body, vocab, tally)
        footnote = False
        if mend:
            text, footnote = strip_leading_marker(text, tally)
            text = strip_citations(apply_repairs(text, DISCUSSION_REPAIRS, tally), tally)
        out.append(Para(text, number, footnote, page_start=not out))
    return out


def _mended(paras: list[Para], tally: Tally) -> list[Para]:
    """Superscript repairs again on rejoined paragraphs: "1 × 107" + "MNCs" met only now."""
    for para in paras:
        if para.heading is None:
            para.text = apply_repairs(para.text, DISCUSSION_REPAIRS, tally)
    return paras


def _rejoin_flow(paras: list[Para], tally: Tally) -> list[Para]:
    """Rejoin sentences cut by a column or page break, moving floats (tables, boxes) after.

    A prose paragraph that stops mid-sentence continues at the next paragraph when that reads
    as the rest of the sentence; or, when a float (a boxed heading or a table caption) comes
    between, at the first paragraph of a later page that does, and the float then follows.
    """
    rest = list(paras)
    out: list[Para] = []
    while rest:
        para = rest.pop(0)
        while not para.float_ and para.heading is None and len(para.text) >= 60:
            j = _continuation_index(para, rest)
            if j is None:
                break
            table = bool(rest[:j]) and bool(re.match(r"Table \d+\b", rest[0].text))
            floats = [_as_float(f, table) for f in rest[:j]]
            para = Para(join_text(para.text, rest[j].text), para.page, para.footnote)
            rest = floats + rest[j + 1 :]
            tally.add("column_flow_rejoined")
        out.append(para)
    return out


def _as_float(para: Para, table: bool) -> Para:
    # Inside a table, short Title Case cells are cells, not headings.
    text = para.heading if (table and para.heading) else para.text
    heading = None if table else para.heading
    return Para(text or "", para.page, para.footnote, True, heading)


def _continues(prev: Para, nxt: Para) -> bool:
    """Does `nxt` read as the rest of the sentence `prev` leaves open?"""
    if nxt.heading is not None or not ends_open(prev.text):
        return False
    return (
        starts_continuation(nxt.text)
        or bool(OPEN_WORD.search(prev.text))
        or re.match(r"[A-Z]{2,}s?\b", nxt.text) is not None  # "…after allogeneic" + "HCT (…"
    )


def _continuation_index(para: Para, rest: list[Para]) -> int | None:
    if not rest or not ends_open(para.text):
        return None
    if _continues(para, rest[0]):
        return 0
    if rest[0].heading is None and not re.match(r"Table \d+\b", rest[0].text):
        return None
    for j, nxt in enumerate(rest[1:80], start=1):
        if nxt.page_start and nxt.heading is None and starts_continuation(nxt.text):
            return j
    return None


def _sectioned_prose(
    paras: list[Para],
    *,
    default: str,
    prefix: str = "Discussion › ",
    named: Mapping[str, str] | None = None,
) -> list[Block]:
    """Assign sections from headings (`named` ones by the layout's own names); floats keep
    their own section without ending the flow's."""
    running, float_section = default, None
    blocks: list[Block] = []
    for para in paras:
        if para.heading is not None:
            name = (named or {}).get(para.heading, prefix + para.heading)
            if para.float_:
                float_section = name
            else:
                running, float_section = name, None
            continue
        if para.float_:
            caption = re.match(r"(Table \d+)\b", para.text)
            if caption:
                float_section = prefix + caption.group(1)
            section = float_section or running
        else:
            section, float_section = running, None
        kind: Kind = "footnote" if para.footnote else "discussion"
        blocks.append(Block(para.text, section, section.split(" › ")[-1], para.page, kind))
    return blocks


def _drop_duplicate_blocks(blocks: list[Block], tally: Tally) -> list[Block]:
    """Keep the first of blocks whose text is identical (e.g. the repeated page header)."""
    seen: set[str] = set()
    out: list[Block] = []
    for block in blocks:
        key = re.sub(r"\W+", " ", block.text).strip().lower()
        if key in seen:
            tally.add("duplicate_paragraphs")
            continue
        seen.add(key)
        out.append(block)
    return out


def _assemble(
    source: str, title: str, profile: str, blocks: list[Block], tally: Tally
) -> CleanedDocument:
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    for block in blocks:
        spans.append((offset, offset + len(block.text)))
        parts.append(block.text)
        offset += len(block.text) + 2
    return CleanedDocument(
        source,
        title,
        profile,
        "\n\n".join(parts),
        tuple(blocks),
        tuple(spans),
        dict(sorted(tally.counts.items())),
    )
