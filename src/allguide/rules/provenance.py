"""Which chunks of an index hold a rule's verbatim text: rule outputs cited like passages.

The rule functions return the guideline text they applied (`rule`, `quotes`) and no chunk
ids; whoever owns an index resolves the text against it with a `QuoteResolver` (the answer
chain for both its extractive and LLM paths, the UI over its loaded chunks). Only the
command line's `allguide tool`, which has no index, falls back to `default_resolver()`: the
corpus built with the environment's settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Protocol


class _Chunk(Protocol):
    @property
    def chunk_id(self) -> str: ...
    @property
    def text(self) -> str: ...


class QuoteResolver:
    """Resolves verbatim quotes to the ids of the chunks (of one index) that contain them."""

    def __init__(self, chunks: Iterable[_Chunk]) -> None:
        self._texts = tuple((chunk.chunk_id, chunk.text) for chunk in chunks)
        self._cache: dict[str, tuple[str, ...]] = {}

    def ids(self, quote: str) -> list[str]:
        """Ids of the chunks whose text contains `quote` verbatim, in index order."""
        if quote not in self._cache:
            self._cache[quote] = tuple(cid for cid, text in self._texts if quote in text)
        return list(self._cache[quote])

    def chunk_ids(self, rule: str, quotes: Iterable[str] = ()) -> list[str]:
        """The chunks holding `rule` or any of `quotes`, each once."""
        found: dict[str, None] = {}
        for text in (rule, *quotes):
            found.update(dict.fromkeys(self.ids(text)))
        return list(found)


@cache
def default_resolver() -> QuoteResolver:
    """A resolver over the default corpus build (the environment's settings), built once."""
    # Deferred: importing the rules must not build (or even import) the corpus pipeline.
    from allguide.corpus.pipeline import default_build

    return QuoteResolver(default_build().chunks)
