"""All configuration: one `Settings`, read from `ALLGUIDE_*` environment variables.

Nested groups use a double underscore, e.g. `ALLGUIDE_RETRIEVAL__RRF_K=60`.
README's configuration table is tested against these fields. The nested groups are defined
in `settings_groups.py` and re-exported here.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from allguide.errors import ConfigError
from allguide.settings_groups import (
    CALIBRATION_FIELDS,
    AnswerSettings,
    ChunkingSettings,
    EmbeddingSettings,
    RetrievalSettings,
)

__all__ = [
    "CALIBRATION_FIELDS",
    "DEPRECATED_ENV_NAMES",
    "ENV_PREFIX",
    "AnswerSettings",
    "ChunkingSettings",
    "ConfigWarning",
    "EmbeddingSettings",
    "RetrievalSettings",
    "Settings",
    "known_env_names",
    "load_settings",
]

_REPO_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _default_corpus_dir() -> Path:
    return _REPO_CORPUS if _REPO_CORPUS.is_dir() else Path("corpus")


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
