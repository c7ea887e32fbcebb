"""Votes on answers: JSON lines in `$ALLGUIDE_HOME/feedback.jsonl`, exportable as eval items.

A record holds the question, the history it was asked with, the answer, its citations, the
vote, an optional comment (cut to `max_comment_chars`) and the time; nothing else about the
user. Appends are one locked `O_APPEND` write per line, so concurrent sessions never interleave
or lose lines. The file is owner-only (0600, in a 0700 home); an append that finds records
older than `feedback_retention_days`, or the file over `feedback_max_mb`, rewrites it without
them (oldest first) under the same lock, atomically.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allguide.errors import BadInputError
from allguide.eval_format import EvalItem, parse_jsonl
from allguide.index.files import private_dir
from allguide.settings import Settings, load_settings
from allguide.types import Citation, Message

FEEDBACK_FILE = "feedback.jsonl"
Vote = Literal["up", "down"]
_SHOWN_LINES = 10  # line numbers named in the skipped-lines warning


class FeedbackWarning(UserWarning):
    """Lines of the feedback file that an export skipped (unreadable or not a record)."""


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


def append_feedback(
    path: Path, record: FeedbackRecord, *, settings: Settings | None = None
) -> FeedbackRecord:
    """Append `record` as one line: a single write under an exclusive lock; what was stored.

    The comment is cut to `max_comment_chars` (a vote is never lost to a long comment);
    records past retention or over the size cap go first (`settings`: the environment's).
    """
    settings = settings or load_settings()
    if len(record.comment) > settings.max_comment_chars:
        record = record.model_copy(update={"comment": record.comment[: settings.max_comment_chars]})
    data = (record.model_dump_json() + "\n").encode("utf-8")
    private_dir(path.parent)
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not _same_file(fd, path):
                continue  # a pruning append replaced the file while this one waited
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
            cutoff = datetime.now(UTC) - timedelta(days=settings.feedback_retention_days)
            max_bytes = int(settings.feedback_max_mb * 1024 * 1024)
            if os.fstat(fd).st_size + len(data) > max_bytes or _first_is_older(path, cutoff):
                _rewrite(path, data, cutoff=cutoff, max_bytes=max_bytes)
            else:
                _write_all(fd, data)
            return record
        finally:
            os.close(fd)  # closing releases the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), path.stat()
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _recorded_at(line: bytes) -> datetime | None:
    """When a stored line's vote was cast; None for a line that is not a dated record."""
    try:
        value = json.loads(line)["time"]
        stamp = datetime.fromisoformat(value)
    except (ValueError, TypeError, KeyError):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _first_is_older(path: Path, cutoff: datetime) -> bool:
    with path.open("rb") as handle:
        stamp = _recorded_at(handle.readline())
    return stamp is not None and stamp < cutoff


def _rewrite(path: Path, data: bytes, *, cutoff: datetime, max_bytes: int) -> None:
    """Replace `path` by its lines recorded since `cutoff` plus `data`, dropping the oldest
    until it fits `max_bytes` (the new line always stays); the caller holds the lock."""
    kept = [
        line
        for line in path.read_bytes().splitlines(keepends=True)
        if line.strip() and not ((stamp := _recorded_at(line)) and stamp < cutoff)
    ]
    kept = [line if line.endswith(b"\n") else line + b"\n" for line in kept] + [data]
    size = sum(map(len, kept))
    start = 0
    while size > max_bytes and start < len(kept) - 1:
        size -= len(kept[start])
        start += 1
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, b"".join(kept[start:]))
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)


def read_feedback(path: Path) -> list[FeedbackRecord]:
    """Every record in `path`; a malformed line raises `BadInputError` naming it."""
    return parse_jsonl(
        _read_bytes(path).decode("utf-8", errors="replace"),
        FeedbackRecord,
        source=str(path),
        what="a feedback record",
    )


@dataclass(frozen=True)
class FeedbackScan:
    """The readable records of a feedback file, and the numbers of the lines that were not."""

    records: list[FeedbackRecord]
    skipped: list[int]


def scan_feedback(path: Path) -> FeedbackScan:
    """Every readable record in `path`, skipping (and numbering) lines that are not one, such
    as a last line cut short by a crash."""
    records: list[FeedbackRecord] = []
    skipped: list[int] = []
    for number, line in enumerate(_read_bytes(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(FeedbackRecord.model_validate_json(line.decode("utf-8")))
        except (UnicodeDecodeError, ValidationError):
            skipped.append(number)
    return FeedbackScan(records, skipped)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInputError(f"no feedback recorded yet: {path} does not exist") from None
    except OSError as exc:
        raise BadInputError(f"cannot read feedback file {path}: {exc}") from None


def to_eval_items(records: Iterable[FeedbackRecord]) -> list[EvalItem]:
    """Thumbs-down records as eval items (`category` "feedback"), one per distinct record.

    Evidence and keywords start empty for a curator to fill. The comment is not carried:
    `EvalItem` forbids fields beyond the dataset format.
    """
    items: dict[str, EvalItem] = {}
    for record in records:
        if record.vote != "down":
            continue
        # The same answer voted down again (another time, another comment) is one item.
        content = [record.question, [m.model_dump() for m in record.history], record.answer]
        key = json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
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
    """Write the thumbs-down records of `source` to `out` as eval JSON Lines; the count.

    Lines that are not records are skipped with one `FeedbackWarning` naming them (the CLI
    prints it as an `allguide: warning:` line).
    """
    scan = scan_feedback(source)
    if scan.skipped:
        shown = ", ".join(map(str, scan.skipped[:_SHOWN_LINES]))
        more = "" if len(scan.skipped) <= _SHOWN_LINES else ", …"
        warnings.warn(
            f"skipped {len(scan.skipped)} unreadable line(s) of {source} (line {shown}{more})",
            FeedbackWarning,
            stacklevel=2,
        )
    items = to_eval_items(scan.records)
    text = "".join(item.model_dump_json(exclude_none=True) + "\n" for item in items)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write {out}: {exc}") from None
    return len(items)
