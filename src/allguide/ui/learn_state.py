"""The Learn tab's quiz session as a pure value: the queue, spaced repetition, score and export.

No Gradio here, so the rules of a session are unit-tested without a browser. A session lives
only in the browser's `gr.State`; every step returns a new `LearnSession` and never mutates
the old one, so a failed step leaves the session as it was.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from allguide.errors import BadInputError
from allguide.learn import grade

if TYPE_CHECKING:
    from collections.abc import Sequence

    from allguide.learn import QuizItem

REQUEUE_GAP = 3
"""A missed item comes back after this many other items (sooner when fewer are left)."""
CSV_FIELDS = (
    "seed",
    "attempt",
    "item_id",
    "topic",
    "kind",
    "question",
    "choice",
    "answer",
    "correct",
    "try",
)


@dataclass(frozen=True)
class Attempt:
    """One answer given: `index` is the item's place in `LearnSession.items`."""

    index: int
    choice: str
    correct: bool


@dataclass(frozen=True)
class LearnSession:
    """A quiz in progress: `queue[0]` is the item shown; `answered` once it has been answered."""

    seed: int
    topic: str
    kind: str
    items: tuple[QuizItem, ...]
    queue: tuple[int, ...]
    attempts: tuple[Attempt, ...] = ()
    answered: bool = False
    asked: int = 0
    """How many items were asked for (a narrow topic may have fewer)."""

    @property
    def current(self) -> QuizItem | None:
        """The item on screen, None when the quiz is over."""
        return self.items[self.queue[0]] if self.queue else None

    @property
    def done(self) -> bool:
        return not self.queue

    @property
    def last(self) -> Attempt | None:
        """The latest answer, if any."""
        return self.attempts[-1] if self.attempts else None


def start(
    items: Sequence[QuizItem], *, seed: int, topic: str, kind: str, asked: int = 0
) -> LearnSession:
    """A fresh session over `items`, in their order; BadInputError when there are none."""
    if not items:
        raise BadInputError("no quiz items for this choice of topic and kind; pick another")
    return LearnSession(
        seed=seed,
        topic=topic,
        kind=kind,
        items=tuple(items),
        queue=tuple(range(len(items))),
        asked=max(asked, len(items)),
    )


def answer(session: LearnSession, choice: str | None) -> LearnSession:
    """Grade `choice` for the current item (once per showing)."""
    item = session.current
    if item is None:
        raise BadInputError("the quiz is over; press Start for a new one")
    if session.answered:
        raise BadInputError("this question is already answered; press Next")
    if not choice or choice not in item.options:
        raise BadInputError("choose one of the options first")
    attempt = Attempt(session.queue[0], choice, grade(item, choice))
    return replace(session, attempts=(*session.attempts, attempt), answered=True)


def advance(session: LearnSession) -> LearnSession:
    """The next item; a missed one is re-queued `REQUEUE_GAP` items later until answered right."""
    if session.done:
        raise BadInputError("the quiz is over; press Start for a new one")
    if not session.answered:
        raise BadInputError("answer this question before moving on")
    head, rest = session.queue[0], session.queue[1:]
    last = session.last
    if last is not None and not last.correct:
        at = min(REQUEUE_GAP, len(rest))
        rest = (*rest[:at], head, *rest[at:])
    return replace(session, queue=rest, answered=False)


def first_attempts(session: LearnSession) -> dict[int, Attempt]:
    """Each item's first answer: it alone counts in the score."""
    first: dict[int, Attempt] = {}
    for attempt in session.attempts:
        first.setdefault(attempt.index, attempt)
    return first


def progress(session: LearnSession) -> tuple[int, int]:
    """(items answered right at least once, items in the quiz)."""
    learned = {a.index for a in session.attempts if a.correct}
    return len(learned), len(session.items)


def tries(session: LearnSession, index: int) -> int:
    """How many times item `index` has been answered."""
    return sum(1 for a in session.attempts if a.index == index)


def scores(session: LearnSession) -> dict[str, tuple[int, int]]:
    """Topic → (right at the first try, items), topics in the quiz's order."""
    first = first_attempts(session)
    table: dict[str, tuple[int, int]] = {}
    for index, item in enumerate(session.items):
        right, total = table.get(item.topic, (0, 0))
        hit = index in first and first[index].correct
        table[item.topic] = (right + int(hit), total + 1)
    return table


def total_score(session: LearnSession) -> tuple[int, int]:
    """(right at the first try, items) over the whole quiz."""
    table = scores(session).values()
    return sum(r for r, _ in table), sum(t for _, t in table)


def missed(session: LearnSession) -> list[tuple[QuizItem, str]]:
    """Items missed at the first try, with the answer first given, in quiz order."""
    first = first_attempts(session)
    return [(session.items[i], first[i].choice) for i in sorted(first) if not first[i].correct]


def attempt_rows(session: LearnSession) -> list[dict[str, Any]]:
    """One row per answer given, in order: the CSV export and the JSON `attempts`."""
    rows: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for number, attempt in enumerate(session.attempts, start=1):
        item = session.items[attempt.index]
        seen[attempt.index] = seen.get(attempt.index, 0) + 1
        rows.append(
            {
                "seed": session.seed,
                "attempt": number,
                "item_id": item.id,
                "topic": item.topic,
                "kind": item.kind,
                "question": item.question,
                "choice": attempt.choice,
                "answer": item.answer,
                "correct": attempt.correct,
                "try": seen[attempt.index],
            }
        )
    return rows


def to_csv(session: LearnSession) -> str:
    """The session's answers as CSV (header `CSV_FIELDS`, one row per answer)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(attempt_rows(session))
    return out.getvalue()


def to_json(session: LearnSession) -> str:
    """The session as JSON: settings, score (first tries), each item and every answer."""
    first = first_attempts(session)
    right, total = total_score(session)
    items = [
        {
            "id": item.id,
            "topic": item.topic,
            "kind": item.kind,
            "question": item.question,
            "answer": item.answer,
            "first_choice": first[i].choice if i in first else None,
            "correct": bool(i in first and first[i].correct),
            "tries": tries(session, i),
            "citations": [c.model_dump() for c in item.citations],
        }
        for i, item in enumerate(session.items)
    ]
    data = {
        "seed": session.seed,
        "topic": session.topic,
        "kind": session.kind,
        "n": len(session.items),
        "score": {"right": right, "total": total},
        "by_topic": {t: {"right": r, "total": n} for t, (r, n) in scores(session).items()},
        "items": items,
        "attempts": attempt_rows(session),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
