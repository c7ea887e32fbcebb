"""The `Guideline` profile: everything allguide knows about one kind of corpus document.

A profile is data. It says how the document is cleaned (its page layout, or none), what it is
cited as (title, edition, citation line), the note an answer quoting it ends with, the topics
that map broad questions to its sections, its abbreviations and the rule tools built on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from allguide.corpus.layout import PageLayout, Topic

_TITLE_CHARS = 100


@dataclass(frozen=True)
class Guideline:
    """One document family. `title` empty means each document is titled by itself."""

    id: str
    title: str
    name: str  # how prose refers to it: "2015 NCCN ALL guideline"
    long_name: str  # how a prompt introduces it
    edition: str
    year: int | None
    citation: str
    note: str  # str.format fields: {title}, {source}
    layout: PageLayout | None = None
    topics: tuple[Topic, ...] = ()
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[str, ...] = ()  # names of the registered RuleSpecs that apply its definitions

    def document_title(self, source: str, text: str, *, given: str = "") -> str:
        """What a document of this profile is cited as: the profile's title; for a plain
        document the title `documents.toml` gives, else its first line when that reads as a
        title, else its file name without `.txt`."""
        if self.title:
            return self.title
        if given.strip():
            return given.strip()
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if first and len(first) <= _TITLE_CHARS and not first.endswith((".", ":", ";", ",")):
            return first
        return source.removesuffix(".txt")

    def note_for(self, *, title: str, source: str) -> str:
        """The note an answer quoting a document of this profile ends with."""
        return self.note.format(title=title, source=source)


GENERIC = Guideline(
    id="generic",
    title="",
    name="",
    long_name="",
    edition="",
    year=None,
    citation="",
    note="Quoted from {title} ({source}), a document added to the corpus.",
)
"""A plain text document: generic cleaning, sections from its headings, no journal pages."""
