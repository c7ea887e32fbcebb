"""Choose and order the guideline units that answer a question, by its kind (pure).

Every candidate is a quotable unit (`corpus/units.py`) of the retrieved passages, scored by
embedding similarity to the question, IDF-weighted word overlap, its passage's rank and a few
features that need no model: a definition or table row whose label is the asked term, a number
for a quantity question, a recommendation for a what-to-do question, a penalty for long units
and for units that only echo the question. Then, for the question's kind:

- definition / criteria: the unit defining the term leads (looked up by label in the whole
  index when the retrieved passages miss it); a table row is quoted whole;
- overview: 3–6 units from different passages of the one or two sections the question maps
  to, grouped under their section, in reading order after the best one;
- otherwise: the best unit leads, the rest follow their passages' retrieval order.

Nothing said twice (near-duplicate embeddings, or one unit's words inside another's), and
nothing a reader could take to apply when it does not: when the question names ABL1
mutations, a unit that names other mutations and none of the asked ones is left out.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from allguide.answer.classify import Question
from allguide.answer.units import UnitIndex
from allguide.corpus.units import Unit
from allguide.retrieval.lexical import clinical_tokens
from allguide.settings import EmbeddingSettings
from allguide.types import Chunk

# The cut-offs on similarity-scaled scores (near-duplicate cosine, relative and overview floors,
# re-rank weight) depend on the model's score range: `EmbeddingSettings` (MiniLM's values).
_SAME_WORDS = 0.8  # share of a unit's words found in an already chosen one
_PER_CHUNK = 2
# The unit score is a weighted sum of these features (see `Composer.features`); the weights
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
_WEIGHT_VECTOR = np.asarray([WEIGHTS[f] for f in FEATURES], dtype=np.float32)
_OVERVIEW_MAX = 6
_OVERVIEW_SECTIONS = 2

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
_MUTATION = re.compile(r"\b[A-Z]\d{3}[A-Z](?:/[A-Z])*\b")
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


@dataclass(frozen=True)
class Section:
    """Units of one section of an overview, in reading order."""

    name: str
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Selection:
    """What the answer quotes: `units` in order; for an overview, also their sections."""

    units: tuple[Unit, ...]
    sections: tuple[Section, ...] = ()


@functools.lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    """`clinical_tokens`, remembered: the same units are scored for question after question."""
    return tuple(clinical_tokens(text))


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
    have = set(_tokens(text))
    found = sum(w for t, w in wanted.items() if t in have or _parts_in(t, have))
    return found / sum(wanted.values())


def _parts_in(token: str, have: set[str]) -> bool:
    """A compound ("etp-all") whose parts are all there ("ETP ALL")."""
    parts = [p for p in re.split(r"[-+/]", token) if p]
    return len(parts) > 1 and all(p in have for p in parts)


def _echo(query_tokens: Sequence[str], text: str) -> float:
    """How much a unit only repeats the question (1: every word of it is in the question)."""
    tokens = [t for t in _tokens(text) if len(t) > 2]
    if not tokens:
        return 1.0
    asked = set(query_tokens)
    return sum(1 for t in tokens if t in asked) / len(tokens)


def term_keys(text: str) -> set[str]:
    """Tokens of a term or question, with the guideline's abbreviation for spelled-out terms
    ("complete remission" → "cr") and the abbreviation inside brackets ("(CRi)" → "cri")."""
    low = " ".join(text.lower().split())
    keys = set(_tokens(low))
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
    return bool(asked) and all(t in subject or _parts_in(t, subject) for t in asked)


def label_matches(label: str, asked: set[str]) -> bool:
    """The label's abbreviation (or all its words) are among the asked term's keys."""
    keys = term_keys(label)
    inner = {b.lower() for b in re.findall(r"\(([A-Za-z][\w\-]*)\)", label)}
    if inner and inner <= asked:
        return True
    plain = set(_tokens(re.sub(r"\([^)]*\)", " ", label))) - _GENERIC_LABEL
    return (bool(plain) and plain <= asked) or (bool(keys) and keys <= asked)


class Composer:
    """Picks the units of an answer from the index, for one question at a time."""

    def __init__(
        self,
        index: UnitIndex,
        idf: Mapping[str, float],
        chunks: Sequence[Chunk],
        *,
        calibration: EmbeddingSettings | None = None,
    ) -> None:
        self._calibration = calibration or EmbeddingSettings()
        self._index = index
        self._idf = idf
        self._by_section: dict[str, list[Chunk]] = {}
        self._titles: dict[str, str] = {}
        for chunk in chunks:
            self._by_section.setdefault(chunk.section, []).append(chunk)
            self._titles[chunk.chunk_id] = chunk.title

    def select(self, ask: Ask, ranked: Sequence[Chunk], *, max_units: int) -> Selection:
        """The units that answer `ask` from the `ranked` passages (best first); an overview
        draws on the whole of the sections its topic maps to."""
        question = ask.question
        rank = {c.chunk_id: r for r, c in enumerate(ranked)}
        if question.kind == "overview" and ask.sections:
            ranked = [c for name in ask.sections for c in self._by_section.get(name, [])]
        candidates = [u for c in ranked for u in self._index.units(c.chunk_id)]
        asked = term_keys(question.term) if question.term else set()
        defining = self._defining(asked) if question.kind in ("definition", "criteria") else []
        candidates += [u for u in defining if u not in candidates]
        candidates = [u for u in candidates if _applies(u, ask.mutations)]
        if not candidates:
            return Selection(())
        vectors = self._index.vectors([u.row for u in candidates])
        scores = self._scores(ask, candidates, vectors @ ask.vector, rank, asked)
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        if defining:  # the defining unit leads, whatever else scores higher
            lead = next(i for i in order if candidates[i] in defining)
            order = [lead, *(i for i in order if i != lead)]
        chosen = _diverse(
            order, candidates, vectors, scores, max_units, question.kind, self._calibration
        )
        if question.kind == "overview":
            return _overview(chosen, candidates, ranked, ask.sections)
        picked = [candidates[i] for i in chosen]
        far = len(ranked)
        rest = sorted(picked[1:], key=lambda u: (rank.get(u.chunk_id, far), u.start))
        return Selection((*picked[:1], *rest))

    def rerank(self, ask: Ask, ranked: Sequence[Chunk], fused: Sequence[float]) -> list[float]:
        """New passage scores: the fused retrieval score (min-max normalized) plus the score of
        the passage's best unit, so that the passage that states the answer comes first."""
        if not ranked:
            return []
        low, high = min(fused), max(fused)
        spread = (high - low) or 1.0
        rank = {c.chunk_id: r for r, c in enumerate(ranked)}
        asked = term_keys(ask.question.term) if ask.question.term else set()
        out: list[float] = []
        for chunk, score in zip(ranked, fused, strict=True):
            units = self._index.units(chunk.chunk_id)
            best = 0.0
            if units:
                vectors = self._index.vectors([u.row for u in units])
                best = max(self._scores(ask, units, vectors @ ask.vector, rank, asked))
            out.append((score - low) / spread + self._calibration.rerank_weight * best)
        return out

    def _defining(self, asked: set[str]) -> list[Unit]:
        if not asked:
            return []
        return [
            u
            for label, units in self._index.labelled().items()
            if label_matches(label, asked)
            for u in units
            if u.quotable
        ]

    def features(
        self,
        ask: Ask,
        candidates: Sequence[Unit],
        similarity: np.ndarray,
        rank: Mapping[str, int],
        asked: set[str],
    ) -> np.ndarray:
        """One row of `FEATURES` per candidate (the score is this matrix times `WEIGHTS`)."""
        kind = ask.question.kind
        far = len(rank)
        said = set(_NUMBER.findall(ask.said)) if ask.said else set()
        rare = _rarest(ask.tokens, self._idf)
        subject = rare[:1]
        pairs = _bigrams(ask.tokens)
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        for i, u in enumerate(candidates):
            before = i > 0 and candidates[i - 1].chunk_id == u.chunk_id
            text = u.display
            numbers = set(_NUMBER.findall(text))
            defining = kind in ("definition", "criteria") and u.kind in ("definition", "row")
            have = set(_tokens(text))
            rows[i] = (
                float(similarity[i]),
                lexical_overlap(ask.tokens, f"{u.context} {text}", self._idf),
                lexical_overlap(ask.turn_tokens, text, self._idf) if ask.turn_tokens else 0.0,
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
                float(bool(rare) and all(t in have or _parts_in(t, have) for t in rare)),
                float(similarity[i - 1]) if before else 0.0,
                float(bool(subject) and subject[0] in have and bool(_COPULA.search(text))),
                len(pairs & _bigrams(_tokens(text))) / len(pairs) if pairs else 0.0,
                lexical_overlap(
                    ask.tokens, f"{u.context} {self._titles.get(u.chunk_id, '')}", self._idf
                ),
                float(bool(asked) and names(text, asked)),
                float(kind == "overview" and not text.rstrip().endswith((".", "?", "!"))),
            )
        return rows

    def _scores(
        self,
        ask: Ask,
        candidates: Sequence[Unit],
        similarity: np.ndarray,
        rank: Mapping[str, int],
        asked: set[str],
    ) -> list[float]:
        rows = self.features(ask, candidates, similarity, rank, asked)
        return [float(x) for x in rows @ _WEIGHT_VECTOR]


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    words = [t for t in tokens if len(t) > 1]
    return set(itertools.pairwise(words))


