"""Feedback JSONL: append and read back, export of thumbs-down items, concurrent appends."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from allguide.cli import main
from allguide.errors import BadInputError
from allguide.evaluation.dataset import load_dataset
from allguide.feedback import (
    FeedbackRecord,
    Vote,
    append_feedback,
    export_feedback,
    feedback_path,
    new_record,
    read_feedback,
)
from allguide.guidelines import NCCN_ALL_2015
from allguide.settings import Settings
from allguide.types import Citation, Message

CITATION = Citation(
    n=1,
    chunk_id="all-c-029a2e051c",
    source="nccn-all-2015.txt",
    source_title=NCCN_ALL_2015.title,
    section="ALL-C",
    page=1252,
    quote="CNS-3",
)
LONG = Settings(max_comment_chars=20_000)  # lines over 16 KB: one write each all the same
HISTORY = [
    Message(role="user", content="What defines CNS-3?"),
    Message(role="assistant", content="CNS-3: WBC ≥5/mcL in CSF with blasts. [1]"),
]


def record(question: str, vote: Vote = "down", comment: str = "") -> FeedbackRecord:
    return new_record(
        question=question,
        history=HISTORY,
        answer="An answer [1]",
        citations=[CITATION],
        vote=vote,
        comment=comment,
    )


def test_records_round_trip_with_exactly_the_agreed_fields(tmp_path: Path) -> None:
    path = feedback_path(tmp_path / "home")
    first, second = record("And CNS-2?", "up", "  clear  "), record("And CNS-1?")
    append_feedback(path, first)
    append_feedback(path, second)
    assert read_feedback(path) == [first, second]
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert set(line) == {"question", "history", "answer", "citations", "vote", "comment", "time"}
    assert line["comment"] == "clear"
    assert line["history"][0] == {"role": "user", "content": "What defines CNS-3?"}
    assert line["time"].endswith("+00:00")


def test_export_writes_thumbs_down_items_in_the_eval_format(tmp_path: Path) -> None:
    source, out = tmp_path / "feedback.jsonl", tmp_path / "out" / "regressions.jsonl"
    wrong = record("And CNS-2?", "down", "cites the wrong passage")
    for item in (record("What defines CNS-3?", "up"), wrong, wrong, record("And in adults?")):
        append_feedback(source, item)
    assert export_feedback(source, out) == 2  # the repeated record is exported once
    items = load_dataset(out)
    assert [item.question for item in items] == ["And CNS-2?", "And in adults?"]
    first = items[0]
    assert first.history == HISTORY
    assert first.id.startswith("feedback-") and items[1].id != first.id
    assert (first.category, first.expect_refusal) == ("feedback", False)
    assert (first.gold_evidence, first.answer_keywords) == ([], [])
    assert "cites the wrong passage" not in out.read_text(encoding="utf-8")
    assert set(json.loads(out.read_text(encoding="utf-8").splitlines()[0])) == {
        "id",
        "question",
        "history",
        "gold_evidence",
        "answer_keywords",
        "category",
        "expect_refusal",
    }


def test_concurrent_appends_lose_and_mangle_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    threads, per_thread = 12, 40
    start = threading.Barrier(threads)

    def worker(number: int) -> None:
        start.wait()
        for i in range(per_thread):
            comment = f"t{number}-i{i}-" + "x" * (i * 997 % 20_000)  # some lines > 16 KB
            append_feedback(path, record(f"question {number}", comment=comment), settings=LONG)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seen = [r.comment.split("-x")[0].rstrip("-") for r in read_feedback(path)]
    expected = {f"t{n}-i{i}" for n in range(threads) for i in range(per_thread)}
    assert len(seen) == threads * per_thread
    assert set(seen) == expected


def test_unreadable_feedback_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no feedback recorded yet"):
        read_feedback(tmp_path / "missing.jsonl")
    bad = tmp_path / "feedback.jsonl"
    append_feedback(bad, record("ok"))
    with bad.open("a", encoding="utf-8") as handle:
        handle.write('{"question": "half a line"\n')
    with pytest.raises(BadInputError, match="line 2: not a feedback record"):
        read_feedback(bad)


def test_cli_exports_from_allguide_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ALLGUIDE_HOME", str(home))
    out = tmp_path / "regressions.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 2
    assert "no feedback recorded yet" in capsys.readouterr().err
    append_feedback(feedback_path(home), record("And CNS-2?"))
    append_feedback(feedback_path(home), record("What defines CNS-3?", "up"))
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert "exported 1 thumbs-down item(s)" in capsys.readouterr().out
    assert [item.question for item in load_dataset(out)] == ["And CNS-2?"]


def test_feedback_written_before_citations_had_a_source_still_reads(tmp_path: Path) -> None:
    """Records from before `source` existed cite the 2015 guideline, then the only document."""
    path = feedback_path(tmp_path / "home")
    append_feedback(path, record("What defines CNS-3?", "down"))
    line = json.loads(path.read_text(encoding="utf-8"))
    for citation in line["citations"]:
        del citation["source"], citation["source_title"]
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (old,) = read_feedback(path)
    assert old.citations == [CITATION]
    assert export_feedback(path, tmp_path / "out.jsonl") == 1
