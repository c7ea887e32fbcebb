"""The Python API: `Assistant().retrieve(query)` and `Assistant().ask(question, history)`."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from allguide.index.build import IngestReport, ensure_index, open_store
from allguide.index.embed import Embedder
from allguide.retrieval.hybrid import Hit, HybridRetriever, Mode
from allguide.settings import Settings, load_settings
from allguide.types import Answer, Message, Passage
from allguide.validate import check_k, check_mode, clean_history, clean_text

if TYPE_CHECKING:
    from allguide.answer.chain import AnswerChain, LLMBackend


class Assistant:
    """Built from `Settings` (the environment by default); heavy parts load on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.store = open_store(self.settings)
        self.embedder = Embedder(
            self.settings.embed_model, batch_size=self.settings.embed_batch_size
        )

    def ingest(self, *, rebuild: bool = False, show_progress: bool = False) -> IngestReport:
        """Build the index if missing or stale (or always, with `rebuild`)."""
        report = ensure_index(
            self.settings,
            store=self.store,
            embedder=self.embedder,
            rebuild=rebuild,
            show_progress=show_progress,
        )
        if report.rebuilt:
            self.__dict__.pop("retriever", None)
            self.__dict__.pop("chain", None)
        return report

    @cached_property
    def retriever(self) -> HybridRetriever:
        report = self.ingest()
        if report.rebuilt:
            print(
                f"allguide: built the index ({report.chunks} chunks, {report.seconds:.1f} s)",
                file=sys.stderr,
            )
        return HybridRetriever(
            self.store.load_chunks(),
            store=self.store,
            embedder=self.embedder,
            settings=self.settings.retrieval,
        )

    def search(self, query: str, k: int | None = None, *, mode: Mode = "hybrid") -> list[Hit]:
        """Retrieval with each hit's evidence (used by the answerers and the evaluation).

        `k` defaults to ALLGUIDE_RETRIEVAL__K; a `k` outside 1..50, a query that is not clean
        text or an unknown mode raises `BadInputError`.
        """
        query = clean_text(query, what="query", max_chars=self.settings.max_question_chars)
        k = self.settings.retrieval.k if k is None else check_k(k)
        if check_mode(mode) == "hybrid":
            return self.chain.search(query, k)
        return self.retriever.search(query, k, mode=mode)

    def retrieve(self, query: str, k: int | None = None, *, mode: Mode = "hybrid") -> list[Passage]:
        """The best `k` passages for `query`, best first (`k` as in `search`)."""
        return [hit.passage() for hit in self.search(query, k, mode=mode)]

    @cached_property
    def chain(self) -> AnswerChain:
        from allguide.answer.chain import AnswerChain
        from allguide.answer.units import UnitIndex

        retriever = self.retriever
        chain = AnswerChain(
            retriever,
            settings=self.settings,
            embed_query=self.embedder.embed_query,
            units=UnitIndex(*self.store.load_units()),
        )
        if self.settings.llm != "extractive":
            chain.use_llm(*self._llm_parts(chain))
        return chain

    def _llm_parts(
        self, chain: AnswerChain
    ) -> tuple[LLMBackend, Callable[[str, list[Message]], str]]:
        from allguide.answer.llm import LLMAnswerer, build_chat_model, condense_with_llm
        from allguide.tools import TOOLS

        model = build_chat_model(self.settings)
        answerer = LLMAnswerer(
            model, search=self.search, tools=TOOLS, settings=self.settings, chunks=chain.chunks
        )
        return answerer, functools.partial(condense_with_llm, model)

    def ask(
        self,
        question: str,
        history: Sequence[Message | Mapping[str, object]] | None = None,
    ) -> Answer:
        """A cited answer, a rule-tool result, a clarifying question or a refusal.

        `history` holds earlier turns (`Message`s or `{role, content}` dicts; None is none);
        beyond ALLGUIDE_MAX_HISTORY_TURNS only the most recent are used. Bad input raises
        `BadInputError` naming the turn and field, before the index is touched.
        """
        limit = self.settings.max_question_chars
        question = clean_text(question, what="question", max_chars=limit)
        turns = clean_history(history, max_turns=self.settings.max_history_turns, max_chars=limit)
        return self.chain.ask(question, turns)
