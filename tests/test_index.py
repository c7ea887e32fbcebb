"""The embedded index: build, fingerprint rebuilds, atomic swap, artifacts, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allguide.assistant import Assistant
from allguide.cli import main
from allguide.index.chroma_io import read_all
from allguide.settings import ChunkingSettings, EmbeddingSettings, Settings

MINI = (
    "Mini Guideline\n"
    "CNS-3 means WBC of five or more per mcL in the CSF with lymphoblasts present.\n\n"
    "Testicular disease that persists after induction is treated with radiation to 24 Gy.\n\n"
    "MRD negativity requires an assay sensitivity below one in ten thousand cells.\n"
)


@pytest.fixture
def mini(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    return Settings(home=tmp_path / "home", corpus_dir=corpus)


def test_ingest_builds_once_then_reuses_the_index(mini: Settings) -> None:
    first = Assistant(mini).ingest()
    assert first.rebuilt and first.chunks >= 1 and first.documents == 1
    again = Assistant(mini).ingest()
    assert not again.rebuilt and again.fingerprint == first.fingerprint
    manifest = json.loads((mini.index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == first.fingerprint and manifest["chunks"] == first.chunks
    assert manifest["sentences"] >= 3
    lines = (mini.index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["source"] for x in lines] == ["mini.txt"] * first.chunks


def test_a_changed_corpus_or_setting_rebuilds(mini: Settings) -> None:
    base = Assistant(mini).ingest()
    (mini.corpus_dir / "extra.txt").write_text(
        "Extra Notes\nA second document.\n", encoding="utf-8"
    )
    grown = Assistant(mini).ingest()
    assert grown.rebuilt and grown.documents == 2 and grown.fingerprint != base.fingerprint
    other = mini.model_copy(update={"chunking": ChunkingSettings(max_chars=300)})
    assert Assistant(other).ingest().rebuilt
    assert Assistant(other).ingest(rebuild=True).rebuilt


def test_a_failed_build_leaves_the_previous_index_untouched(mini: Settings) -> None:
    assistant = Assistant(mini)
    report = assistant.ingest()
    before = assistant.retrieve("testicular radiation", 1)[0].chunk_id

    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("disk full")

    manifest = assistant.store.manifest()
    assert manifest is not None
    chunks = assistant.store.load_chunks()
    units, _ = assistant.store.load_units()
    with pytest.raises(RuntimeError, match="disk full"):
        assistant.store.replace(chunks, units, broken, manifest)
    fresh = Assistant(mini)
    assert fresh.store.manifest() == manifest
    assert fresh.retrieve("testicular radiation", 1)[0].chunk_id == before
    names = sorted(c.name for c in fresh.store.client.list_collections())
    assert names == [mini.collection, f"{mini.collection}_sentences"]
    assert not fresh.ingest().rebuilt and report.fingerprint == fresh.ingest().fingerprint


# The Passage keys of docs/design.md.
PASSAGE_KEYS = {"chunk_id", "text", "source", "source_title", "section", "title", "page"}
PASSAGE_KEYS |= {"kind", "score"}


def test_retrieve_json_matches_the_contract(
    built_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLGUIDE_HOME", str(built_home))
    assert main(["retrieve", "What defines CNS-2?", "--k", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    for row in rows:
        assert set(row) == PASSAGE_KEYS
    assert rows[0]["section"] == "ALL-C"
    assert rows[0]["source"] == "nccn-all-2015.txt"
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retrieve", ""], "query is empty"),
        (["retrieve", "   \n\t "], "query is empty"),
        (["retrieve", "x" * 100_000], "characters long; the limit is"),
        (["retrieve", "CNS\x07status"], "control character (U+0007)"),
        (["ask", ""], "question is empty"),
        (["ask", "a" * 100_000], "the limit is 2,000"),
        (["tool", "cns_status", "--input", "{not json"], "--input is not valid JSON"),
        (
            [
                "tool",
                "cns_status",
                "--input",
                '{"csf_wbc_per_mcl": -3, "csf_blasts_present": true}',
            ],
            "csf_wbc_per_mcl",
        ),
        (["tool", "nope", "--input", "{}"], "unknown tool 'nope'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str],
    message: str,
    built_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ALLGUIDE_HOME", str(built_home))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_bad_option_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["retrieve", "ok", "--k", "0"])
    assert exit_info.value.code == 2
    assert "must be between 1 and 50" in capsys.readouterr().err


def test_missing_and_empty_corpus_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALLGUIDE_CORPUS_DIR", str(tmp_path / "nowhere"))
    assert main(["ingest"]) == 2
    assert "corpus folder not found" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("  \n", encoding="utf-8")
    monkeypatch.setenv("ALLGUIDE_CORPUS_DIR", str(empty))
    assert main(["ingest"]) == 2
    assert "no non-empty *.txt files" in capsys.readouterr().err


def test_unwritable_home_and_unreachable_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ALLGUIDE_HOME", str(blocker))
    assert main(["retrieve", "CNS-3"]) == 2
    assert "cannot write the index under" in capsys.readouterr().err
    monkeypatch.setenv("ALLGUIDE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALLGUIDE_CHROMA_URL", "http://127.0.0.1:9")
    assert main(["retrieve", "CNS-3"]) == 2
    assert "does not answer" in capsys.readouterr().err
    monkeypatch.setenv("ALLGUIDE_CHROMA_URL", "ftp://example")
    assert main(["ingest"]) == 2
    assert "must look like http://host:port" in capsys.readouterr().err


def test_the_embedding_batch_size_setting_reaches_the_model(tmp_path: Path) -> None:
    assistant = Assistant(Settings(home=tmp_path, embedding=EmbeddingSettings(batch_size=8)))
    assert assistant.embedder.langchain.encode_kwargs["batch_size"] == 8
    assert Assistant(Settings(home=tmp_path)).embedder.langchain.encode_kwargs["batch_size"] == 32


def test_whole_collections_are_read_in_pages(assistant: Assistant) -> None:
    """A whole-collection read goes page by page (one get of a 100× index exceeds SQLite's
    bound-variable limit); small pages give the same rows as one page."""
    collection = assistant.store._live_sentences()
    assert collection is not None
    whole = read_all(collection, ["documents", "metadatas"], page=100_000)
    paged = read_all(collection, ["documents", "metadatas"], page=97)
    assert len(whole["ids"]) == collection.count() > 97 * 3
    assert sorted(zip(paged["ids"], paged["documents"], strict=True)) == sorted(
        zip(whole["ids"], whole["documents"], strict=True)
    )
    units, vectors = assistant.store.load_units()
    assert len(units) == vectors.shape[0] == collection.count()
