"""Rows to and from Chroma: what a chunk and a unit store, batched adds and paged reads.

Pure conversion apart from the collection calls it is handed; faults are the caller's
(`ChunkStore` runs these under `faults.guard`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from allguide.corpus.units import EMBEDDED, Unit, UnitKind
from allguide.errors import IndexStateError
from allguide.types import Chunk

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

Embed = Callable[[list[str]], list[list[float]]]
Progress = Callable[[int], None]
_Row = tuple[str, str, str, dict[str, str | int]]  # id, document, text to embed, metadata
_BATCH = 256
# Rows per `collection.get`: one get of a whole 100× index (74,000 units) exceeds SQLite's
# limit on bound variables ("too many SQL variables"), so whole collections are read in pages.
_PAGE = 5000


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its title, then its text (the title places lists such as
    the ALL-D regimens in their context; the stored document stays the chunk text)."""
    return f"{chunk.title}. {chunk.text}"


def add_chunks(
    collection: Collection, chunks: list[Chunk], embed: Embed, progress: Progress | None
) -> None:
    """Embed and add `chunks` (documents: their text; embedded: `embedding_text`)."""
    rows = [
        (c.chunk_id, c.text, embedding_text(c), _chunk_meta(c, k)) for k, c in enumerate(chunks)
    ]
    _add(collection, rows, embed, progress)


def add_units(
    collection: Collection, units: list[Unit], embed: Embed, progress: Progress | None
) -> None:
    """Embed and add `units` (documents: their text; embedded: their display text)."""
    rows = [(u.unit_id, u.text, u.display, _unit_meta(u)) for u in units]
    _add(collection, rows, embed, progress)


def _add(collection: Collection, rows: list[_Row], embed: Embed, progress: Progress | None) -> None:
    """Add `rows` (id, document, text to embed, metadata) `_BATCH` at a time."""
    for start in range(0, len(rows), _BATCH):
        ids, documents, texts, metadatas = zip(*rows[start : start + _BATCH], strict=True)
        collection.add(
            ids=list(ids),
            documents=list(documents),
            embeddings=embed(list(texts)),  # type: ignore[arg-type]
            metadatas=list(metadatas),
        )
        if progress:
            progress(len(ids))


def _unit_meta(unit: Unit) -> dict[str, str | int]:
    return {
        "chunk_id": unit.chunk_id,
        "start": unit.start,
        "end": unit.end,
        "order": unit.row,
        "kind": unit.kind,
        "label": unit.label,
        "context": unit.context,
    }


def _chunk_meta(chunk: Chunk, order: int) -> dict[str, str | int]:
    return {
        "source": chunk.source,
        "source_title": chunk.source_title,
        "profile": chunk.profile,
        "section": chunk.section,
        "title": chunk.title,
        "page": chunk.page if chunk.page is not None else -1,
        "kind": chunk.kind,
        "start": chunk.start,
        "end": chunk.end,
        "order": order,
    }


def nearest(
    collection: Collection, embedding: list[float], n: int, *, of_units: bool = False
) -> list[tuple[str, float]]:
    """(chunk id, cosine similarity = 1 − cosine distance) of the `n` rows nearest
    `embedding`, best first; for units, the id of the chunk each belongs to."""
    res = collection.query(
        query_embeddings=[embedding],  # type: ignore[arg-type]
        n_results=n,
        include=["distances", "metadatas"] if of_units else ["distances"],
    )
    distances = (res["distances"] or [[]])[0]
    metas = (res["metadatas"] or [[]])[0] if of_units else []
    ids = [str(m["chunk_id"]) for m in metas] if of_units else res["ids"][0]
    return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def read_all(collection: Any, include: list[str], page: int = _PAGE) -> dict[str, list[Any]]:
    """Every row of `collection` (ids and the `include` fields), read `page` rows at a time."""
    out: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
    offset = 0
    while True:
        got = collection.get(include=include, limit=page, offset=offset)
        for field, rows in out.items():
            values = got[field]
            rows.extend(list(values) if values is not None else [])
        if len(got["ids"]) < page:
            return out
        offset += page


def chunks_from(got: dict[str, list[Any]]) -> list[Chunk]:
    """The chunks of a `read_all` of ids, documents and metadatas, in corpus order."""
    rows = list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
    rows.sort(key=lambda row: as_int((row[2] or {}).get("order")))
    return [_chunk_from(chunk_id, text or "", meta or {}) for chunk_id, text, meta in rows]


def units_from(got: dict[str, list[Any]]) -> tuple[list[Unit], np.ndarray]:
    """The units and their embeddings of a `read_all` with embeddings, in corpus order."""
    rows = sorted(
        zip(got["documents"], got["metadatas"], got["embeddings"], strict=True),
        key=lambda row: as_int((row[1] or {}).get("order")),
    )
    units = [
        Unit(
            str(m["chunk_id"]),
            as_int(m["start"]),
            as_int(m["end"]),
            text or "",
            _kind(m.get("kind")),
            k,
            str(m.get("label", "")),
            str(m.get("context", "")),
        )
        for k, (text, m, _) in enumerate(rows)
    ]
    vectors = np.asarray([row[2] for row in rows], dtype=np.float32).reshape(len(rows), -1)
    return units, vectors


def _chunk_from(chunk_id: str, text: str, meta: Any) -> Chunk:
    page = int(meta.get("page", -1))
    return Chunk(
        chunk_id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        source_title=str(meta.get("source_title", "")),
        profile=str(meta.get("profile", "generic")),
        section=str(meta.get("section", "")),
        title=str(meta.get("title", "")),
        page=None if page < 0 else page,
        kind=meta.get("kind", "discussion"),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
    )


def _kind(value: object) -> UnitKind:
    kind = str(value)
    if kind not in EMBEDDED:
        raise IndexStateError(f"the index holds an unknown unit kind {kind!r}; rebuild it")
    return cast(UnitKind, kind)


def as_int(value: object) -> int:
    """A metadata number as an int (0 when it is missing or not a number)."""
    return int(value) if isinstance(value, (int, float, str)) else 0
