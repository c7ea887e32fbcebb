"""The evaluation dataset evals/qa.jsonl: format, provenance of every evidence span, coverage."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from allguide.errors import BadInputError
from allguide.evaluation.dataset import (
    CATEGORIES,
    EvalItem,
    load_dataset,
    normalize_evidence,
    parse_dataset,
    split_of,
)

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "evals" / "qa.jsonl"
README = ROOT / "evals" / "README.md"
CORPUS = ROOT / "corpus" / "nccn-all-2015.txt"

REQUIRED_KEYS = {
    "id",
    "question",
    "history",
    "gold_evidence",
    "answer_keywords",
    "category",
    "expect_refusal",
    "split",
}
OPTIONAL_KEYS = {"expect_tool"}
ID_PATTERN = re.compile(r"^[a-z]+-\d{3}$")
# Tool name -> result key -> allowed values (docs/design.md "Rule tools"); every tool may ask for input.
TOOL_OUTPUTS: dict[str, dict[str, set[object]]] = {
    "cns_status": {"cns_status": {"CNS-1", "CNS-2", "CNS-3"}},
    "response": {
        "response": {"CR", "CRi", "refractory", "progressive_disease", "relapse", "no_cr"}
    },
    "cns_response": {"cns_response": {"cns_remission", "cns_relapse"}},
    "mediastinal_response": {"mediastinal_response": {"CR", "CRu", "PR", "PD", "NR", "relapse"}},
    "mrd_status": {"mrd_status": {"negative", "positive"}},
}
NEEDS_INPUT = {"status": "needs_input"}
# Categories added with the dev/test split (issue 10); each must appear in both splits.
SPLIT_CATEGORIES = ("overview", "definition", "out_of_scope", "near_miss", "followup")


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_dataset(DATASET)


@pytest.fixture(scope="module")
def corpus() -> str:
    return normalize_evidence(CORPUS.read_text(encoding="utf-8"))


def test_normalize_evidence_ignores_case_whitespace_and_punctuation() -> None:
    assert normalize_evidence("CNS-3: WBC ≥5/mcL") == "cns3wbc5mcl"
    assert normalize_evidence("demon-\nstration, 20%") == normalize_evidence("demonstration 20")
    assert normalize_evidence("  \n\t-.,") == ""
    assert normalize_evidence("< 1 × 10⁻⁴ (<0.01%)") == normalize_evidence("<1 × 10-4 (<0.01%)")


def test_every_line_is_an_object_with_exactly_the_allowed_keys() -> None:
    for number, line in enumerate(DATASET.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        assert isinstance(row, dict), number
        assert REQUIRED_KEYS <= set(row) <= REQUIRED_KEYS | OPTIONAL_KEYS, number
        assert isinstance(row["expect_refusal"], bool), number
        assert list(row)[-1] == "split", number


def test_split_of_hashes_the_id() -> None:
    assert split_of("x-001") == "dev"
    assert split_of("mrd-001") == split_of("mrd-001")
    assert {split_of(f"x-{n:03d}") for n in range(20)} == {"dev", "test"}


def test_every_item_is_in_the_split_its_id_hashes_to(items: list[EvalItem]) -> None:
    wrong = [item.id for item in items if item.split != split_of(item.id)]
    assert wrong == []


def test_dev_and_test_each_hold_some_of_every_new_category(items: list[EvalItem]) -> None:
    for category in SPLIT_CATEGORIES:
        splits = Counter(item.split for item in items if item.category == category)
        assert splits["dev"] > 0 and splits["test"] > 0, (category, splits)


def test_ids_are_unique_and_readable(items: list[EvalItem]) -> None:
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids))
    assert all(ID_PATTERN.match(item_id) for item_id in ids), ids


def test_every_gold_span_occurs_in_the_raw_corpus(items: list[EvalItem], corpus: str) -> None:
    missing = [
        (item.id, span)
        for item in items
        for span in item.gold_evidence
        if normalize_evidence(span) not in corpus
    ]
    assert missing == []


def test_answer_keywords_use_the_guideline_wording(items: list[EvalItem], corpus: str) -> None:
    foreign = [
        (item.id, keyword)
        for item in items
        for keyword in item.answer_keywords
        if normalize_evidence(keyword) not in corpus
    ]
    assert foreign == []


def test_refusal_items_have_no_evidence_and_the_others_do(items: list[EvalItem]) -> None:
    for item in items:
        if item.expect_refusal:
            assert item.category == "out_of_scope", item.id
            assert item.gold_evidence == [], item.id
            assert item.answer_keywords == [], item.id
            assert item.expect_tool is None, item.id
        else:
            assert item.category != "out_of_scope", item.id
            assert 1 <= len(item.gold_evidence) <= 3, item.id
            assert 1 <= len(item.answer_keywords) <= 3, item.id


def test_counts_meet_the_issue_minimums(items: list[EvalItem]) -> None:
    assert len(items) >= 120
    assert sum(1 for item in items if item.history) >= 15
    assert sum(1 for item in items if item.expect_refusal) >= 12
    assert sum(1 for item in items if item.expect_tool is not None) >= 15
    used = Counter(item.category for item in items)
    assert used["overview"] >= 22 and used["definition"] >= 18
    assert used["near_miss"] >= 12 and used["out_of_scope"] >= 33 and used["followup"] >= 35


def test_every_category_is_known_and_every_topic_is_covered(items: list[EvalItem]) -> None:
    used = Counter(item.category for item in items)
    assert set(used) == set(CATEGORIES)


def test_history_alternates_user_then_assistant(items: list[EvalItem]) -> None:
    for item in items:
        roles = [message.role for message in item.history]
        assert roles == ["user", "assistant"] * (len(roles) // 2), item.id
        assert bool(item.history) == (item.category == "followup"), item.id


def test_vignettes_expect_a_known_tool_with_an_allowed_result(items: list[EvalItem]) -> None:
    for item in items:
        assert (item.expect_tool is not None) == (item.category == "vignette"), item.id
        if item.expect_tool is None:
            continue
        name, output = item.expect_tool.name, item.expect_tool.output
        if output == NEEDS_INPUT:
            continue
        if name == "tki_by_mutation":
            options = output["options"]
            assert set(output) == {"options"}, item.id
            assert options == sorted(options), item.id
            assert all(option == option.lower() for option in options), item.id
            continue
        allowed = TOOL_OUTPUTS[name]
        assert set(output) == set(allowed), item.id
        assert all(output[key] in allowed[key] for key in allowed), item.id


def test_readme_counts_match_the_dataset(items: list[EvalItem]) -> None:
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \|", README.read_text(encoding="utf-8"), re.M)
    assert {name: int(count) for name, count in rows} == Counter(i.category for i in items)


def _line(**changes: object) -> str:
    row: dict[str, object] = {
        "id": "x-001",
        "question": "q",
        "history": [],
        "gold_evidence": [],
        "answer_keywords": [],
        "category": "cns",
        "expect_refusal": False,
        "split": "dev",
    }
    return json.dumps(row | changes)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "line 2"),
        ('{"id": "x-002"}', "line 2: question"),
        (_line(id="x-002", expect_refusal="no"), "expect_refusal"),
        (_line(), "duplicate id"),
        (_line(id="x-002", extra=1), "extra"),
        (_line(id="x-002", history=[{"role": "doctor", "content": "a"}]), "history.0.role"),
        (_line(id="x-002", split="train"), "split"),
    ],
)
def test_malformed_line_raises_bad_input_naming_the_line(
    tmp_path: Path, line: str, fragment: str
) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(_line() + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        load_dataset(path)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="cannot read"):
        load_dataset(tmp_path / "absent.jsonl")


def test_an_item_built_without_a_split_gets_the_one_its_id_hashes_to() -> None:
    row = json.loads(_line(id="x-003"))
    del row["split"]
    (item,) = parse_dataset(json.dumps(row))
    assert item.split == split_of("x-003")
    assert "split" not in item.model_dump()  # exports (feedback) keep the pinned format


def test_blank_lines_are_skipped_and_tool_expectations_parse() -> None:
    tool = {"name": "mrd_status", "output": {"mrd_status": "negative"}}
    (item,) = parse_dataset("\n" + _line(expect_tool=tool) + "\n\n")
    assert item.expect_tool is not None
    assert item.expect_tool.output == {"mrd_status": "negative"}