def _rarest(tokens: Sequence[str], idf: Mapping[str, float], n: int = 2) -> list[str]:
    """The question's `n` rarest known tokens (what a unit that answers it must mention)."""
    known = sorted({t for t in tokens if t in idf}, key=lambda t: -idf[t])
    return known[:n]


def _qualifiers_missing(context: str, query_tokens: Sequence[str]) -> int:
    """Words of a heading ("Mediastinal") that narrow it and that the question does not use."""
    words = {t for t in _tokens(context) if t not in _GENERIC_CONTEXT}
    return len(words - set(query_tokens))


def _applies(unit: Unit, mutations: Sequence[str]) -> bool:
    """False for a unit about other ABL1 mutations than the asked ones."""
    if not mutations:
        return True
    named = set(_MUTATION.findall(unit.text))
    if not named:
        return True
    asked = {m.upper() for m in mutations}
    return any(_covers(n, asked) for n in named)


def _covers(named: str, asked: set[str]) -> bool:
    """'F317L/V/I/C' covers F317L, F317V, F317I and F317C."""
    head, *alternatives = named.split("/")
    stem = head[:-1]
    return any(m in asked for m in [head, *(stem + a for a in alternatives)])


def _words(text: str) -> set[str]:
    return {t for t in _tokens(text) if len(t) > 2}


