"""Votes on answers: JSON lines in `$ALLGUIDE_HOME/feedback.jsonl`, exportable as eval items.

A record holds the question, the history it was asked with, the answer, its citations, the
vote, an optional comment and the time; nothing else about the user. Appends are one locked
`O_APPEND` write per line, so concurrent sessions never interleave or lose lines.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from allguide.errors import BadInputError
from allguide.evaluation.dataset import EvalItem, parse_jsonl
from allguide.types import Citation, Message

FEEDBACK_FILE = "feedback.jsonl"
Vote = Literal["up", "down"]


class FeedbackRecord(BaseModel):
    """One vote on one answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(min_length=1)
    history: list[Message]
    answer: str
    citations: list[Citation]
    vote: Vote
    comment: str = ""
    time: str = Field(description="When the vote was cast, ISO 8601 in UTC.")


def feedback_path(home: Path) -> Path:
    """Where the feedback of an `ALLGUIDE_HOME` lives."""
    return home / FEEDBACK_FILE


def new_record(
    *,
    question: str,
    history: Sequence[Message],
    answer: str,
    citations: Sequence[Citation],
    vote: Vote,
    comment: str = "",
) -> FeedbackRecord:
    """A record stamped with the current UTC time."""
    return FeedbackRecord(
        question=question,
        history=list(history),
        answer=answer,
        citations=list(citations),
        vote=vote,
        comment=comment.strip(),
        time=datetime.now(UTC).isoformat(timespec="milliseconds"),
    )


def append_feedback(path: Path, record: FeedbackRecord) -> None:
    """Append `record` as one line: a single write under an exclusive lock."""
    data = (record.model_dump_json() + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)  # closing releases the lock


def read_feedback(path: Path) -> list[FeedbackRecord]:
    """Every record in `path`; a malformed line raises `BadInputError` naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"no feedback recorded yet: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read feedback file {path}: {exc}") from None
    return parse_jsonl(text, FeedbackRecord, source=str(path), what="a feedback record")


def to_eval_items(records: Iterable[FeedbackRecord]) -> list[EvalItem]:
    """Thumbs-down records as eval items (`category` "feedback"), one per distinct record.

    Evidence and keywords start empty for a curator to fill. The comment is not carried:
    `EvalItem` forbids fields beyond the dataset format.
    """
    items: dict[str, EvalItem] = {}
    for record in records:
        if record.vote != "down":
            continue
        key = f"{record.time}\n{record.question}\n{record.answer}".encode()
        item_id = f"feedback-{hashlib.sha256(key).hexdigest()[:12]}"
        items.setdefault(
            item_id,
            EvalItem(
                id=item_id,
                question=record.question,
                history=record.history,
                gold_evidence=[],
                answer_keywords=[],
                category="feedback",
                expect_refusal=False,
            ),
        )
    return list(items.values())


def export_feedback(source: Path, out: Path) -> int:
    """Write the thumbs-down records of `source` to `out` as eval JSON Lines; the count."""
    items = to_eval_items(read_feedback(source))
    text = "".join(item.model_dump_json(exclude_none=True) + "\n" for item in items)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write {out}: {exc}") from None
    return len(items)
