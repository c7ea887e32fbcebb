"""The answer chain: condense → route to rule tools → retrieve → refuse or answer with citations.

Offline (`ALLGUIDE_LLM=extractive`) the answer quotes guideline sentences; with an LLM the
tool-calling agent of `llm.py` writes it and the citation verifier keeps only what the cited
passages support. Either way `Answer.note` carries the edition note.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from langchain_core.tools import BaseTool

from allguide.answer import gate
from allguide.answer.classify import Question, classify
from allguide.answer.compose import Composer
from allguide.answer.condense import condense
from allguide.answer.extractive import (
    CitationBook,
    category_line,
    category_note,
    render,
    tool_sentence,
)
from allguide.answer.features import FREQUENCY_QUESTION, Ask, idf_weights
from allguide.answer.refusal import refusal
from allguide.answer.route import MUTATION, parse_requests
from allguide.answer.rulecalls import run_requests
from allguide.answer.units import UnitIndex
from allguide.corpus.units import Unit
from allguide.errors import BadInputError, ToolInputError
from allguide.guidelines import NCCN_ALL_2015, edition_note, topic_sections
from allguide.retrieval.hybrid import Hit, HybridRetriever
from allguide.retrieval.lexical import clinical_tokens
from allguide.rules.abl1 import parse_mutations
from allguide.rules.provenance import QuoteResolver
from allguide.settings import Settings
from allguide.tools import RULES, make_tools
from allguide.types import Answer, Chunk, Message, ToolCall
from allguide.validate import clean_text

EDITION_NOTE = NCCN_ALL_2015.note  # what an answer quoting only the 2015 guideline ends with
# Hybrid hits re-ranked by their best unit before the top k are kept (every hybrid search).
_RERANK_DEPTH = 12


class LLMBackend(Protocol):
    """What the chain needs from an LLM answerer (see `answer/llm.py`)."""

    def answer(self, question: str, *, standalone: str, history: list[Message]) -> Answer: ...


class AnswerChain:
    """Answers questions over one loaded index."""

    def __init__(
        self,
        retriever: HybridRetriever,
        *,
        settings: Settings,
        embed_query: Callable[[str], list[float]],
        units: UnitIndex,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.chunks: dict[str, Chunk] = {c.chunk_id: c for c in retriever.chunks}
        self._profiles = list(dict.fromkeys(c.profile for c in retriever.chunks))
        # The one place rule quotes become chunk ids of this index (extractive and LLM paths).
        self.resolver = QuoteResolver(retriever.chunks)
        self._embed_query = embed_query
        self._units = units
        self._composer = Composer(
            units, idf_weights(retriever.chunks), retriever.chunks, calibration=settings.embedding
        )
        self._vocabulary = {t for c in retriever.chunks for t in clinical_tokens(c.text)} | {
            w for c in retriever.chunks for w in gate.content_words(c.text)
        }
        self._llm: LLMBackend | None = None
        self._condense_llm: Callable[[str, list[Message]], str] | None = None

    def use_llm(
        self, answerer: LLMBackend, condense_llm: Callable[[str, list[Message]], str]
    ) -> None:
        """Answer with an LLM (tool calling + citation verification) instead of extractively."""
        self._llm, self._condense_llm = answerer, condense_llm

    @property
    def tools(self) -> dict[str, BaseTool]:
        """The rule tools as LangChain tools citing this index's chunks (for the LLM path)."""
        return make_tools(self.resolver)

    def ask(self, question: str, history: Sequence[Message] = ()) -> Answer:
        """Answer `question` (after `history`) with citations, tool results or a refusal."""
        started = time.perf_counter()
        question = clean_text(question, what="question", max_chars=self.settings.max_question_chars)
        turns = self._history(history)
        answer = self._answer(question, turns)
        elapsed = (time.perf_counter() - started) * 1000
        cited = (self.chunks[c.chunk_id] for c in answer.citations if c.chunk_id in self.chunks)
        note = edition_note(cited, self.retriever.chunks)
        update = {"note": note, "latency_ms": round(elapsed, 2)}
        return answer.model_copy(update=update)

    def _history(self, history: Sequence[Message]) -> list[Message]:
        """The one history window of an answer: the last `answer.history_turns` messages (the
        offline condenser, the composer's "already said" and the LLM prompt all read these)."""
        limit = self.settings.max_question_chars * 4
        turns: list[Message] = []
        for item in list(history)[-self.settings.answer.history_turns :]:
            message = item if isinstance(item, Message) else Message.model_validate(item)
            if len(message.content) > limit:
                raise BadInputError("a history message is too long")
            turns.append(message)
        return turns

    def _answer(self, question: str, history: list[Message]) -> Answer:
        if self._condense_llm is not None and history:
            standalone = self._condense_llm(question, history)
        else:
            standalone = condense(question, history)
        calls, clarify = run_requests(parse_requests(question), self.resolver)
        if clarify:
            return Answer(
                answer=clarify, citations=[], tool_calls=calls, refused=False, latency_ms=0.0
            )
        if self._llm is not None:
            answer = self._llm.answer(question, standalone=standalone, history=history)
            note = category_note(answer.citations)
            if note and not answer.refused:
                answer = answer.model_copy(update={"answer": f"{answer.answer} {note}"})
            return answer
        hits = self.search(standalone, self.settings.retrieval.answer_k)
        if not calls:
            decision = self._gate(standalone, hits)
            if decision.refuse:
                nearest = [h.chunk.section for h in hits] if decision.suggest else []
                return refusal(decision.reason, nearest)
        return self._compose(standalone, hits, calls, question=question, history=history)

    def search(self, query: str, k: int) -> list[Hit]:
        """Hybrid retrieval, re-ranked by how well each passage's best unit answers `query`."""
        hits = self.retriever.search(query, max(k, _RERANK_DEPTH))
        ask = self._ask(query, query, [])
        scores = self._composer.rerank(ask, [h.chunk for h in hits], [h.score for h in hits])
        order = sorted(range(len(hits)), key=lambda i: -scores[i])
        return [dataclasses.replace(hits[i], score=scores[i]) for i in order[:k]]

    def _ask(self, query: str, question: str, history: Sequence[Message]) -> Ask:
        kind = classify(question) if history else classify(query)
        if history and kind.kind == "factoid":
            kind = classify(query)
        return Ask(
            kind,
            np.asarray(self._embed_query(query), dtype=np.float32),
            clinical_tokens(query),
            turn_tokens=clinical_tokens(question) if history else (),
            said=" ".join(m.content for m in history if m.role == "assistant"),
            mutations=_asked_mutations(query),
            sections=topic_sections(query, self._profiles),
            frequency=bool(FREQUENCY_QUESTION.search(question)),
        )

    # -- retrieval answer ----------------------------------------------------------------------

    def _gate(self, query: str, hits: Sequence[Hit]) -> gate.GateDecision:
        vector = np.asarray(self._embed_query(query), dtype=np.float32)
        best = self._units.best_similarity(vector)
        return gate.decide(
            query,
            best_similarity=best,
            passages=[h.chunk.text for h in hits[: self.settings.retrieval.k]],
            vocabulary=self._vocabulary,
            similarity_threshold=self.settings.embedding.refusal_threshold,
            vocabulary_similarity=self.settings.embedding.vocabulary_similarity,
        )

    def _compose(
        self,
        query: str,
        hits: Sequence[Hit],
        calls: Sequence[ToolCall],
        *,
        question: str,
        history: Sequence[Message],
    ) -> Answer:
        book = CitationBook(self.chunks)
        parts = [self._tool_part(call, book) for call in calls]
        ask = self._ask(query, question, history)
        kind = ask.question
        selection = self._composer.select(
            ask,
            [h.chunk for h in hits],
            max_units=1 if calls else self.settings.answer.max_sentences,
        )
        quoted = [c.quote for c in book.citations]
        fresh = [
            u
            for u in selection.units
            if not any(u.text in q or q in u.text for q in quoted) and _about(u.text, calls)
        ]
        if len(fresh) != len(selection.units):
            selection = type(selection)(tuple(fresh))
        parts.append(render(selection, book))
        if _is_recommendation(kind, selection.units) and not calls:
            parts.append(category_line(book, self._units.category, selection.units))
        parts.append(category_note(book.citations))
        return Answer(
            answer=" ".join(p for p in parts if p),
            citations=book.citations,
            tool_calls=list(calls),
            refused=False,
            latency_ms=0.0,
        )

    def _tool_part(self, call: ToolCall, book: CitationBook) -> str:
        out = call.output
        if out.get("status") == "error":
            return f"The rule tool {call.name} could not use the input: {out.get('error')}"
        ids = [str(i) for i in out.get("chunk_ids", [])]
        text = tool_sentence(call)
        rule = str(out.get("rule", ""))
        n = book.cite_anywhere(rule, ids) if rule else None
        if n is not None:
            text += f" The guideline's rule: “{rule}” [{n}]"
        spec = RULES.get(call.name)
        extra = out.get("quotes", []) if spec and spec.quotes_in_answer else []
        for quote in extra:
            m = book.cite_anywhere(str(quote), ids)
            if m is not None:
                text += f" “{quote}” [{m}]"
        asked = spec.questions if spec else {}
        defaulted = spec.defaulted if spec else frozenset()
        unstated = [k for k in out.get("not_stated", []) if k in asked and k not in defaulted]
        if unstated:
            text += (
                " Not stated in the question, and the result is the same either way: "
                f"{', '.join(unstated)}."
            )
        return text


