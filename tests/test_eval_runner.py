"""`allguide eval` end to end on a mini dataset, splits, the previous release and answers.md
on a fake assistant, and the synthetic-corpus generator."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from allguide.cli import _parser, main
from allguide.evaluation.answer_scores import load_previous
from allguide.evaluation.answers_md import format_answers_md, select_items
from allguide.evaluation.baselines import RETRIEVERS
from allguide.evaluation.dataset import EvalItem, parse_dataset, split_of
from allguide.evaluation.markdown import format_markdown
from allguide.evaluation.options import EvalOptions
from allguide.evaluation.runner import evaluate, run_eval
from allguide.evaluation.synthetic import perturb, synthesize, write_corpus
from allguide.evaluation.tables import format_table
from allguide.guidelines import NCCN_ALL_2015
from allguide.types import Answer, Chunk, Citation, Message, Passage

ROOT = Path(__file__).resolve().parents[1]
MINI_IDS = ("epi-001", "cns-001", "mrd-001", "vig-001", "oos-001")
ITEM_KEYS = {"id", "question", "retrieved", "answer", "citations", "tool_calls", "refused"}
ITEM_KEYS |= {"latency_ms", "metrics"}
PASSAGE_KEYS = {
    "chunk_id",
    "text",
    "source",
    "source_title",
    "section",
    "title",
    "page",
    "kind",
    "score",
}


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
    ids = [json.loads(line)["id"] for line in mini.open()]
    previous = tmp_path / "previous.json"
    old = {"answer": "Old answer. [1]", "citations": [], "tool_calls": [], "refused": False}
    rows: dict[str, Any] = {i: {**old, "latency_ms": 1.0} for i in ids[2:]}
    rows[ids[1]] = {"error": "the old release failed"}
    previous.write_text(json.dumps(rows), encoding="utf-8")  # ids[0] is missing
    argv = ["eval", "--dataset", str(mini), "--k", "5", "--out", str(out)]
    assert main([*argv, "--previous", str(previous)]) == 0
    printed = capsys.readouterr().out
    assert "hit@5" in printed and "keyword accuracy" in printed and "lead accuracy" in printed
    assert "retrieval at equal context" in printed and "previous release test" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["meta"]["items"] == 6 and report["meta"]["retrieval_items"] == 5
    assert report["meta"]["splits"] == ["all", "dev", "test"]
    old_all = report["metrics"]["all"]["previous"]
    assert (old_all["n"], old_all["missing"], old_all["errors"]) == (5, 1, 1)
    assert old_all["missing_items"] == [ids[0]]
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
    ranks = report["metrics"]["all"]["retrieval"]["hybrid"]
    assert ranks["n"] == 5
    assert all(_in_unit(ranks[k]) for k in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr"))
    assert ranks["hit@1"] <= ranks["hit@3"] <= ranks["hit@5"] <= ranks["hit@10"]
    by_split = [report["metrics"][s]["retrieval"]["hybrid"]["n"] for s in ("dev", "test")]
    assert sum(by_split) == 5
    context = report["metrics"]["all"]["equal_context"]["hybrid"]
    budgets = report["meta"]["budgets"]
    assert budgets["B1"] == round(context["top1_chars"]) and budgets["Bk"] > budgets["B1"]
    assert _in_unit(context["hit@B1"]) and _in_unit(context["hit@Bk"])
    answer = report["metrics"]["all"]["answer"]
    keys = ("keyword_accuracy", "lead_accuracy", "citation_validity", "citation_support")
    for key in (*keys, "tool_accuracy", "false_refusal_rate"):
        assert _in_unit(answer[key]), key
    assert isinstance(answer["reference_quotes"], int)
    assert answer["latency_ms_p50"] <= answer["latency_ms_p95"]
    assert set(report["per_category"]["all"]["retrieval"]["hybrid"]) <= {
        "cns",
        "epidemiology",
        "followup",
        "mrd",
        "vignette",
    }
    markdown = (tmp_path / "results" / "latest.md").read_text(encoding="utf-8")
    assert "| hybrid (ours) |" in markdown and "## Per category" in markdown
    assert "## Retrieval at equal context" in markdown and "previous release all" in markdown
    for png in ("hit_at_k.png", "per_category.png"):
        assert (tmp_path / "results" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    answers = (tmp_path / "results" / "answers.md").read_text(encoding="utf-8")
    assert all(f"## {n}. " in answers for n in range(1, 7))
    assert "the old release failed" in answers and "not in the previous release's file" in answers


def test_eval_retrieval_only_baselines_on_one_split(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "--dataset", str(mini), "--no-answers", "--split", "test"]
    assert main([*argv, "--retriever", "bm25"]) == 0
    printed = capsys.readouterr().out
    assert "| bm25 (ours) | test |" in printed and "keyword accuracy" not in printed
    assert "| dev |" not in printed and "| all |" not in printed
    assert main([*argv, "--retriever", "vanilla-bm25"]) == 0
    assert "| vanilla-bm25 (ours) | test |" in capsys.readouterr().out


def test_the_cli_offers_every_retriever(capsys: pytest.CaptureFixture[str]) -> None:
    for name in RETRIEVERS:
        assert _parser().parse_args(["eval", "--retriever", name]).retriever == name
    with pytest.raises(SystemExit):
        _parser().parse_args(["eval", "--split", "train"])
    assert "invalid choice" in capsys.readouterr().err


def test_eval_bad_dataset_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--dataset", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read eval dataset" in capsys.readouterr().err


EDITION = "Based on the 2015 NCCN ALL guideline text; recommendations may have changed."
CNS1 = "CNS-1: No lymphoblasts in CSF regardless of WBC count."
CNS2 = "CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."
BIB_TITLE = "Treatment of adult acute lymphoblastic leukemia."


def _chunk(chunk_id: str, section: str, text: str) -> Chunk:
    kind = "algorithm" if section.startswith("ALL-") else "discussion"
    return Chunk(
        chunk_id=chunk_id,
        text=text,
        source="nccn-all-2015.txt",
        source_title=NCCN_ALL_2015.title,
        profile="nccn-all-2015",
        section=section,
        title=section,
        page=1252,
        kind=kind,
        start=0,
        end=len(text),
    )


DEFS = _chunk("all-c-1", "ALL-C", f"Classification of CNS status:\n\n{CNS1}\n\n{CNS2}")
BIB = _chunk(
    "disc-1",
    "Discussion › Overview",
    "Outcomes remain poor in adults. There is uniform NCCN consensus on this.\n\n"
    f"Gokbuget N, Hoelzer D. {BIB_TITLE} Semin Hematol 2009;46:64-75.",
)


def _item(
    item_id: str,
    question: str,
    category: str,
    gold: Sequence[str] = (),
    keywords: Sequence[str] = (),
    history: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    return {
        "id": item_id,
        "question": question,
        "history": [{"role": r, "content": c} for r, c in history],
        "gold_evidence": list(gold),
        "answer_keywords": list(keywords),
        "category": category,
        "expect_refusal": category == "out_of_scope",
    }


# x-001, x-002, x-010 are dev; x-003, x-004, x-005 are test (split_of).
FAKE_ITEMS = [
    _item("x-001", "What is CNS-2?", "definition", [CNS2], ["CNS-2"]),
    _item("x-002", "What is ALL?", "overview", ["Outcomes remain poor in adults"], ["poor"]),
    _item("x-003", "What is the capital of France?", "out_of_scope"),
    _item(
        "x-004",
        "Is CML blast phase covered?",
        "near_miss",
        ["uniform NCCN consensus"],
        ["consensus"],
    ),
    _item(
        "x-005",
        "And CNS-1?",
        "followup",
        [CNS1],
        ["CNS-1"],
        history=[("user", "What is CNS-2?"), ("assistant", CNS2)],
    ),
    _item("x-010", "Who won the 2014 World Cup?", "out_of_scope"),
]


def _cite(n: int, chunk: Chunk, quote: str) -> Citation:
    assert quote in chunk.text
    return Citation.of(chunk, n=n, quote=quote).model_copy(update={"page": 1252})


def _ans(text: str, *citations: Citation, refused: bool = False) -> Answer:
    return Answer(
        answer=f"{text}\n\n{EDITION}",
        citations=list(citations),
        tool_calls=[],
        refused=refused,
        latency_ms=2.0,
    )


REFUSAL = _ans("The 2015 NCCN ALL guideline text does not address this.", refused=True)
FAKE_ANSWERS = {
    "What is CNS-2?": _ans(f"{CNS2} [1]", _cite(1, DEFS, CNS2)),
    "What is ALL?": _ans(
        f"{BIB_TITLE} [1] Outcomes remain poor in adults. [2]",
        _cite(1, BIB, BIB_TITLE),
        _cite(2, BIB, "Outcomes remain poor in adults."),
    ),
    "What is the capital of France?": REFUSAL,
    "Is CML blast phase covered?": REFUSAL,  # a false refusal
    "And CNS-1?": _ans(f"{CNS1} [1]", _cite(1, DEFS, CNS1)),
    "Who won the 2014 World Cup?": _ans("Germany won it."),  # a missed refusal
}


class FakeAssistant:
    """What `run_eval` uses of `Assistant`: two chunks, canned answers, a fixed ranking."""

    def __init__(self) -> None:
        self.retriever = SimpleNamespace(chunks=[DEFS, BIB])
        self.store = SimpleNamespace(manifest=lambda: None)
        self.settings = SimpleNamespace(llm="fake")

    def ask(self, question: str, history: Sequence[Message] = ()) -> Answer:
        return FAKE_ANSWERS.get(question, REFUSAL)

    def retrieve(self, query: str, k: int = 5, *, mode: str = "hybrid") -> list[Passage]:
        return [Passage.of(c, 1.0 / rank) for rank, c in enumerate([DEFS, BIB][:k], 1)]


@pytest.fixture
def fake_dataset(tmp_path: Path) -> Path:
    assert [split_of(i["id"]) for i in FAKE_ITEMS] == ["dev", "dev", "test", "test", "test", "dev"]
    path = tmp_path / "fake.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in FAKE_ITEMS), encoding="utf-8")
    return path


@pytest.fixture
def previous_file(tmp_path: Path) -> Path:
    rows: dict[str, Any] = {
        "x-001": FAKE_ANSWERS["What is CNS-2?"].model_dump(mode="json"),
        "x-002": {"error": "timed out"},
        "x-003": REFUSAL.model_dump(mode="json"),
        "x-004": _ans("A consensus covers it. [1]", _cite(1, BIB, BIB_TITLE)).model_dump(
            mode="json"
        ),
        "x-010": REFUSAL.model_dump(mode="json"),
        "not-in-dataset": REFUSAL.model_dump(mode="json"),
    }  # x-005 is missing
    path = tmp_path / "previous_answers.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _fake_run(dataset: Path, previous: Path | None = None, **options: Any) -> dict[str, Any]:
    opts = EvalOptions(dataset=dataset, progress=False, previous=previous, **options)
    return run_eval(opts, FakeAssistant())  # type: ignore[arg-type]


def test_every_metric_is_reported_for_all_dev_and_test(
    fake_dataset: Path, previous_file: Path
) -> None:
    report = _fake_run(fake_dataset, previous_file)
    assert report["meta"]["splits"] == ["all", "dev", "test"]
    assert report["meta"]["split_items"] == {"all": 6, "dev": 3, "test": 3}
    assert [i["split"] for i in report["items"]] == ["dev", "dev", "test", "test", "test", "dev"]
    got = {s: report["metrics"][s]["answer"] for s in ("all", "dev", "test")}
    assert [got[s]["keyword_accuracy"] for s in got] == [0.75, 1.0, 0.5]
    assert [got[s]["lead_accuracy"] for s in got] == [0.5, 0.5, 0.5]  # x-002 leads with a ref
    assert [got[s]["reference_quotes"] for s in got] == [1, 1, 0]
    assert got["all"]["reference_quote_items"] == ["x-002"]
    assert [got[s]["refusal_precision"] for s in got] == [0.5, None, 0.5]
    assert [got[s]["refusal_recall"] for s in got] == [0.5, 0.0, 1.0]
    assert [got[s]["false_refusal_rate"] for s in got] == [0.25, 0.0, 0.5]
    retrieval = {s: report["metrics"][s]["retrieval"]["hybrid"] for s in ("all", "dev", "test")}
    assert [retrieval[s]["n"] for s in retrieval] == [4, 2, 2]
    assert [retrieval[s]["hit@1"] for s in retrieval] == [0.5, 0.5, 0.5]
    assert report["meta"]["budgets"] == {
        "B1": len(DEFS.text),
        "Bk": len(DEFS.text) + len(BIB.text),
        "k": 5,
        "from": "hybrid",
    }
    context = report["metrics"]["test"]["equal_context"]["hybrid"]
    assert (context["hit@B1"], context["hit@Bk"]) == (0.5, 1.0)
    per = report["per_category"]
    for category in ("definition", "overview", "near_miss", "followup", "out_of_scope"):
        row = per["all"]["answer"][category]
        assert {"keyword_accuracy", "lead_accuracy", "refused", "false_refusal_rate"} <= set(row)
    assert per["all"]["answer"]["near_miss"]["false_refusal_rate"] == 1.0
    assert set(per["dev"]["answer"]) == {"definition", "overview", "out_of_scope"}
    table = format_table(report)
    assert "| hybrid (ours) | all | 4 |" in table and "|  | test | 2 |" in table
    assert "| near_miss | 1 / 0 / 1 |" in table


def test_the_previous_release_is_scored_beside_ours(
    fake_dataset: Path, previous_file: Path
) -> None:
    report = _fake_run(fake_dataset, previous_file)
    old = report["metrics"]["all"]["previous"]
    assert (old["n"], old["missing"], old["missing_items"], old["errors"]) == (
        5,
        1,
        ["x-005"],
        1,
    )
    assert old["keyword_accuracy"] == 0.6667  # x-001, x-004; x-002 errored
    assert old["lead_accuracy"] == 0.6667
    assert (old["reference_quotes"], old["reference_quote_items"]) == (1, ["x-004"])
    assert (old["refusal_precision"], old["refusal_recall"]) == (1.0, 1.0)
    assert old["false_refusal_rate"] == 0.0
    assert "citation_validity" not in old and "latency_ms_p50" not in old
    assert report["metrics"]["test"]["previous"]["missing_items"] == ["x-005"]
    item = next(i for i in report["items"] if i["id"] == "x-005")
    assert item["metrics"]["previous"] == {"missing": True}
    markdown = format_markdown(report)
    assert "| keyword accuracy (in-scope) | 0.750 | 1.000 | 0.500 | 0.667 |" in markdown
    assert "## Reference quotes (1 items)" in markdown and "- `x-002` (dev): [1]" in markdown
    assert "Missing from `previous_answers.json`: `x-005`" in markdown


def test_a_run_restricted_to_one_split_reports_only_it(fake_dataset: Path) -> None:
    report = _fake_run(fake_dataset, split="dev")
    assert report["meta"]["splits"] == ["dev"] and report["meta"]["items"] == 3
    assert set(report["metrics"]) == {"dev"} and report["metrics"]["dev"]["previous"] is None
    assert {i["id"] for i in report["items"]} == {"x-001", "x-002", "x-010"}
    assert "previous release" not in format_table(report)


def test_answers_md_is_written_beside_the_report(
    fake_dataset: Path, previous_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results" / "latest.json"
    options = EvalOptions(dataset=fake_dataset, progress=False, previous=previous_file)
    printed = evaluate(options, out, assistant=FakeAssistant())  # type: ignore[arg-type]
    written = tmp_path / "results" / "answers.md"
    assert str(written) in printed
    text = written.read_text(encoding="utf-8")
    # Test split first, then dev; all six items, each category once at least.
    order = [line.split(". ", 1)[1] for line in text.splitlines() if line.startswith("## ")]
    assert sorted(order) == sorted(i["id"] for i in FAKE_ITEMS)
    assert [split_of(i) for i in order] == ["test"] * 3 + ["dev"] * 3
    assert "**History:**" in text and "- *user:* What is CNS-2?" in text
    assert "[1] ALL-C, p. 1252: “CNS-2: WBC &lt;" not in text  # "<5" is no tag: kept
    assert f"[1] ALL-C, p. 1252: “{CNS2}”" in text
    assert "error: timed out" in text and "not in the previous release's file" in text
    assert "reference quotes [1]" in text
    assert load_previous(previous_file)["x-002"] == (None, "timed out")


def test_load_previous_reads_answers_saved_before_citations_had_a_source(tmp_path: Path) -> None:
    """evals/results/previous_answers.json predates `source`: its citations are the 2015
    guideline's, then the only document."""
    old = {"n": 1, "chunk_id": "all-c-1", "section": "ALL-C", "page": 1252, "quote": CNS2}
    answer = {"answer": f"{CNS2} [1]", "citations": [old], "tool_calls": [], "refused": False}
    answer["latency_ms"] = 1.0
    path = tmp_path / "previous_answers.json"
    path.write_text(json.dumps({"x-001": answer}), encoding="utf-8")
    got, error = load_previous(path)["x-001"]
    assert error is None and got is not None
    assert (got.citations[0].source, got.citations[0].source_title) == (
        "nccn-all-2015.txt",
        NCCN_ALL_2015.title,
    )
    saved = json.loads((ROOT / "evals/results/previous_answers.json").read_text(encoding="utf-8"))
    assert all("source" not in c for a in saved.values() for c in a.get("citations", []))
    assert len(load_previous(ROOT / "evals/results/previous_answers.json")) == len(saved)


