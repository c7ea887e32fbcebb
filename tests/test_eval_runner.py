"""`allguide eval` end to end on a mini dataset, and the synthetic-corpus generator."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from allguide.cli import main
from allguide.evaluation.synthetic import perturb, synthesize, write_corpus

ROOT = Path(__file__).resolve().parents[1]
MINI_IDS = ("epi-001", "cns-001", "mrd-001", "vig-001", "oos-001")
ITEM_KEYS = {"id", "question", "retrieved", "answer", "citations", "tool_calls", "refused"}
ITEM_KEYS |= {"latency_ms", "metrics"}
PASSAGE_KEYS = {"chunk_id", "text", "section", "title", "page", "kind", "score"}


def _mini_dataset(path: Path) -> Path:
    lines = (ROOT / "evals" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    chosen = [r for r in rows if r["id"] in MINI_IDS]
    chosen.append(next(r for r in rows if r["history"]))  # one multi-turn follow-up
    assert len(chosen) == 6
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    return path


def _in_unit(value: Any) -> bool:
    return value is None or 0.0 <= value <= 1.0


@pytest.fixture
def mini(tmp_path: Path, built_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALLGUIDE_HOME", str(built_home))
    return _mini_dataset(tmp_path / "mini.jsonl")


def test_eval_writes_report_json_markdown_and_plots(
    mini: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results" / "latest.json"
    assert main(["eval", "--dataset", str(mini), "--k", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "hit@5" in printed and "keyword accuracy" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["meta"]["items"] == 6 and report["meta"]["retrieval_items"] == 5
    assert [i["id"] for i in report["items"]] == [json.loads(x)["id"] for x in mini.open()]
    for item in report["items"]:
        assert set(item) >= ITEM_KEYS, item["id"]
        assert isinstance(item["answer"], str) and isinstance(item["refused"], bool)
        assert item["latency_ms"] >= 0
        for passage in item["retrieved"]:
            assert set(passage) == PASSAGE_KEYS
        assert all(
            {"n", "chunk_id", "section", "page", "quote"} <= set(c) for c in item["citations"]
        )
        assert all({"name", "input", "output"} <= set(t) for t in item["tool_calls"])
    oos = next(i for i in report["items"] if i["id"] == "oos-001")
    assert oos["retrieved"] == [] and oos["metrics"]["retrieval"] == {}
    assert oos["metrics"]["answer"]["keywords"] is None
    vignette = next(i for i in report["items"] if i["id"] == "vig-001")
    assert isinstance(vignette["metrics"]["answer"]["tool"]["ok"], bool)
    ranks = report["metrics"]["retrieval"]["hybrid"]
    assert ranks["n"] == 5
    assert all(_in_unit(ranks[k]) for k in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr"))
    assert ranks["hit@1"] <= ranks["hit@3"] <= ranks["hit@5"] <= ranks["hit@10"]
    answer = report["metrics"]["answer"]
    for key in ("keyword_accuracy", "citation_validity", "citation_support", "tool_accuracy"):
        assert _in_unit(answer[key]), key
    assert answer["latency_ms_p50"] <= answer["latency_ms_p95"]
    assert set(report["per_category"]["retrieval"]["hybrid"]) <= {
        "cns",
        "epidemiology",
        "followup",
        "mrd",
        "vignette",
    }
    markdown = (tmp_path / "results" / "latest.md").read_text(encoding="utf-8")
    assert "| hybrid (ours) |" in markdown and "## Per category" in markdown
    for png in ("hit_at_k.png", "per_category.png"):
        assert (tmp_path / "results" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_retrieval_only_baseline(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--dataset", str(mini), "--retriever", "bm25", "--no-answers"]) == 0
    printed = capsys.readouterr().out
    assert "| bm25 (ours) |" in printed and "keyword accuracy" not in printed


def test_eval_bad_dataset_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--dataset", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read eval dataset" in capsys.readouterr().err


DOCS = {"guide.txt": "Patients received therapy in 12 studies; the response rate was 45 percent."}


def test_synthetic_copies_have_distinct_sources_and_perturbed_text() -> None:
    copies = list(synthesize(DOCS, 5, seed=7))
    sources = [s for s, _ in copies]
    assert len(set(sources)) == 5 and all(s.startswith("synthetic-") for s in sources)
    texts = [t for _, t in copies]
    assert len(set(texts)) == 5
    assert all(DOCS["guide.txt"] not in t for t in texts)


def test_synthetic_corpus_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    assert list(synthesize(DOCS, 3, seed=1)) == list(synthesize(DOCS, 3, seed=1))
    assert list(synthesize(DOCS, 3, seed=1)) != list(synthesize(DOCS, 3, seed=2))
    paths = write_corpus(tmp_path / "c", DOCS, 2, seed=1)
    assert [p.name for p in paths] == [s for s, _ in synthesize(DOCS, 2, seed=1)]


def test_perturb_keeps_names_and_case() -> None:
    text = "Patients with CNS-3 and T315I received therapy; CD19 in 1 × 10⁻⁴. Treatment 250 days."
    out = {perturb(text, random.Random(seed)) for seed in range(20)}
    assert len(out) > 1
    for variant in out:
        assert "CNS-3" in variant and "T315I" in variant and "CD19" in variant
        assert "10⁻⁴" in variant
        assert variant.startswith(("Patients", "Individuals"))
