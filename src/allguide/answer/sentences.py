"""Sentences of every chunk with their embeddings, so answers can quote single sentences.

Splitting is pure; the embeddings are computed once per index fingerprint and cached as a
NumPy file under `$ALLGUIDE_HOME/cache`, so a warm answer only does dot products.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from allguide.types import Chunk

_BOUNDARY = re.compile(r"(?<=[.;?!])\s+(?=[A-Z(\[“\"])|\n\n")
_MAX_SENTENCE = 420
_CLAUSE = re.compile(r"(?<=;)\s+")
_NOT_CONTENT = re.compile(
    r"^(?:[A-Z][A-Z /&\-]+|See .{0,80}|[A-Z][a-z]+ [A-Z]{1,2}, .*\d{4}.*|https?://\S+)$"
)


# Part of the embeddings cache file name: bump when splitting or the embedded text changes.
SENTENCES_VERSION = 1


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk: `text == chunk.text[start:end]`."""

    chunk_id: str
    start: int
    end: int
    text: str
    row: int  # row of its embedding


def split_sentences(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences of `text`; overlong ones are cut at semicolons."""
    start = 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        yield from _clauses(text, start, end)
        if match:
            start = match.end()


def _clauses(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    if len(piece) <= _MAX_SENTENCE:
        if piece.strip():
            yield _trim(text, start, end)
        return
    cursor = start
    for match in [*_CLAUSE.finditer(piece), None]:
        stop = start + match.start() if match else end
        if stop - cursor >= 40 or match is None:
            yield _trim(text, cursor, stop)
            cursor = start + match.end() if match else end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_OPEN_END = re.compile(r"\b(?:the|a|an|of|for|and|or|to|in|with|by|see)$|[(,:]$", re.I)


def is_quotable(sentence: str) -> bool:
    """Worth quoting in an answer: real words, not a heading, a cross-reference, a reference
    or a fragment that stops mid-phrase."""
    letters = [c for c in sentence if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > 0.6 * len(letters)
    return (
        len(sentence) >= 25
        and " " in sentence
        and not shouting
        and not _NOT_CONTENT.match(sentence)
        and not _OPEN_END.search(sentence)
    )


class SentenceIndex:
    """Quotable sentences of all chunks and their normalized embeddings."""

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray | None = None) -> None:
        self._by_chunk: dict[str, list[Sentence]] = {}
        self.all: list[Sentence] = []
        for chunk in chunks:
            for start, end in split_sentences(chunk.text):
                text = chunk.text[start:end]
                if is_quotable(text):
                    sentence = Sentence(chunk.chunk_id, start, end, text, len(self.all))
                    self.all.append(sentence)
                    self._by_chunk.setdefault(chunk.chunk_id, []).append(sentence)
        self._vectors = vectors

    @property
    def ready(self) -> bool:
        return self._vectors is not None

    def embed(self, embed: Callable[[list[str]], list[list[float]]], cache: Path | None) -> None:
        """Load the embeddings from `cache` or compute (and cache) them."""
        if cache is not None and cache.exists():
            with contextlib.suppress(OSError, ValueError):
                vectors = np.load(cache)
                if vectors.shape[0] == len(self.all):
                    self._vectors = vectors
                    return
        vectors = np.asarray(embed([s.text for s in self.all]), dtype=np.float32)
        self._vectors = vectors
        if cache is not None:
            with contextlib.suppress(OSError):
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(cache)

    def best_similarity(self, query_vector: np.ndarray) -> float:
        """Cosine similarity of the query to its closest sentence of the whole corpus."""
        if self._vectors is None or not len(self._vectors):
            return 0.0
        return float(np.max(self._vectors @ query_vector))

    def sentences(self, chunk_id: str) -> list[Sentence]:
        return self._by_chunk.get(chunk_id, [])

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        if self._vectors is None:
            raise RuntimeError("sentence embeddings are not loaded; call embed() first")
        return self._vectors[list(rows)]
