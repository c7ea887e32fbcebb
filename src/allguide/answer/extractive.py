"""The offline grounded answerer: quote the few guideline sentences that answer the question.

Every sentence of the answer is a verbatim sentence of a retrieved passage, cited `[n]`, or a
rule tool's verdict followed by the rule it applied (also verbatim, also cited). Sentences are
scored against the query by embedding similarity plus IDF-weighted word overlap, de-duplicated,
at most two per passage; the best leads, the rest follow their passages' retrieval order
(reading order within a passage).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from allguide.answer.sentences import SentenceIndex
from allguide.corpus.sentences import Sentence
from allguide.retrieval.lexical import clinical_tokens
from allguide.types import Chunk, Citation, ToolCall

_NEAR_DUPLICATE = 0.9  # cosine between two sentences above which the second adds nothing
_RELATIVE_FLOOR = 0.35  # drop sentences scoring this far below the best one
_PER_CHUNK = 2
_LEXICAL_WEIGHT = 0.35
_LENGTH_PENALTY = 0.05  # per 250 characters beyond 250: long sentences match more words


class CitationBook:
    """Numbers quotes in order of first use; the same chunk and quote reuse their number."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        self._chunks = chunks
        self.citations: list[Citation] = []

    def cite(self, chunk_id: str, quote: str) -> int:
        chunk = self._chunks[chunk_id]
        if quote not in chunk.text:
            raise ValueError(f"quote is not verbatim in {chunk_id}: {quote[:60]!r}")
        for c in self.citations:
            if c.chunk_id == chunk_id and c.quote == quote:
                return c.n
        n = len(self.citations) + 1
        self.citations.append(
            Citation(n=n, chunk_id=chunk_id, section=chunk.section, page=chunk.page, quote=quote)
        )
        return n

    def cite_anywhere(self, quote: str, chunk_ids: Sequence[str]) -> int | None:
        """Cite `quote` from the first of `chunk_ids` whose text holds it."""
        for chunk_id in chunk_ids:
            if chunk_id in self._chunks and quote in self._chunks[chunk_id].text:
                return self.cite(chunk_id, quote)
        return None


def idf_weights(chunks: Sequence[Chunk]) -> dict[str, float]:
    """Inverse document frequency of each token over the chunks."""
    df: dict[str, int] = {}
    for chunk in chunks:
        for token in set(clinical_tokens(chunk.text)):
            df[token] = df.get(token, 0) + 1
    n = len(chunks)
    return {t: math.log(1 + n / d) for t, d in df.items()}


def lexical_overlap(query_tokens: Sequence[str], sentence: str, idf: Mapping[str, float]) -> float:
    """IDF-weighted share of the query's tokens that the sentence contains, in [0, 1]."""
    wanted = {t: idf.get(t, 1.0) for t in query_tokens}
    if not wanted:
        return 0.0
    have = set(clinical_tokens(sentence))
    return sum(w for t, w in wanted.items() if t in have) / sum(wanted.values())


