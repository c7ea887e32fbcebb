"""How well a unit answers a question: named features, weighted (pure).

Every candidate unit gets one row of `FEATURES`: embedding similarity to the question,
IDF-weighted word overlap, its passage's rank and a few features that need no model (a
definition or table row whose label is the asked term, a number for a quantity question, a
recommendation for a what-to-do question, a penalty for long units and for units that only echo
the question). Its score is that row times `WEIGHTS`. `Ask` is the question as the scorer and
the composer (`compose.py`) see it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from allguide.answer.classify import Question
from allguide.answer.terms import label_matches, names, parts_in, tokens
from allguide.corpus.units import Unit
from allguide.retrieval.lexical import clinical_tokens
from allguide.types import Chunk

# The unit score is a weighted sum of these features (see `feature_rows`); the weights
# were tuned on the dev split of evals/qa.jsonl only (evals/results/latest.md).
WEIGHTS: Mapping[str, float] = {
    "similarity": 1.0,  # cosine of unit and standalone query (MiniLM)
    "overlap": 0.5,  # IDF-weighted share of the query's words in the unit (and its heading)
    "turn_overlap": 0.1,  # a follow-up's own words, beyond the condensed query's
    "rank": 0.2,  # 1 / (1 + rank of the unit's passage)
    "length": 0.05,  # per 250 characters beyond 250: long units match more words
    "echo": -0.1,  # share of the unit's words that only repeat the question
    "said": -0.3,  # every number of the unit was already said in the conversation
    "number": 0.08,  # a number, for a quantity question
    "frequency": 0.08,  # "accounts for 12%…", for a how-common question
    "defining": 0.05,  # a definition or table row, for a definition question
    "label": 0.5,  # … whose label is the asked term
    "qualifier": -0.3,  # per heading word ("Mediastinal") the question does not use
    "recommends": 0.3,  # a recommendation, for a what-to-do or overview question
    "listed": 0.06,  # a list item or regimen line, for a which-options question
    "rare": 0.0,  # the unit has the question's two rarest words
    "previous": 0.1,  # similarity of the unit before it in its passage (a study, then its result)
    "copula": -0.05,  # says what the question's subject is ("X is a …", "is defined as")
    "bigrams": 0.0,  # share of the question's word pairs found in the unit
    "heading": 1.0,  # share of the query's words in the heading, lead-in or page title above
    "names": 0.6,  # starts by saying what the asked term is ("ALL is a heterogeneous …")
    "fragment": 0.0,  # not a full sentence (an algorithm box), in an overview
}
FEATURES: tuple[str, ...] = tuple(WEIGHTS)
WEIGHT_VECTOR = np.asarray([WEIGHTS[f] for f in FEATURES], dtype=np.float32)
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*%|\b\d+(?:\.\d+)?\b")
# A quantity in words: "every month", "weekly".
_INTERVAL = re.compile(
    r"\bevery (?:\w+ )?(?:day|week|month|year)s?\b|\b(?:daily|weekly|monthly|yearly|annually)\b",
    re.I,
)
# How a text states how common something is ("accounts for 12% of …", "seen in 15%").
_FREQUENCY = re.compile(
    r"\b(?:accounts? for|represents?|incidence|frequency|frequent|prevalen\w+|occurs? in|"
    r"seen in|found in|observed in|common|rare|uncommon|approximately \d+%|about \d+%)\b",
    re.I,
)
# A unit that says what something is.
_COPULA = re.compile(
    r"\b(?:is|are) (?:an?|the|defined|characteri[sz]ed|considered|classified)\b|\bdefined as\b|"
    r"\brefers? to\b|\bconsists? of\b|\bis (?:currently|commonly|now)\b",
    re.I,
)
FREQUENCY_QUESTION = re.compile(
    r"\bhow (?:common|often|frequent\w*|rare|prevalent)\b|\bfrequency\b|\bincidence\b|"
    r"\bprevalence\b|\bwhat (?:percentage|proportion|fraction|share) of (?:patients|cases)\b",
    re.I,
)
_GENERIC_CONTEXT = frozenset(
    "response criteria for disease classification of status blood and bone marrow".split()
)


@dataclass(frozen=True)
class Ask:
    """One question as the composer sees it."""

    question: Question
    vector: np.ndarray  # the standalone query's embedding (normalized)
    tokens: Sequence[str]  # the standalone query's tokens
    turn_tokens: Sequence[str] = ()  # a follow-up's own tokens ("And in adults?")
    said: str = ""  # what the assistant already said in the conversation
    mutations: Sequence[str] = ()  # ABL1 mutations the question names
    sections: Sequence[str] = ()  # the sections an overview's topic maps to
    frequency: bool = False  # asks how common something is


def idf_weights(chunks: Sequence[Chunk]) -> dict[str, float]:
    """Inverse document frequency of each token over the chunks."""
    df: dict[str, int] = {}
    for chunk in chunks:
        for token in set(clinical_tokens(chunk.text)):
            df[token] = df.get(token, 0) + 1
    n = len(chunks)
    return {t: math.log(1 + n / d) for t, d in df.items()}


def lexical_overlap(query_tokens: Sequence[str], text: str, idf: Mapping[str, float]) -> float:
    """IDF-weighted share of the query's tokens that the text contains, in [0, 1]."""
    wanted = {t: idf.get(t, 1.0) for t in query_tokens}
    if not wanted:
        return 0.0
    have = set(tokens(text))
    found = sum(w for t, w in wanted.items() if t in have or parts_in(t, have))
    return found / sum(wanted.values())


