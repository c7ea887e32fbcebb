"""Small frozen value types shared by every layer (and the JSON contracts in docs/design.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["algorithm", "footnote", "discussion"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chunk(_Frozen):
    """One retrievable passage of the cleaned corpus with exact provenance."""

    chunk_id: str
    text: str
    source: str = Field(description="corpus file name, e.g. nccn-all-2015.txt (the document id)")
    source_title: str = Field(description="what the document is cited as (its profile's title)")
    profile: str = Field(description="id of the Guideline profile it was read with")
    section: str = Field(description="e.g. ALL-C, ALL-E, 'Discussion › Minimal Residual Disease'")
    title: str
    page: int | None = Field(description="journal page where known")
    kind: Kind
    start: int = Field(ge=0, description="offset of `text` in the cleaned document")
    end: int = Field(ge=0)


class Passage(_Frozen):
    """A retrieved chunk with its score (higher is better) and the document it is from."""

    chunk_id: str
    text: str
    source: str
    source_title: str
    section: str
    title: str
    page: int | None
    kind: Kind
    score: float

    @classmethod
    def of(cls, chunk: Chunk, score: float) -> Passage:
        """`chunk` retrieved with `score`."""
        return cls(
            chunk_id=chunk.chunk_id,
            text=chunk.text,
            source=chunk.source,
            source_title=chunk.source_title,
            section=chunk.section,
            title=chunk.title,
            page=chunk.page,
            kind=chunk.kind,
            score=score,
        )


# Citations saved before they carried a source (feedback.jsonl, previous answers) quote the
# 2015 guideline, then the only document: they read back as its citations.
LEGACY_SOURCE = "nccn-all-2015.txt"
LEGACY_SOURCE_TITLE = (
    "NCCN Clinical Practice Guidelines in Oncology: Acute Lymphoblastic Leukemia, Version 2015"
)


class Citation(_Frozen):
    """`[n]` in an answer: `quote` is a verbatim substring of the chunk's text."""

    n: int = Field(ge=1)
    chunk_id: str
    source: str = Field(description="the cited document's corpus file name")
    source_title: str = Field(description="what the cited document is cited as")
    section: str
    page: int | None
    quote: str

    @model_validator(mode="before")
    @classmethod
    def _saved_before_sources(cls, data: Any) -> Any:
        if isinstance(data, dict) and "source" not in data and "source_title" not in data:
            return {**data, "source": LEGACY_SOURCE, "source_title": LEGACY_SOURCE_TITLE}
        return data

    @classmethod
    def of(cls, chunk: Chunk, *, n: int, quote: str) -> Citation:
        """Citation `n` of `quote` from `chunk` (the caller checks the quote is verbatim)."""
        return cls(
            n=n,
            chunk_id=chunk.chunk_id,
            source=chunk.source,
            source_title=chunk.source_title,
            section=chunk.section,
            page=chunk.page,
            quote=quote,
        )


class ToolCall(_Frozen):
    """A rule tool run on behalf of the question (or a request for a missing value)."""

    name: str
    input: dict[str, Any]
    output: dict[str, Any]


class Answer(_Frozen):
    """`Answer.model_dump()` is exactly the `allguide ask --json` shape."""

    answer: str
    note: str = Field(default="", description="the edition/caveat note shown after the answer")
    citations: list[Citation]
    tool_calls: list[ToolCall]
    refused: bool
    latency_ms: float

    def full_text(self) -> str:
        """The answer followed (after a blank line) by its note: what the CLI prints."""
        if not self.note:
            return self.answer
        return f"{self.answer}\n\n{self.note}" if self.answer else self.note


class Message(_Frozen):
    """One turn of conversation history."""

    role: Literal["user", "assistant"]
    content: str


def page_label(page: int | None) -> str:
    """`p. 1252`, or `page n/a` when the journal page is unknown."""
    return f"p. {page}" if page else "page n/a"
