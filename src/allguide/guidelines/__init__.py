"""The `Guideline` profiles a corpus document can be read with, chosen by `corpus/documents.toml`.

Selection is explicit: a file listed there gets the profile it names, any other file the
generic one. Nothing is sniffed from the text. Answers derive their note, and the chain its
topic sections, from the profiles of the chunks they use.
"""

from __future__ import annotations

from collections.abc import Iterable

from allguide.corpus.layout import first_topic
from allguide.errors import CorpusError
from allguide.guidelines.nccn_all_2015 import NCCN_ALL_2015
from allguide.guidelines.profile import GENERIC, Guideline
from allguide.types import Chunk

__all__ = [
    "GENERIC",
    "NCCN_ALL_2015",
    "PROFILES",
    "Guideline",
    "edition_note",
    "get_profile",
    "topic_sections",
]

PROFILES: dict[str, Guideline] = {p.id: p for p in (NCCN_ALL_2015, GENERIC)}


def get_profile(profile_id: str) -> Guideline:
    """The profile named `profile_id`; CorpusError for a name no profile has."""
    try:
        return PROFILES[profile_id]
    except KeyError:
        known = ", ".join(PROFILES)
        raise CorpusError(f"unknown guideline profile {profile_id!r} (known: {known})") from None


def edition_note(cited: Iterable[Chunk], indexed: Iterable[Chunk]) -> str:
    """The note for an answer: one per document it cites, in order of first citation.

    An answer that cites nothing (a refusal, a clarifying question) gets the notes of the
    guidelines in the index, since it speaks for them; plain documents add none then.
    """
    documents = list(dict.fromkeys((c.profile, c.source_title, c.source) for c in cited))
    if not documents:
        documents = list(
            dict.fromkeys(
                (c.profile, c.source_title, c.source) for c in indexed if c.profile != GENERIC.id
            )
        )
    notes = (get_profile(p).note_for(title=t, source=s) for p, t, s in documents)
    return " ".join(dict.fromkeys(notes))


def topic_sections(question: str, profile_ids: Iterable[str]) -> tuple[str, ...]:
    """The sections a broad question maps to in the indexed profiles (empty when none)."""
    for profile_id in profile_ids:
        sections = first_topic(get_profile(profile_id).topics, question)
        if sections:
            return sections
    return ()
