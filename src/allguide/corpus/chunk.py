"""Cut cleaned blocks into retrievable chunks with stable ids and exact offsets (pure).

Consecutive blocks of one section, page and kind are packed up to `max_chars`; a block that
introduces what follows (ends with ':' or mid-sentence) and runs of definition lines
("CNS-2: …", "CNS-3: …") stay together; a block longer than `max_chars` is cut at sentence
ends. Every chunk's text is exactly `document.text[start:end]`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from allguide.corpus.blocks import Block
from allguide.corpus.clean import CleanedDocument
from allguide.settings import ChunkingSettings
from allguide.text import split_sentences
from allguide.types import Chunk

_DEFINITION = re.compile(r"^[A-Z][\w \-()/+]{0,45}:\s")


def chunk_document(doc: CleanedDocument, settings: ChunkingSettings) -> list[Chunk]:
    """Chunks of one cleaned document, in reading order."""
    chunks: list[Chunk] = []
    for group in _groups(doc, settings.min_chars):
        for start, end in _pack(doc, group, settings):
            block = doc.blocks[group[-1]]
            text = doc.text[start:end]
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.source, block.section, text),
                    text=text,
                    source=doc.source,
                    source_title=doc.title,
                    profile=doc.profile,
                    section=block.section,
                    title=block.title,
                    page=block.page,
                    kind=block.kind,
                    start=start,
                    end=end,
                )
            )
    return chunks


def chunk_id(source: str, section: str, text: str) -> str:
    """Stable id: a readable section slug plus a hash of source, section and text."""
    digest = hashlib.sha1(f"{source}\x1f{section}\x1f{text}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", section.lower().replace("discussion › ", "disc-")).strip("-")
    return f"{slug[:32].rstrip('-')}-{digest}"


def _groups(doc: CleanedDocument, min_chars: int) -> Iterator[list[int]]:
    """Runs of consecutive block indexes that share section, page and kind.

    A run shorter than `min_chars` (a lone heading) joins the next run of its section.
    """
    run: list[int] = []
    for i, block in enumerate(doc.blocks):
        if run and _key(doc.blocks[run[-1]]) != _key(block):
            size = doc.spans[run[-1]][1] - doc.spans[run[0]][0]
            if size >= min_chars or doc.blocks[run[-1]].section != block.section:
                yield run
                run = []
        run.append(i)
    if run:
        yield run


def _key(block: Block) -> tuple[str, int | None, str]:
    return (block.section, block.page, block.kind)


def _keeps_with_next(block: Block, nxt: Block) -> bool:
    text = block.text.rstrip()
    if text.endswith(":") or not re.search(r"[.;?!)\]]$", text):
        return True
    return bool(_DEFINITION.match(text) and _DEFINITION.match(nxt.text))


def _pack(
    doc: CleanedDocument, group: list[int], settings: ChunkingSettings
) -> list[tuple[int, int]]:
    """Character spans of the chunks of one group of blocks."""
    limit, stretch = settings.max_chars, int(settings.max_chars * 1.5)
    spans: list[tuple[int, int]] = []
    prev: int | None = None
    for i in group:
        for start, end in _split_long(doc, i, limit):
            if spans:
                first, last = spans[-1]
                glue = prev != i and _keeps_with_next(doc.blocks[prev or 0], doc.blocks[i])
                if (
                    end - first <= limit
                    or last - first < settings.min_chars
                    or (glue and end - first <= stretch)
                ):
                    spans[-1] = (first, end)
                    prev = i
                    continue
            spans.append((start, end))
            prev = i
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < settings.min_chars:
        tail = spans.pop()
        spans[-1] = (spans[-1][0], tail[1])
    return spans


def _split_long(doc: CleanedDocument, i: int, max_chars: int) -> list[tuple[int, int]]:
    """Spans of block i, cut at sentence ends into pieces of at most `max_chars` when possible."""
    start, end = doc.spans[i]
    if end - start <= max_chars:
        return [(start, end)]
    text = doc.text[start:end]
    cuts = [stop for _, stop in split_sentences(text)[:-1]]
    spans: list[tuple[int, int]] = []
    piece_start = 0
    last_cut = 0
    for cut in [*cuts, len(text)]:
        if cut - piece_start > max_chars and last_cut > piece_start:
            spans.append((start + piece_start, start + last_cut))
            piece_start = last_cut + len(text[last_cut:]) - len(text[last_cut:].lstrip())
        last_cut = cut
    spans.append((start + piece_start, end))
    return spans