def _asked_mutations(query: str) -> list[str]:
    """The ABL1 mutations a question names, in one-letter form ([] when none parse)."""
    named = [m.group() for m in MUTATION.finditer(query)]
    if not named:
        return []
    try:
        return parse_mutations(named)
    except ToolInputError:
        return []


def _is_recommendation(question: Question, units: Sequence[Unit]) -> bool:
    """Asked what to do, or answered with a recommendation: the answer says its category."""
    return question.kind == "recommendation" or any(u.kind == "recommendation" for u in units[:1])


def _about(text: str, calls: Sequence[ToolCall]) -> bool:
    """After a rule verdict, a quote must name what the verdict is about (its class, response,
    drug or mutation), so that it cannot be read as applying when it does not."""
    if not calls:
        return True
    low = text.lower()
    return any(term.lower() in low for call in calls for term in verdict_terms(call))


def verdict_terms(call: ToolCall) -> list[str]:
    """The words of a verdict a related quote would use ("CNS-2", "ponatinib", "T315I")."""
    out = call.output
    spec = RULES.get(call.name)
    value = out.get(spec.verdict) if spec else None
    terms = [str(out.get("status"))]
    terms += [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
    terms += [str(m) for m in out.get("mutations", []) or []]
    return [t for t in terms if t not in ("ok", "None") and len(t) > 2]