def _echo(query_tokens: Sequence[str], text: str) -> float:
    """How much a unit only repeats the question (1: every word of it is in the question)."""
    words = [t for t in tokens(text) if len(t) > 2]
    if not words:
        return 1.0
    asked = set(query_tokens)
    return sum(1 for t in words if t in asked) / len(words)


def feature_rows(
    ask: Ask,
    candidates: Sequence[Unit],
    similarity: np.ndarray,
    rank: Mapping[str, int],
    asked: set[str],
    *,
    idf: Mapping[str, float],
    titles: Mapping[str, str],
) -> np.ndarray:
    """One row of `FEATURES` per candidate (the score is this matrix times `WEIGHTS`).

    `similarity` is each candidate's cosine to the query, `rank` its passage's retrieval rank,
    `asked` the asked term's keys, `idf` the index's token weights and `titles` the page title
    of each chunk."""
    kind = ask.question.kind
    far = len(rank)
    said = set(_NUMBER.findall(ask.said)) if ask.said else set()
    rare = _rarest(ask.tokens, idf)
    subject = rare[:1]
    pairs = _bigrams(ask.tokens)
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    for i, u in enumerate(candidates):
        before = i > 0 and candidates[i - 1].chunk_id == u.chunk_id
        text = u.display
        numbers = set(_NUMBER.findall(text))
        defining = kind in ("definition", "criteria") and u.kind in ("definition", "row")
        have = set(tokens(text))
        rows[i] = (
            float(similarity[i]),
            lexical_overlap(ask.tokens, f"{u.context} {text}", idf),
            lexical_overlap(ask.turn_tokens, text, idf) if ask.turn_tokens else 0.0,
            1.0 / (1 + rank.get(u.chunk_id, far)),
            max(0, len(text) - 250) / 250,
            _echo(ask.tokens, text),
            float(bool(said and numbers and numbers <= said)),
            float(kind == "quantity" and bool(numbers or _INTERVAL.search(text))),
            float(kind == "quantity" and ask.frequency and bool(_FREQUENCY.search(text))),
            float(defining),
            float(defining and bool(u.label) and label_matches(u.label, asked)),
            float(_qualifiers_missing(u.context, ask.tokens)) if defining else 0.0,
            float(kind in ("recommendation", "overview") and u.kind == "recommendation"),
            float(kind == "options" and u.kind in ("list_item", "definition")),
            float(bool(rare) and all(t in have or parts_in(t, have) for t in rare)),
            float(similarity[i - 1]) if before else 0.0,
            float(bool(subject) and subject[0] in have and bool(_COPULA.search(text))),
            len(pairs & _bigrams(tokens(text))) / len(pairs) if pairs else 0.0,
            lexical_overlap(ask.tokens, f"{u.context} {titles.get(u.chunk_id, '')}", idf),
            float(bool(asked) and names(text, asked)),
            float(kind == "overview" and not text.rstrip().endswith((".", "?", "!"))),
        )
    return rows


def weighed(rows: np.ndarray) -> list[float]:
    """Each candidate's score from its `feature_rows` row: the row times `WEIGHTS`."""
    return [float(x) for x in rows @ WEIGHT_VECTOR]


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    words = [t for t in tokens if len(t) > 1]
    return set(itertools.pairwise(words))


def _rarest(tokens: Sequence[str], idf: Mapping[str, float], n: int = 2) -> list[str]:
    """The question's `n` rarest known tokens (what a unit that answers it must mention)."""
    known = sorted({t for t in tokens if t in idf}, key=lambda t: -idf[t])
    return known[:n]


def _qualifiers_missing(context: str, query_tokens: Sequence[str]) -> int:
    """Words of a heading ("Mediastinal") that narrow it and that the question does not use."""
    words = {t for t in tokens(context) if t not in _GENERIC_CONTEXT}
    return len(words - set(query_tokens))
