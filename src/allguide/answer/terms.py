"""How an asked term meets a unit's words (pure): tokens, abbreviations, labels, names.

A definition question asks about a term ("complete remission", "Ph-like ALL"); the guideline
labels its definitions and table rows with abbreviations ("CR", "(CRi)"). `term_keys` gives a
term's tokens with the guideline's abbreviation, `label_matches` tells whether a unit's label is
the asked term and `names` whether a unit opens by saying what the term is. The unit scorer
(`features.py`), the selection (`selection.py`) and the composer share them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from allguide.retrieval.lexical import clinical_tokens

# Words a question may use for a term the guideline abbreviates in its labels.
_SYNONYMS: Mapping[str, str] = {
    "complete remission": "cr",
    "complete response": "cr",
    "incomplete blood count recovery": "cri",
    "incomplete count recovery": "cri",
    "partial response": "pr",
    "partial remission": "pr",
    "progressive disease": "pd",
    "progression": "pd",
    "no response": "nr",
    "unconfirmed": "cru",
    "refractory": "refractory",
    "relapsed": "relapse",
    "early t-cell precursor": "etp",
}
_GENERIC_LABEL = frozenset(clinical_tokens("disease status response criteria regimen"))


@functools.lru_cache(maxsize=16384)
def tokens(text: str) -> tuple[str, ...]:
    """`clinical_tokens`, remembered: the same units are scored for question after question."""
    return tuple(clinical_tokens(text))


def parts_in(token: str, have: set[str]) -> bool:
    """A compound ("etp-all") whose parts are all there ("ETP ALL")."""
    parts = [p for p in re.split(r"[-+/]", token) if p]
    return len(parts) > 1 and all(p in have for p in parts)


def term_keys(text: str) -> set[str]:
    """Tokens of a term or question, with the guideline's abbreviation for spelled-out terms
    ("complete remission" → "cr") and the abbreviation inside brackets ("(CRi)" → "cri")."""
    low = " ".join(text.lower().split())
    keys = set(tokens(low))
    for words, abbreviation in _SYNONYMS.items():
        if words in low:
            keys.add(abbreviation)
    keys.update(b.lower() for b in re.findall(r"\(([A-Za-z][\w\-]*)\)", text))
    return keys


_NAMES = re.compile(
    r"^(?P<subject>.{2,70}?)\s(?:is|are)\s(?:an?|the|defined|characteri[sz]ed|considered)\b"
)


def names(text: str, asked: set[str]) -> bool:
    """The text opens by saying what the asked term is: "Philadelphia-like (Ph-like) ALL is a
    subgroup …" names "Ph-like ALL"."""
    found = _NAMES.match(text)
    if not found:
        return False
    subject = term_keys(found.group("subject"))
    subject |= {part for t in subject for part in re.split(r"[-+/]", t) if part}
    return bool(asked) and all(t in subject or parts_in(t, subject) for t in asked)


def label_matches(label: str, asked: set[str]) -> bool:
    """The label's abbreviation (or all its words) are among the asked term's keys."""
    keys = term_keys(label)
    inner = {b.lower() for b in re.findall(r"\(([A-Za-z][\w\-]*)\)", label)}
    if inner and inner <= asked:
        return True
    plain = set(tokens(re.sub(r"\([^)]*\)", " ", label))) - _GENERIC_LABEL
    return (bool(plain) and plain <= asked) or (bool(keys) and keys <= asked)
