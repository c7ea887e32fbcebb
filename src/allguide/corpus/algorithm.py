"""The algorithm pages (ALL-1 … ALL-F): flowchart boxes, footnotes and glued markers (pure)."""

from __future__ import annotations

import re
from collections import Counter

from allguide.corpus.blocks import OPEN_WORD, Block, Para, join_text, strip_leading_marker
from allguide.corpus.layout import PageLayout
from allguide.corpus.lines import (
    drop_glyph_lines,
    ends_open,
    is_marker_line,
    join_lines,
    paragraphs,
    starts_continuation,
)
from allguide.corpus.pages import Page, Tally
from allguide.corpus.repairs import ALGORITHM_REPAIRS, apply_repairs
from allguide.types import Kind

_GLUED_AFTER_PAREN = re.compile(r"\)((?:[a-z]|([a-z])\2)(?:,(?:[a-z]|([a-z])\3))*)(?=\s|$)")
_GLUED_AFTER_CAPS = re.compile(r"\b([A-Z]{2,})([a-rt-z])((?:\s[a-z])*)(?=[\s,.)]|$)")
# Letters a word can end in (plural s, past d) are never taken for a glued footnote letter.
_GLUED_AFTER_WORD = re.compile(r"\b([A-Za-z][a-z]{4,})([a-ce-rt-z](?:,[a-z])*)(?=[\s,.)]|$)")
_REAL_ABBREVIATIONS = frozenset({"CRi", "CRu", "CRp"})


def _strip_glued_markers(text: str, vocab: Counter[str], tally: Tally) -> str:
    """'(LP)i,j' → '(LP)', 'TKIn o' → 'TKI', 'chemotherapyv' → 'chemotherapy'."""
    text, n = _GLUED_AFTER_PAREN.subn(")", text)
    tally.add("glued_footnote_letters", n)

    def caps(m: re.Match[str]) -> str:
        if m.group(1) + m.group(2) in _REAL_ABBREVIATIONS:
            return m.group(0)
        tally.add("glued_footnote_letters")
        return m.group(1)

    def word(m: re.Match[str]) -> str:
        base, token = m.group(1), m.group(1) + m.group(2).split(",")[0]
        if vocab[base.lower()] >= 2 * vocab[token.lower()] + 2:
            tally.add("glued_footnote_letters")
            return base
        return m.group(0)

    return _GLUED_AFTER_WORD.sub(word, _GLUED_AFTER_CAPS.sub(caps, text))


def algorithm_blocks(
    pages: list[Page], layout: PageLayout, vocab: Counter[str], tally: Tally
) -> list[Block]:
    """Blocks of the algorithm pages, sectioned by the layout's marks."""
    paras: list[Para] = []
    for page in pages:
        lines = [x for x in page.lines if not layout.furniture.match(x) or not x.strip()]
        tally.add("page_furniture", len(page.lines) - len(lines))
        in_notes = False
        for group in paragraphs(drop_glyph_lines(lines, tally)):
            texts = [x for x in group if not is_marker_line(x)]
            tally.add("footnote_marker_lines", len(group) - len(texts))
            if not texts:
                in_notes = in_notes or any(x.strip() != ":" for x in group)
                continue
            text, glued = strip_leading_marker(join_lines(texts, vocab, tally), tally)
            text = _strip_glued_markers(text, vocab, tally)
            if text in layout.displaced_labels:
                tally.add("displaced_labels")
                continue
            prose = len(text) >= 50 and text[:1].isupper() and text.endswith(".")
            in_notes = in_notes and prose
            paras.append(Para(text, None, glued or in_notes, last_line=len(texts[-1].rstrip())))
    joined = _join_adjacent(paras, tally)
    for para in joined:
        para.text = apply_repairs(para.text, ALGORITHM_REPAIRS, tally)
    return _sectioned_algorithm(joined, layout)


_FULL_WIDTH = 100  # characters: a line this long was wrapped by the page, not ended


def _short_sentence_end(text: str) -> bool:
    """'CR or CRu.': a few words that end the sentence the paragraph before left open."""
    return len(text) <= 40 and text.endswith(".")


def _join_adjacent(paras: list[Para], tally: Tally) -> list[Para]:
    """Join a paragraph that stops mid-sentence with a next one that continues it."""
    out: list[Para] = []
    for para in paras:
        prev = out[-1] if out else None
        wrapped = (
            prev is not None
            and ends_open(prev.text)
            and (
                starts_continuation(para.text)
                or (
                    bool(OPEN_WORD.search(prev.text))
                    and (prev.last_line >= _FULL_WIDTH or _short_sentence_end(para.text))
                )
            )
        )
        if prev is not None and wrapped and not (para.footnote and not prev.footnote):
            out.pop()
            merged = join_text(prev.text, para.text)
            out.append(Para(merged, prev.page, prev.footnote, last_line=para.last_line))
            tally.add("wrapped_lines_rejoined")
        else:
            out.append(para)
    return out


def _sectioned_algorithm(paras: list[Para], layout: PageLayout) -> list[Block]:
    marks = layout.algorithm_sections
    current = -1
    blocks: list[Block] = []
    for para in paras:
        if current + 1 < len(marks) and marks[current + 1].pattern.search(para.text):
            current += 1
        mark = marks[max(current, 0)]
        kind: Kind = "footnote" if para.footnote else "algorithm"
        blocks.append(Block(para.text, mark.section, mark.title, mark.page, kind))
    return blocks
