"""Text handling shared by every layer (pure): the project's one sentence splitter.

A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets and any citation
markers such as ` [2]` or ` [all-c-029a2e051c]` after it) followed by whitespace and a
capital letter, an opening bracket or a quote, and always at a line break. It does not end
after an abbreviation ("et al.", "eg.", "e.g.", "i.e.", "vs.", "approx.", "Fig.") or after an
author's initials in a reference ("Gokbuget N, Hoelzer D. Treatment of…"). Decimals
("0.01%") and units ("≥5/mcL.") need no special case: a full stop inside a number has no
space after it, and one after a unit is a real end.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?]+[\"”')\]]*(?:[ \t]*\[[^\[\]\n]*\])*")
_NEXT = re.compile(r"[ \t]+(?=[A-Z(\[“\"‘'])")
_ABBREVIATION = re.compile(
    r"(?:\bet al|\be\.g|\beg|\bi\.e|\bie|\bvs|\bapprox|\bFig|\bfig|\bcf|\bp|\bpp|\bDr|\bSt)$"
)
# "Gokbuget N, Hoelzer D." / "Stock W." at the start of a text or after a comma: a surname and
# one or two capital initials. ("in first CR." has a lower-case word before the initials.)
_AUTHOR_INITIALS = re.compile(r"(?:^|[,;]\s|\n)\s*[A-Z][A-Za-z'’\-]+ [A-Z]{1,2}$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace-trimmed, in order."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for match in _END.finditer(line):
            nxt = _NEXT.match(line, match.end())
            if nxt is None or _no_end_after(line[start : match.start()]):
                continue
            spans.append((offset + start, offset + match.end()))
            start = nxt.end()
        spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _no_end_after(before: str) -> bool:
    """The full stop closes an abbreviation or an author's initials, not a sentence."""
    return bool(_ABBREVIATION.search(before) or _AUTHOR_INITIALS.search(before))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