# "How common…", "what rate…": a sentence that states a number answers better.
_QUANTITY_WORDS = frozenset(
    "common many much rate rates proportion percentag often frequent frequenc incidenc "
    "surviv os efs dfs rfs long dose level threshold".split()
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*%|\b\d+(?:\.\d+)?\b")
_NUMBER_BONUS = 0.08
_ECHO_PENALTY = 0.15


def _echo(query_tokens: Sequence[str], sentence: str) -> float:
    """How much a sentence only repeats the question (1: every word of it is in the question)."""
    tokens = [t for t in clinical_tokens(sentence) if len(t) > 2]
    if not tokens:
        return 1.0
    asked = set(query_tokens)
    return sum(1 for t in tokens if t in asked) / len(tokens)


def select_sentences(
    query_vector: np.ndarray,
    query_tokens: Sequence[str],
    ranked_chunk_ids: Sequence[str],
    index: SentenceIndex,
    idf: Mapping[str, float],
    *,
    max_sentences: int,
) -> list[Sentence]:
    """The best sentences of the ranked chunks, diverse, in reading order."""
    rank = {chunk_id: r for r, chunk_id in enumerate(ranked_chunk_ids)}
    candidates = [s for chunk_id in ranked_chunk_ids for s in index.sentences(chunk_id)]
    if not candidates:
        return []
    vectors = index.vectors([s.row for s in candidates])
    similarity = vectors @ query_vector
    wants_number = bool(_QUANTITY_WORDS.intersection(query_tokens))
    scored = sorted(
        (
            (
                float(similarity[i])
                + _LEXICAL_WEIGHT * lexical_overlap(query_tokens, s.text, idf)
                + 0.05 / (1 + rank[s.chunk_id])
                - _LENGTH_PENALTY * max(0, len(s.text) - 250) / 250
                + (_NUMBER_BONUS if wants_number and _NUMBER.search(s.text) else 0.0)
                - _ECHO_PENALTY * _echo(query_tokens, s.text),
                i,
            )
            for i, s in enumerate(candidates)
        ),
        reverse=True,
    )
    best = scored[0][0]
    chosen: list[int] = []
    per_chunk: dict[str, int] = {}
    for score, i in scored:
        if len(chosen) >= max_sentences or score < best - _RELATIVE_FLOOR:
            break
        sentence = candidates[i]
        if per_chunk.get(sentence.chunk_id, 0) >= _PER_CHUNK:
            continue
        if any(float(vectors[i] @ vectors[j]) > _NEAR_DUPLICATE for j in chosen):
            continue
        chosen.append(i)
        per_chunk[sentence.chunk_id] = per_chunk.get(sentence.chunk_id, 0) + 1
    picked = [candidates[i] for i in chosen]
    # The best sentence leads; the rest by their passage's retrieval rank, then reading order.
    rest = sorted(picked[1:], key=lambda s: (rank[s.chunk_id], s.start))
    return picked[:1] + rest


def compose(sentences: Sequence[Sentence], book: CitationBook) -> str:
    """'Sentence [n] Sentence [m]' with each quote cited from its chunk."""
    parts = [f"{s.text} [{book.cite(s.chunk_id, s.text)}]" for s in sentences]
    return " ".join(parts)


_CATEGORY = re.compile(r"\bcategory (1|2A|2B|3)\b", re.I)


def category_note(citations: Sequence[Citation]) -> str:
    """The NCCN categories of evidence that the cited quotes state, as one sentence ("" when
    none does)."""
    found: list[str] = []
    for c in citations:
        for match in _CATEGORY.finditer(c.quote):
            if match.group(1).upper() not in found:
                found.append(match.group(1).upper())
    if not found:
        return ""
    return f"NCCN category of evidence stated in the cited text: {', '.join(found)}."


def tool_sentence(call: ToolCall) -> str:
    """One plain sentence stating a rule tool's verdict."""
    out = call.output
    verdict = _VERDICTS.get(call.name, _generic)(out)
    return f"Rule tool {call.name}: {verdict}."


def _generic(out: Mapping[str, object]) -> str:
    return str(out.get("status", "done"))


def _cns(out: Mapping[str, object]) -> str:
    text = f"CNS status {out.get('cns_status')}"
    if out.get("cranial_nerve_involvement"):
        text += "; cranial nerve involvement is reported separately (CNS leukemia)"
    return text


_RESPONSE_WORDS = {
    "CR": "complete response (CR)",
    "CRi": "CR with incomplete blood count recovery (CRi)",
    "refractory": "refractory disease",
    "progressive_disease": "progressive disease (PD)",
    "relapse": "relapsed disease",
    "no_cr": "no CR (the CR and CRi criteria are not met, and no other category applies)",
}
_CNS_RESPONSE_WORDS = {
    "cns_remission": "CNS remission",
    "cns_relapse": "CNS relapse",
    "no_cns_remission": "no CNS remission yet",
    "not_defined": "neither CNS remission nor CNS relapse as the guideline defines them",
}


def _tki(out: Mapping[str, object]) -> str:
    mutations = ", ".join(str(m) for m in out.get("mutations", []) or [])  # type: ignore[attr-defined]
    options = [str(o) for o in out.get("options", []) or []]  # type: ignore[attr-defined]
    if options:
        return f"options for {mutations}: {', '.join(options)}"
    return f"no single TKI option listed in the guideline covers all of {mutations}"


_VERDICTS = {
    "cns_status": _cns,
    "response": lambda o: (
        f"response {_RESPONSE_WORDS.get(str(o.get('response')), o.get('response'))}"
    ),
    "cns_response": lambda o: str(
        _CNS_RESPONSE_WORDS.get(str(o.get("cns_response")), o.get("cns_response"))
    ),
    "mediastinal_response": lambda o: f"mediastinal response {o.get('mediastinal_response')}",
    "mrd_status": lambda o: f"MRD {o.get('mrd_status')}",
    "tki_by_mutation": _tki,
}
