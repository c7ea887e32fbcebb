"""The shape of a page layout: the types a `Guideline` profile fills in (pure, no data).

A journal extraction is split into regions (front matter, algorithm pages, discussion) by the
first lines of its pages; section marks open the algorithm's sections, with their journal
pages; tables name the rows the extraction flattened. The 2015 ALL guideline's values are in
`allguide/guidelines/nccn_all_2015.py`; a plain document has no layout at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SectionMark:
    """A paragraph start that opens a section of the algorithm pages."""

    pattern: re.Pattern[str]
    section: str
    title: str
    page: int


def mark(pattern: str, section: str, title: str, page: int) -> SectionMark:
    """A `SectionMark` from a pattern string."""
    return SectionMark(re.compile(pattern), section, title, page)


@dataclass(frozen=True)
class TableRows:
    """A table of the algorithm pages whose rows the extraction flattened into paragraphs.

    `style="row"`: a row is its label, a space and the cell ("CR No circulating blasts …"),
    which may go on over several paragraphs; `style="definition"`: each row is a "label: …"
    line. Answers quote a row whole, under its table heading.
    """

    section: str
    heading: str
    style: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """The sections a broad question about a topic maps to, in the order an overview reads."""

    pattern: re.Pattern[str]
    sections: tuple[str, ...]


def topic(pattern: str, *sections: str) -> Topic:
    """A case-insensitive `Topic`."""
    return Topic(re.compile(pattern, re.I), sections)


@dataclass(frozen=True)
class PageLayout:
    """Where things are in one journal extraction: regions, journal pages, sections, furniture.

    `algorithm_sections` are in page order; a mark only fires after the marks before it.
    `front_pages` are the journal pages of the front region's extracted pages, in order; the
    discussion's extracted pages are numbered on from `discussion_first_page`.
    """

    algorithm_start: re.Pattern[str]
    discussion_start: re.Pattern[str]
    algorithm_sections: tuple[SectionMark, ...]
    front_pages: tuple[int, ...]
    discussion_first_page: int
    front_sections: Mapping[str, str]
    furniture: re.Pattern[str]
    displaced_labels: frozenset[str]
    tables: tuple[TableRows, ...] = ()
    boilerplate_sections: frozenset[str] = field(default_factory=frozenset)

    def regions(self, page_first_lines: list[str]) -> list[str]:
        """Region of each page: 'front' before the algorithm, 'algorithm', then 'discussion'."""
        out: list[str] = []
        region = "front"
        for line in page_first_lines:
            if region == "front" and self.algorithm_start.match(line):
                region = "algorithm"
            elif self.discussion_start.match(line):
                region = "discussion"
            out.append(region)
        return out

    def fits(self, page_first_lines: list[str]) -> bool:
        """Whether the pages have both region starts: a check on an explicit choice of
        profile, never a way to choose one."""
        regions = self.regions(page_first_lines)
        return "algorithm" in regions and "discussion" in regions


def first_topic(topics: tuple[Topic, ...], question: str) -> tuple[str, ...]:
    """The sections of the first of `topics` the question names (empty when none)."""
    for item in topics:
        if item.pattern.search(question):
            return item.sections
    return ()
