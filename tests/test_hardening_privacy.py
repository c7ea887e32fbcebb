"""Privacy of what allguide keeps: owner-only home and feedback, comment cap, retention, size
cap, and an export that survives a damaged feedback file."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from allguide.cli import main
from allguide.evaluation.dataset import load_dataset
from allguide.feedback import (
    FeedbackRecord,
    FeedbackWarning,
    append_feedback,
    export_feedback,
    feedback_path,
    new_record,
    read_feedback,
    scan_feedback,
)
from allguide.index.build import open_store
from allguide.settings import Settings
from allguide.types import Message

HISTORY = [Message(role="user", content="What defines CNS-3?")]


def vote(question: str, *, comment: str = "", days_ago: float = 0.0) -> FeedbackRecord:
    record = new_record(
        question=question, history=HISTORY, answer="An answer", citations=[], vote="down"
    )
    when = datetime.now(UTC) - timedelta(days=days_ago)
    return record.model_copy(
        update={"comment": comment, "time": when.isoformat(timespec="milliseconds")}
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_long_comment_is_cut_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "home" / "feedback.jsonl"
    stored = append_feedback(
        path, vote("q", comment="x" * 50), settings=Settings(max_comment_chars=20)
    )
    assert stored.comment == "x" * 20
    monkeypatch.setenv("ALLGUIDE_MAX_COMMENT_CHARS", "5")  # the environment's limit by default
    append_feedback(path, vote("q", comment="abcdefgh"))
    assert [r.comment for r in read_feedback(path)] == ["x" * 20, "abcde"]
    assert len(append_feedback(path, vote("q", comment="y" * 5000)).comment) == 5


def test_records_past_retention_go_on_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    settings = Settings(feedback_retention_days=30)
    for question, days in (("old", 45.0), ("older than a month", 31.0), ("recent", 2.0)):
        append_feedback(path, vote(question, days_ago=days), settings=Settings())
    assert len(read_feedback(path)) == 3  # the default (90 days) keeps them
    append_feedback(path, vote("today"), settings=settings)
    assert [r.question for r in read_feedback(path)] == ["recent", "today"]
    assert mode(path) == 0o600
    assert not list(tmp_path.glob("*.tmp"))


def test_the_size_cap_drops_the_oldest_records_first(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    settings = Settings(feedback_max_mb=0.01)  # 10,485 bytes: about twenty of these records
    for n in range(60):
        append_feedback(path, vote(f"question {n}", comment="c" * 300), settings=settings)
        assert path.stat().st_size <= 10_485
    kept = [int(r.question.split()[1]) for r in read_feedback(path)]
    assert kept == list(range(60 - len(kept), 60)) and 10 < len(kept) < 60


def test_concurrent_appends_survive_the_file_being_rewritten(tmp_path: Path) -> None:
    """An append that waited on the lock while another one pruned the file (replacing it)
    writes to the new file, not the unlinked old one."""
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, vote("expired", days_ago=400), settings=Settings())
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)

    def worker(number: int) -> None:
        start.wait()
        for i in range(per_thread):
            append_feedback(path, vote(f"t{number}-{i}"), settings=Settings())

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    questions = [r.question for r in read_feedback(path)]
    assert sorted(questions) == sorted(
        f"t{n}-{i}" for n in range(threads) for i in range(per_thread)
    )


def test_home_index_and_feedback_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    open_store(Settings(home=home)).client  # connecting creates home and index  # noqa: B018
    assert mode(home) == mode(home / "index") == 0o700
    append_feedback(feedback_path(home), vote("q"))
    assert mode(feedback_path(home)) == 0o600

    # A home made by an older release (0755, feedback 0644) is tightened on the next write.
    home.chmod(0o755)
    (home / "index").chmod(0o755)
    feedback_path(home).chmod(0o644)
    append_feedback(feedback_path(home), vote("q"))
    assert mode(home) == 0o700 and mode(feedback_path(home)) == 0o600
    open_store(Settings(home=home)).client  # noqa: B018
    assert mode(home / "index") == 0o700


def test_a_folder_that_holds_other_files_is_not_tightened(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    (shared / "notes.txt").write_text("someone else's", encoding="utf-8")
    append_feedback(feedback_path(shared), vote("q"))
    assert mode(shared) == 0o755 and mode(feedback_path(shared)) == 0o600


def test_export_keeps_one_item_per_answer_whatever_the_time(tmp_path: Path) -> None:
    path, out = tmp_path / "feedback.jsonl", tmp_path / "items.jsonl"
    for days, comment in ((3.0, "wrong"), (2.0, "still wrong"), (0.0, "")):
        append_feedback(path, vote("And CNS-2?", comment=comment, days_ago=days))
    append_feedback(path, vote("And in adults?"))
    assert export_feedback(path, out) == 2
    assert [item.question for item in load_dataset(out)] == ["And CNS-2?", "And in adults?"]


def test_export_skips_a_cut_short_last_line_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("ALLGUIDE_HOME", str(home))
    path, out = feedback_path(home), tmp_path / "items.jsonl"
    append_feedback(path, vote("And CNS-2?"))
    append_feedback(path, vote("And in adults?"))
    line = vote("cut short").model_dump_json().encode()
    with path.open("ab") as handle:
        handle.write(b"\xff\xfe not utf-8\n" + line[: len(line) // 2])
    assert scan_feedback(path).skipped == [3, 4]
    with pytest.warns(FeedbackWarning, match=r"skipped 2 unreadable line\(s\) .* \(line 3, 4\)"):
        assert export_feedback(path, out) == 2
    assert main(["feedback", "export", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "exported 2 thumbs-down item(s)" in captured.out
    assert "allguide: warning: skipped 2 unreadable line(s)" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert [json.loads(x)["question"] for x in out.read_text().splitlines()] == [
        "And CNS-2?",
        "And in adults?",
    ]