def _diverse(
    order: Sequence[int],
    candidates: Sequence[Unit],
    vectors: np.ndarray,
    scores: Sequence[float],
    max_units: int,
    kind: str,
    calibration: EmbeddingSettings,
) -> list[int]:
    """The best units in score order, skipping what repeats a chosen one."""
    limit = _OVERVIEW_MAX if kind == "overview" else max_units
    per_chunk_limit = _PER_CHUNK
    drop = calibration.overview_floor if kind == "overview" else calibration.relative_floor
    floor = scores[order[0]] - drop
    chosen: list[int] = []
    per_chunk: dict[str, int] = {}
    for i in order:
        unit = candidates[i]
        if len(chosen) >= limit or (chosen and scores[i] < floor):
            break
        if per_chunk.get(unit.chunk_id, 0) >= per_chunk_limit:
            continue
        if any(
            _repeats(unit, candidates[j], vectors[i], vectors[j], calibration.near_duplicate)
            for j in chosen
        ):
            continue
        chosen.append(i)
        per_chunk[unit.chunk_id] = per_chunk.get(unit.chunk_id, 0) + 1
    return chosen


def _repeats(
    unit: Unit, other: Unit, vector: np.ndarray, other_vector: np.ndarray, near_duplicate: float
) -> bool:
    if float(vector @ other_vector) > near_duplicate:
        return True
    mine, theirs = _words(unit.text), _words(other.text)
    return bool(mine) and len(mine & theirs) >= _SAME_WORDS * len(mine)


def _overview(
    chosen: Sequence[int],
    candidates: Sequence[Unit],
    ranked: Sequence[Chunk],
    sections: Sequence[str],
) -> Selection:
    """The best unit first, then the others by section (the topic's order, else by their best
    unit) and in reading order within a section, under the section's name."""
    by_id = {c.chunk_id: c for c in ranked}
    picked = [candidates[i] for i in chosen]
    if not picked:
        return Selection(())
    lead = picked[0]
    found = list(dict.fromkeys(by_id[u.chunk_id].section for u in picked))
    if sections:
        first = by_id[lead.chunk_id].section
        found = [first, *(s for s in sections if s in found and s != first)]
    else:
        found = found[:_OVERVIEW_SECTIONS]
        picked = [u for u in picked if by_id[u.chunk_id].section in found]
    groups: list[Section] = []
    for name in found:
        members = [u for u in picked if by_id[u.chunk_id].section == name]
        members.sort(key=lambda u: (u is not lead, by_id[u.chunk_id].start + u.start))
        groups.append(Section(section_name(by_id[members[0].chunk_id]), tuple(members)))
    ordered = tuple(u for g in groups for u in g.units)
    return Selection(ordered, tuple(groups))


def section_name(chunk: Chunk) -> str:
    """'Discussion › Immunophenotyping', or 'ALL-C (Evaluation and treatment of …)'."""
    if chunk.section.startswith("ALL-") and chunk.title and chunk.title != chunk.section:
        return f"{chunk.section} ({chunk.title})"
    return chunk.section
