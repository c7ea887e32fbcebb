"""The citation verifier for LLM answers (pure): ids → numbered citations, unsupported text out.

The model cites passage ids in square brackets. `verify` keeps a sentence only if it cites at
least one retrieved passage that supports it by itself (`support(sentence, passage) >=
threshold`); ids that were not retrieved, and cited passages that do not support the sentence,
lose their marker. Survivors are renumbered `[1]`, `[2]`… in order of first use, and each
citation quotes, verbatim, the sentence of the chunk that best supports the citing sentence.
Whatever the model writes (including "all sentences are supported" or a reference list), only
this check decides what reaches the user.

`lexical_support` is content-word recall: the share of the sentence's content words (stop
words, comparison words and citation markers removed, light plural/-ed/-ing stemming, the
passage's abbreviations expanded) found in the passage. Any number, letter-digit code (T315I)
or drug name of the sentence that the passage lacks makes the support 0 ("24 Gy" is not
"18 Gy", dasatinib is not ponatinib). It is a grounding check, not entailment.

Threshold (`Settings.answer.support_threshold`, default 0.50), calibrated on 37 sentences a
model could write, scored against the real chunk they cite (the cases are in
tests/test_citations.py): 23 faithful or loose paraphrases scored 0.50–1.00 (median 0.88);
14 fabricated claims scored 0.00–0.29, except 2 that reuse the passage's own words ("Ponatinib
is effective against T315A mutations" 1.00, since the same footnote lists T315A for other
TKIs; "Lumbar puncture should be repeated monthly in adults with CNS disease" 0.71). 0.50 sits
in the gap: raising it drops loose paraphrases first, lowering it admits topic-only sentences.
What no lexical threshold catches: negation, "may" vs "should", and claims assembled from
words of different sentences of one passage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from allguide.retrieval.expand import expand_abbreviations
from allguide.text import DRUG_WORD, SUPPORT_STOPWORDS, split_sentences, support_stem
from allguide.types import Chunk, Citation

Support = Callable[[str, str], float]

# One run of adjacent bracket groups, e.g. " [all-c-029a2e051c][all-e-1a2b3c4d5e, x]".
_MARKERS = re.compile(r"(?:[ \t]*\[[^\[\]\n]*\])+")
_GROUP = re.compile(r"\[([^\[\]\n]*)\]")
_ID_SEP = re.compile(r"[,;\s]+")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.\d+)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_SUPERSCRIPTS = str.maketrans(
    {s: f" {d}" for s, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True)}
)
# Words that say the answer is from the guideline (not claims) and the year of the edition.
_META = frozenset({"according", "guideline", "guidelines", "nccn", "passage", "text", "2015"})


@dataclass(frozen=True)
class Dropped:
    """A sentence of the model's answer that did not survive, and why."""

    sentence: str
    reason: str


@dataclass(frozen=True)
class Verified:
    """The checked answer: text with `[n]` markers, its citations, and what was removed."""

    text: str
    citations: tuple[Citation, ...]
    dropped: tuple[Dropped, ...]
    rejected_ids: tuple[str, ...]  # cited ids that were not retrieved, in order of appearance
    refused: bool  # True when no sentence survived


