"""Text handling shared by every layer (pure): the sentence splitter, the stemmers, the
stopword lists and the drug lexicon.

Sentences
---------

A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets and any citation
markers such as ` [2]` or ` [all-c-029a2e051c]` after it) followed by whitespace and a
capital letter, an opening bracket or a quote, and always at a line break. It does not end
after an abbreviation ("et al.", "eg.", "e.g.", "i.e.", "vs.", "approx.", "Fig.") or after an
author's initials in a reference ("Gokbuget N, Hoelzer D. Treatment of…"). Decimals
("0.01%") and units ("≥5/mcL.") need no special case: a full stop inside a number has no
space after it, and one after a unit is a real end. `split_long_sentences` also cuts a
sentence longer than 420 characters at its semicolons (the quotable units of the index).

Two vocabularies, kept apart on purpose (merging them would move retrieval and the citation
verifier): `STOPWORDS`/`stem` tokenize for BM25 and the refusal gate; `SUPPORT_STOPWORDS`/
`support_stem` compare an answer sentence with a passage in `answer/citations.py`. The drug
lexicon is `DRUG_NAMES` (the drugs a follow-up question names, `answer/condense.py`) and
`DRUG_WORD` (any drug by its suffix, which the verifier requires verbatim); the TKI options of
the rule tools stay with their rule (`rules/tki.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# --- sentences ---------------------------------------------------------------------------

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


_MAX_SENTENCE = 420
_CLAUSE = re.compile(r"(?<=;)\s+")


def split_long_sentences(text: str) -> Iterator[tuple[int, int]]:
    """`split_sentences`, with a sentence over 420 characters cut after its semicolons into
    pieces of at least 40 characters (the last piece takes what is left)."""
    for start, end in split_sentences(text):
        if end - start <= _MAX_SENTENCE:
            yield start, end
            continue
        cursor = start
        for match in [*_CLAUSE.finditer(text, start, end), None]:
            stop = match.start() if match else end
            if stop - cursor >= 40 or match is None:
                yield cursor, stop
                cursor = match.end() if match else end


# --- retrieval vocabulary (BM25 tokens, the refusal gate) --------------------------------

STOPWORDS = frozenset(
    "a an and are as at be been but by can could do does for from had has have how i if in "
    "into is it its may me might of on or should so than that the their them there these they "
    "this to was we were what when where which while who whom why will with would you your".split()
)
_SUFFIXES = (
    "ements",
    "ement",
    "ments",
    "ment",
    "ations",
    "ation",
    "itions",
    "ition",
    "ings",
    "ing",
    "ied",
    "ies",
    "ed",
    "es",
    "s",
    "e",
)


def stem(word: str) -> str:
    """A light suffix stripper: 'measured'/'measurement' → 'measur', 'relapses' → 'relaps'."""
    if len(word) < 5 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


# --- citation-support vocabulary (answer/citations.py) -----------------------------------

SUPPORT_STOPWORDS = frozenset(
    """a an the and or nor but if of in on at to for from by with without within into onto
    about as than then so such that this these those there here it its it's they
    them their theirs he she his her we our you your i me my is are was were be been being
    am do does did done has have had having can could would will shall also which who whom
    whose what when where while how why all any both each other some more most very only
    just yes per via eg ie etc may might must should above below under over less fewer
    greater least""".split()  # comparison words: the passage writes < > ≥ instead
)


def support_stem(token: str) -> str:
    """A gentler stemmer than `stem` (plurals, -ing, -ed; codes and -ss/-us/-is words kept)."""
    if any(c.isdigit() for c in token):
        return token
    if token.endswith(("ss", "us", "is")):
        return token
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)] + replacement
    return token


# --- drug lexicon ------------------------------------------------------------------------

# The drugs (and drug classes) of the guideline a follow-up question may name.
DRUG_NAMES = re.compile(
    r"\b(?:imatinib|dasatinib|nilotinib|bosutinib|ponatinib|blinatumomab|clofarabine|"
    r"nelarabine|VSLI|inotuzumab|InO|rituximab|pegaspargase|PEG|Erwinia|asparaginase|"
    r"methotrexate|glucarpidase|leucovorin|cytarabine|CTL019|19-28z|tocilizumab|"
    r"antifungal|antiviral|antibacterial)\b",
    re.I,
)
# A lower-case drug name by its suffix (-nib, -mab, -arabine, ...).
DRUG_WORD = re.compile(
    r"[a-z]+(?:nib|mab|arabine|rubicin|mycin|micin|trexate|purine|guanine|isone|asone|olone"
    r"|cristine|phamide|famide|spargase|paraginase|poside|zomib)"
)
