"""Line- and paragraph-level repairs of a raw PDF extraction (pure functions).

Each function returns its result and records in a `Tally` how many places it changed, so the
ingest summary can say what cleaning did.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from allguide.corpus.pages import Tally

_GLYPHS = "\ufffd\uf0b7\u2022\u25aa\u2013\u2014≥≤"
_GLYPH_ONLY = re.compile(rf"^[\s{_GLYPHS}]*$")
_BULLET_PREFIX = re.compile(r"^\s*(?:[\ufffd\uf0b7\u2022\u25aa]|—)\s+(?=\S)")
# Footnote markers standing alone on a line: "a", "bb,dd", "n o", "26,27,e", "39-41,i,j", "-4".
_LETTER = r"(?:[a-z]|([a-z])\1)"
_NUM = r"\d{1,3}(?:[–-]\d{1,3})?"
_MARKER_LINE = re.compile(
    rf"^\s*(?:(?:{_LETTER}|{_NUM})(?:[ ,]+(?:[a-z]|[a-z]{{2}}|{_NUM}))*|-\d|:)\s*$"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def vocabulary(text: str) -> Counter[str]:
    """Lower-case word counts of a text, hyphenated compounds counted whole and in parts."""
    counts: Counter[str] = Counter()
    for token in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text):
        counts[token.lower()] += 1
    return counts


def is_marker_line(line: str) -> bool:
    """True for a line holding only footnote letters or reference numbers."""
    return bool(_MARKER_LINE.match(line))


def drop_glyph_lines(lines: Iterable[str], tally: Tally) -> list[str]:
    """Drop lines of bullet glyphs or loose symbols; strip a leading bullet from text lines."""
    out: list[str] = []
    for line in lines:
        if line.strip() and _GLYPH_ONLY.match(line):
            tally.add("bullet_glyph_lines")
            out.append("")
            continue
        stripped = re.sub(r"\s*\ufffd+\s*$", "", _BULLET_PREFIX.sub("", line))
        if stripped != line:
            tally.add("bullet_glyph_lines")
        out.append(stripped)
    return out


def drop_marker_lines(lines: Iterable[str], tally: Tally) -> list[str]:
    """Blank out lines that hold only footnote letters or stray reference numbers."""
    out: list[str] = []
    for line in lines:
        if line.strip() and is_marker_line(line):
            tally.add("footnote_marker_lines")
            out.append("")
        else:
            out.append(line)
    return out


def join_hyphenated(left: str, right: str, vocab: Counter[str]) -> str:
    """Join two line fragments where `left` ends with a hyphen.

    A hyphen stays when it is real: after an acronym or digit (`BCR-`, `T-`, `MRD-`), before a
    capital or digit (`-ABL1`, `-CVAD`), or when the corpus spells the compound with a hyphen
    elsewhere (`follow-up`, `end-organ`). Otherwise it was a line-break hyphen and goes.
    """
    head = re.search(r"([A-Za-z0-9]+)-$", left)
    tail = re.match(r"[A-Za-z]+", right)
    if not head or not tail:
        return left + right
    a, b = head.group(1), tail.group(0)
    acronym = a.isupper() or any(c.isdigit() for c in a) or len(a) == 1
    if acronym or not b[0].islower() or len(b) < 2:
        return left + right
    joined, hyphenated = (a + b).lower(), f"{a}-{b}".lower()
    if vocab[hyphenated] > vocab[joined]:
        return left + right
    return left[:-1] + right


def join_lines(lines: list[str], vocab: Counter[str], tally: Tally) -> str:
    """Join the wrapped lines of one paragraph with single spaces, mending hyphen breaks."""
    text = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not text:
            text = line
        elif re.search(r"[A-Za-z0-9]-$", text) and re.match(r"[A-Za-z]", line):
            mended = join_hyphenated(text, line, vocab)
            if mended != text + line:
                tally.add("hyphenated_line_breaks")
            text = mended
        elif text.endswith("/"):
            text = text + line
        else:
            text = f"{text} {line}"
    return re.sub(r"[ \t]{2,}", " ", text)


def paragraphs(lines: list[str]) -> list[list[str]]:
    """Split lines into paragraphs at blank lines."""
    paras: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return paras


_TERMINAL = re.compile(r"[.:;?!]\s*$|[.:;?!][\"”’)]\s*$")
_CONTINUATION = re.compile(r"^(?:[a-z]{2,}|[a-z]\b(?![;(])|\()")


def ends_open(text: str) -> bool:
    """True when a paragraph stops mid-sentence (no terminal punctuation)."""
    return not _TERMINAL.search(text)


def starts_continuation(text: str) -> bool:
    """True when a paragraph starts like the rest of a sentence (a lower-case word)."""
    return bool(_CONTINUATION.match(text)) and not re.match(r"^(?:or|and)$", text)


_HEADING_SMALL = {"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


def is_heading(line: str) -> bool:
    """A short Title Case line without terminal punctuation, e.g. 'Role of MRD Evaluation'."""
    text = line.strip()
    if not text or len(text) > 70 or ends_open(text) is False or text.endswith("-"):
        return False
    words = text.split()
    if len(words) > 9 or not words[0][0].isupper():
        return False
    big = [w for w in words if w.lower() not in _HEADING_SMALL]
    return all(w[0].isupper() or not w[0].isalpha() for w in big)