def test_load_previous_rejects_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"x-001": {"answer": "no other keys"}}), encoding="utf-8")
    with pytest.raises(Exception, match="x-001"):
        load_previous(bad)
    with pytest.raises(Exception, match="not found"):
        load_previous(tmp_path / "missing.json")


def _items(*specs: tuple[str, str]) -> list[EvalItem]:
    lines = [json.dumps(_item(i, "Q?", c, ["g"], ["k"])) for i, c in specs]
    return parse_dataset("\n".join(lines))


def test_the_answers_md_sample_covers_every_category_test_split_first() -> None:
    specs = [(f"s-{n:03d}", "mrd" if n % 5 else "cns") for n in range(1, 61)]
    items = _items(*specs, ("s-900", "hct"))
    picked = select_items(items, 10)
    assert len(picked) == 10 and {i.category for i in picked} == {"mrd", "cns", "hct"}
    assert picked == select_items(list(reversed(items)), 10)  # order-independent
    splits = [i.split for i in picked]
    assert splits == sorted(splits, key=lambda s: s != "test")
    assert len(select_items(items[:3], 40)) == 3


def test_answers_md_without_a_previous_file(fake_dataset: Path) -> None:
    report = _fake_run(fake_dataset)
    items = parse_dataset(fake_dataset.read_text(encoding="utf-8"))
    text = format_answers_md(items, report, None)
    assert text.count("*no previous release file given*") == 6


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
