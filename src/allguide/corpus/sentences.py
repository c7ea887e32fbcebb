"""The sentences of each chunk (pure): what sentence-level retrieval embeds and what answers
quote. `text == chunk.text[start:end]` for every sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from allguide.types import Chunk


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk; `row` is its position in the corpus-wide sentence list."""

    chunk_id: str
    start: int
    end: int
    text: str
    row: int
    quotable: bool = True  # False: a flowchart label, found by retrieval but not quoted

    @property
    def sentence_id(self) -> str:
        return f"{self.chunk_id}#{self.start}-{self.end}"


_BOUNDARY = re.compile(r"(?<=[.;?!])\s+(?=[A-Z(\[“\"])|\n\n")
_MAX_SENTENCE = 420
_CLAUSE = re.compile(r"(?<=;)\s+")
_NOT_CONTENT = re.compile(
    r"^(?:[A-Z][A-Z /&\-]+|See .{0,80}|[A-Z][a-z]+ [A-Z]{1,2}, .*\d{4}.*|https?://\S+)$"
)


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


def is_retrievable(sentence: str) -> bool:
    """Worth embedding: real words, not a heading, a cross-reference, a reference or a
    fragment that stops mid-phrase."""
    letters = [c for c in sentence if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > 0.6 * len(letters)
    return (
        len(sentence) >= 25
        and " " in sentence
        and not shouting
        and not _NOT_CONTENT.match(sentence)
        and not _OPEN_END.search(sentence)
    )


def is_quotable(sentence: str) -> bool:
    """Worth quoting in an answer: retrievable and more than a flowchart label such as
    "Ph+ ALL (Adult) (aged ≥40 y)" (at least three lower-case words)."""
    return is_retrievable(sentence) and len(re.findall(r"\b[a-z]{3,}\b", sentence)) >= 3


def chunk_sentences(chunks: Sequence[Chunk]) -> list[Sentence]:
    """Every retrievable sentence of `chunks`, in order, marked quotable or not."""
    out: list[Sentence] = []
    for chunk in chunks:
        for start, end in split_sentences(chunk.text):
            text = chunk.text[start:end]
            if is_retrievable(text):
                out.append(Sentence(chunk.chunk_id, start, end, text, len(out), is_quotable(text)))
    return out
