"""Page structure of a raw PDF extraction: split into pages, drop repeated spread copies.

Pure functions over lists of lines. The extraction marks each new PDF page by a line that
starts with a single space; algorithm pages come as two-page spreads whose text is extracted
once per page, so the second copy repeats the first almost verbatim.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

_PAGE_START = re.compile(r"^ \S")
# A page start whose content is only a glyph, a dash or footnote digits is a stray text box
# of the page before (e.g. " �", " 2", " 15,16"), not a new page.
_STRAY_START = re.compile(r"^ (?:[\W\d_]{1,8}|[\d,–\-]+)\s*$")
_MIN_DUP_CHARS = 40


@dataclass(frozen=True)
class Page:
    """One extracted page: its lines and the 0-based line number where it starts."""

    lines: tuple[str, ...]
    first_line: int
    number: int = 0  # 0-based page index in the extraction


@dataclass
class Tally:
    """Counts of what each repair changed, keyed by repair name."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, n: int = 1) -> None:
        if n:
            self.counts[name] += n


def split_pages(lines: list[str]) -> list[Page]:
    """Cut the extraction at page-start lines, keeping stray one-glyph boxes with their page."""
    starts = [0]
    for i, line in enumerate(lines):
        if i and _PAGE_START.match(line) and not _STRAY_START.match(line):
            starts.append(i)
    bounds = [*starts, len(lines)]
    return [Page(tuple(lines[a:b]), a, n) for n, (a, b) in enumerate(itertools.pairwise(bounds))]


def _key(line: str) -> str:
    return re.sub(r"\W+", "", line).lower()


def drop_repeated_lines(pages: list[Page], *, lookback: int = 3, tally: Tally) -> list[Page]:
    """Drop text a page repeats from the `lookback` pages before it; keep what only it has.

    The earlier copy is kept whole. A run of lines counts as repeated when it matches, in
    order, text of the earlier pages and holds at least 40 letters or digits, so isolated
    flowchart labels ("or", "CRp") that recur on unrelated pages are kept.
    """
    out: list[Page] = []
    for idx, page in enumerate(pages):
        reference = [
            k
            for prev in pages[max(0, idx - lookback) : idx]
            for line in prev.lines
            if (k := _key(line))
        ]
        positions = [i for i, line in enumerate(page.lines) if _key(line)]
        keys = [_key(page.lines[i]) for i in positions]
        drop: set[int] = set()
        matcher = difflib.SequenceMatcher(None, reference, keys, autojunk=False)
        for block in matcher.get_matching_blocks():
            run = positions[block.b : block.b + block.size]
            if sum(len(keys[j]) for j in range(block.b, block.b + block.size)) >= _MIN_DUP_CHARS:
                drop.update(run)
        tally.add("repeated_lines", len(drop))
        kept = tuple(line for i, line in enumerate(page.lines) if i not in drop)
        out.append(Page(kept, page.first_line, page.number))
    return out
