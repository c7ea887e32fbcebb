"""The Python API: `Assistant().retrieve(query)` and `Assistant().ask(question, history)`."""

from __future__ import annotations

import sys
from functools import cached_property

from allguide.index.build import IngestReport, ensure_index, open_store
from allguide.index.embed import Embedder
from allguide.retrieval.hybrid import Hit, HybridRetriever, Mode
from allguide.settings import Settings
from allguide.types import Passage
from allguide.validate import clean_text


class Assistant:
    """Built from `Settings` (the environment by default); heavy parts load on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.store = open_store(self.settings)
        self.embedder = Embedder(self.settings.embed_model)

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
        """Retrieval with each hit's evidence (used by the answerers and the evaluation)."""
        query = clean_text(query, what="query", max_chars=self.settings.max_question_chars)
        return self.retriever.search(query, k or self.settings.retrieval.k, mode=mode)

    def retrieve(self, query: str, k: int = 5, *, mode: Mode = "hybrid") -> list[Passage]:
        """The best `k` passages for `query`, best first."""
        return [hit.passage() for hit in self.search(query, k, mode=mode)]
