"""Scale-out: the same code against a real `chroma run` server gives the embedded top-k."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from allguide.assistant import Assistant
from allguide.errors import IndexStateError
from allguide.settings import ChunkingSettings, Settings
from conftest import CORPUS, chroma_server

QUERIES = [
    "What defines CNS-3?",
    "mediastinal response criteria CRu",
    "Which TKI for the T315I mutation?",
    "MRD negativity threshold and assay sensitivity",
    "testicular radiation dose",
]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as (url, _):
        yield url


@pytest.mark.server
def test_server_mode_matches_embedded_top_k(
    chroma_url: str, assistant: Assistant, tmp_path: Path
) -> None:
    remote = Assistant(Settings(home=tmp_path, corpus_dir=CORPUS, chroma_url=chroma_url))
    report = remote.ingest()
    assert report.rebuilt and report.chunks == len(assistant.retriever.chunks)
    assert not (tmp_path / "index" / "manifest.json").exists()  # the server holds the manifest
    for query in QUERIES:
        ours = [p.chunk_id for p in assistant.retrieve(query, 5)]
        theirs = [p.chunk_id for p in remote.retrieve(query, 5)]
        assert theirs == ours, query
    answer = remote.ask("What defines CNS-3?")
    assert answer.citations and not answer.refused

    stale = Assistant(
        Settings(
            home=tmp_path,
            corpus_dir=CORPUS,
            chroma_url=chroma_url,
            chunking=ChunkingSettings(max_chars=600),
        )
    )
    with pytest.raises(IndexStateError, match="allguide ingest --rebuild"):
        stale.ingest()
