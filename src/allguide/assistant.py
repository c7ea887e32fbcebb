"""The Python API: `Assistant().retrieve(query)` and `Assistant().ask(question, history)`."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, cast

from typing_extensions import TypeVar

from allguide.index.build import IngestReport, ensure_index, open_store
from allguide.index.embed import Embedder, TextEmbedder
from allguide.retrieval.hybrid import Hit, HybridRetriever, Mode
from allguide.settings import Settings, load_settings
from allguide.types import Answer, Message, Passage
from allguide.validate import check_k, check_mode, clean_history, clean_text

if TYPE_CHECKING:
    from allguide.answer.chain import AnswerChain, LLMBackend


log = logging.getLogger(__name__)
E = TypeVar("E", bound=TextEmbedder, default=Embedder)


class Assistant(Generic[E]):
    """Built from `Settings` (the environment by default); heavy parts load on first use.

    The embedder is `Embedder(settings.embedding)` unless another `TextEmbedder` is given; the
    index, the retriever and the answer chain all use it.

    The loaded retriever and chain follow the live index: when another process rebuilds it
    (`allguide ingest --rebuild` beside a running `serve`), the next question reloads them.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: E | None = None) -> None:
        self.settings = settings or load_settings()
        self.store = open_store(self.settings)
        self.embedder: E = (
            embedder if embedder is not None else cast(E, Embedder(self.settings.embedding))
        )
        self._lock = threading.RLock()  # UI sessions share one Assistant
        self._retriever: HybridRetriever | None = None
        self._chain: AnswerChain | None = None
        self._loaded_id: str | None = None  # the chunk collection they were loaded from

    def ingest(self, *, rebuild: bool = False, show_progress: bool = False) -> IngestReport:
        """Build the index if missing or stale (or always, with `rebuild`)."""
        with self._lock:
            report = ensure_index(
                self.settings,
                store=self.store,
                embedder=self.embedder,
                rebuild=rebuild,
                show_progress=show_progress,
            )
            if report.rebuilt:
                self._retriever = self._chain = None
            return report

    @property
    def retriever(self) -> HybridRetriever:
        """The hybrid retriever over the live index (built on first use if it is missing)."""
        with self._lock:
            if self._retriever is not None and self.store.live_id() != self._loaded_id:
                self._retriever = self._chain = None  # another process rebuilt the index
            if self._retriever is None:
                if self._loaded_id is None:
                    self._first_ingest()
                self._loaded_id = self.store.live_id()  # before loading: a later swap reloads
                self._retriever = HybridRetriever(
                    self.store.load_chunks(),
                    store=self.store,
                    embedder=self.embedder,
                    settings=self.settings.retrieval,
                )
            return self._retriever

    def _first_ingest(self) -> None:
        report = self.ingest()
        if report.rebuilt:
            log.info("built the index (%d chunks, %.1f s)", report.chunks, report.seconds)

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

    @property
    def chain(self) -> AnswerChain:
        """The answer chain over `retriever` (rebuilt with it)."""
        from allguide.answer.chain import AnswerChain
        from allguide.answer.units import UnitIndex

        with self._lock:
            retriever = self.retriever
            if self._chain is None:
                chain = AnswerChain(
                    retriever,
                    settings=self.settings,
                    embed_query=self.embedder.embed_query,
                    units=UnitIndex(*self.store.load_units()),
                )
                if self.settings.llm != "extractive":
                    chain.use_llm(*self._llm_parts(chain))
                self._chain = chain
            return self._chain

    def _llm_parts(
        self, chain: AnswerChain
    ) -> tuple[LLMBackend, Callable[[str, list[Message]], str]]:
        from allguide.answer.chat_models import build_chat_model
        from allguide.answer.llm import LLMAnswerer, condense_with_llm

        model = build_chat_model(self.settings)
        answerer = LLMAnswerer(
            model,
            search=self.search,
            tools=chain.tools,
            settings=self.settings,
            chunks=chain.chunks,
        )
        return answerer, functools.partial(condense_with_llm, model)

    def ask(
        self,
        question: str,
        history: Sequence[Message | Mapping[str, object]] | None = None,
    ) -> Answer:
        """A cited answer, a rule-tool result, a clarifying question or a refusal.

        `history` holds earlier turns (`Message`s or `{role, content}` dicts; None is none);
        beyond ALLGUIDE_MAX_HISTORY_TURNS only the most recent are accepted, and the answer
        reads the last ALLGUIDE_ANSWER__HISTORY_TURNS of them. Bad input raises
        `BadInputError` naming the turn and field, before the index is touched.
        """
        limit = self.settings.max_question_chars
        question = clean_text(question, what="question", max_chars=limit)
        turns = clean_history(history, max_turns=self.settings.max_history_turns, max_chars=limit)
        return self.chain.ask(question, turns)