def verify(
    text: str, retrieved: Mapping[str, Chunk], *, support: Support, threshold: float
) -> Verified:
    """Check every sentence of `text` against the passages it cites (see the module doc)."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    dropped: list[Dropped] = []
    rejected: list[str] = []
    lines: list[str] = []
    for line in text.splitlines():
        kept: list[str] = []
        for start, end in sentence_spans(line):
            sentence = line[start:end]
            ids = cited_ids(sentence)
            rejected.extend(i for i in ids if i not in retrieved and i not in rejected)
            bare = strip_markers(sentence)
            valid = [i for i in ids if i in retrieved]
            if not _TOKEN.search(bare.lower()):
                continue  # a stray marker or punctuation, nothing to claim
            if not valid:
                dropped.append(Dropped(bare, _no_citation_reason(ids)))
                continue
            scores = {i: support(bare, retrieved[i].text) for i in valid}
            best = max(scores.values())
            if best < threshold:
                dropped.append(Dropped(bare, f"unsupported: support {best:.2f} < {threshold:.2f}"))
                continue
            keep = [i for i in valid if scores[i] >= threshold]
            for i in (i for i in keep if i not in numbers):
                numbers[i] = len(numbers) + 1
                quote = best_quote(bare, retrieved[i].text, support=support, threshold=threshold)
                citations.append(Citation.of(retrieved[i], n=numbers[i], quote=quote))
            kept.append(_renumber(sentence, set(keep), numbers))
        if kept:
            lines.append(" ".join(kept))
    return Verified(
        text="\n".join(lines),
        citations=tuple(citations),
        dropped=tuple(dropped),
        rejected_ids=tuple(rejected),
        refused=not citations,
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` (`allguide.text.split_sentences`): markers stay
    with the sentence they follow, lines stay apart."""
    return split_sentences(text)


def cited_ids(sentence: str) -> list[str]:
    """Every id inside square brackets in `sentence`, in order, without repeats."""
    ids: dict[str, None] = {}
    for group in _GROUP.finditer(sentence):
        tokens = (t.strip("`'\"") for t in _ID_SEP.split(group.group(1)))
        ids.update(dict.fromkeys(t for t in tokens if t))
    return list(ids)


def strip_markers(sentence: str) -> str:
    """The sentence without its bracket markers, spaces tidied."""
    return re.sub(r"\s+", " ", _MARKERS.sub("", sentence)).strip()


def best_quote(sentence: str, passage: str, *, support: Support, threshold: float) -> str:
    """The passage sentence (or two adjacent ones) that best supports `sentence`, verbatim."""
    spans = sentence_spans(passage) or [(0, len(passage))]
    scores = {span: support(sentence, passage[span[0] : span[1]]) for span in spans}
    if max(scores.values()) < threshold:
        for a, b in pairwise(spans):
            scores[(a[0], b[1])] = support(sentence, passage[a[0] : b[1]])
    # max() keeps the first of equal scores: single sentences, in reading order, come first.
    start, end = max(scores, key=scores.__getitem__)
    return passage[start:end]


def lexical_support(sentence: str, passage_text: str) -> float:
    """Share of the sentence's content words found in the passage; 0 if a number, code or
    drug name of the sentence is missing from it."""
    if not _numbers(sentence) <= _numbers(passage_text):
        return 0.0
    wanted = _content(sentence)
    found = _content(expand_abbreviations(passage_text))
    if not wanted or not {t for t in wanted if _is_key(t)} <= found:
        return 0.0
    return len(wanted & found) / len(wanted)


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_SUPERSCRIPTS)).lower()
    return _THOUSANDS.sub("", text)


def _numbers(text: str) -> set[str]:
    return set(_NUMBER.findall(_normal(strip_markers(text)))) - _META


def _content(text: str) -> set[str]:
    tokens = _TOKEN.findall(_normal(strip_markers(text)))
    return {
        support_stem(t)
        for t in tokens
        if t not in SUPPORT_STOPWORDS and t not in _META and (len(t) > 1 or t.isdigit())
    }


def _is_key(token: str) -> bool:
    """A code with letters and digits (T315I, ABL1) or a drug name."""
    has_digit = any(c.isdigit() for c in token)
    return (has_digit and not token.replace(".", "").isdigit()) or bool(DRUG_WORD.fullmatch(token))


def _renumber(sentence: str, keep: set[str], numbers: Mapping[str, int]) -> str:
    """Each marker run → " [n][m]" for its kept ids; runs with none kept vanish."""

    def render(match: re.Match[str]) -> str:
        ids = [i for i in cited_ids(match.group()) if i in keep]
        return " " + "".join(f"[{numbers[i]}]" for i in ids) if ids else ""

    return re.sub(r"\s+", " ", _MARKERS.sub(render, sentence)).strip()


def _no_citation_reason(ids: list[str]) -> str:
    if ids:
        return f"cites only ids that were not retrieved: {', '.join(ids)}"
    return "no citation"
