"""Which corpus chunks hold a guideline quote, so rule outputs can be cited like passages.

The rule functions decide without I/O; they call `chunk_ids_for` only to attach ids. The
default corpus build is loaded once, on first use, and every lookup is cached.
"""

from __future__ import annotations

from functools import cache


@cache
def _chunk_texts() -> tuple[tuple[str, str], ...]:
    # Deferred: importing the rules must not build (or even import) the corpus pipeline.
    from allguide.corpus.pipeline import default_build

    return tuple((chunk.chunk_id, chunk.text) for chunk in default_build().chunks)


@cache
def _ids(quote: str) -> tuple[str, ...]:
    return tuple(chunk_id for chunk_id, text in _chunk_texts() if quote in text)


def chunk_ids_for(quote: str) -> list[str]:
    """Ids of the default build's chunks whose text contains `quote` verbatim."""
    return list(_ids(quote))
