"""The Learn tab: cited quizzes one item at a time, graded, explained and exportable.

The rules of a session (queue, spaced repetition, score, export) live in `learn_state`; the
HTML in `learn_view`; this module is the Gradio wiring. A session lives only in the browser's
`gr.State`; the server writes nothing but a temporary file for each download. A handler that
fails shows a note and leaves the session and the page as they were.
"""

from __future__ import annotations

import atexit
import logging
import math
import random
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from allguide.errors import AllguideError, BadInputError
from allguide.learn import TOPIC_LABELS, TOPICS, make_quiz
from allguide.ui import learn_state, learn_view

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from allguide.types import Chunk
    from allguide.ui.learn_state import LearnSession

log = logging.getLogger(__name__)
KINDS = ("mixed", "vignette", "recall")
MAX_LENGTH = 30


class LearnTab:
    """The Learn tab's handlers; `chunks` are the served index's (what items cite)."""

    def __init__(self, chunks: Mapping[str, Chunk]) -> None:
        self.chunks = chunks
        self._exports: Path | None = None

    def start(self, topic: Any, kind: Any, length: Any, seed: Any) -> tuple[Any, ...]:
        """A new quiz; a blank seed draws a fresh one, shown so the quiz can be reproduced."""
        if topic not in ("all", *TOPICS):
            raise BadInputError(f"unknown topic {topic!r}")
        if kind not in KINDS:
            raise BadInputError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        n = _length(length)
        number = _seed(seed)
        items = make_quiz(
            self.chunks, topic=None if topic == "all" else topic, n=n, seed=number, kind=kind
        )
        session = learn_state.start(items, seed=number, topic=topic, kind=kind, asked=n)
        hidden = gr.DownloadButton(value=None, visible=False)
        return _out(**self.view(session), csv=hidden, json=hidden)

    def answer(self, choice: Any, session: LearnSession | None) -> tuple[Any, ...]:
        """Grade the choice: right or wrong, the explanation and its sources."""
        graded = learn_state.answer(_session(session), choice if isinstance(choice, str) else None)
        return _out(**self.view(graded))

    def next(self, session: LearnSession | None) -> tuple[Any, ...]:
        """The next item (a missed one comes back later); at the end, the score and downloads."""
        moved = learn_state.advance(_session(session))
        if not moved.done:
            return _out(**self.view(moved))
        files = {
            suffix: gr.DownloadButton(value=str(self._export(moved, suffix, text)), visible=True)
            for suffix, text in (
                ("csv", learn_state.to_csv(moved)),
                ("json", learn_state.to_json(moved)),
            )
        }
        return _out(**self.view(moved), **files)

    def review(self, session: LearnSession | None) -> tuple[Any, ...]:
        """The items missed at the first try, each with its explanation and sources."""
        current = _session(session)
        if not current.done:
            raise BadInputError("finish the quiz first; missed items come back until answered")
        return _out(
            summary=learn_view.summary(current) + learn_view.review(current),
            sources=learn_view.review_sources(current, self.chunks),
            note="",
        )

    def view(self, session: LearnSession) -> dict[str, Any]:
        """Every output but the downloads, drawn from `session`."""
        item = session.current
        answered = session.answered and item is not None
        options = gr.Radio(
            choices=list(item.options) if item else [],
            value=session.last.choice if answered and session.last else None,
            interactive=not answered,
            visible=item is not None,
        )
        return {
            "state": session,
            "header": learn_view.header(session),
            "bar": learn_view.progress(session),
            "question": learn_view.question(session),
            "options": options,
            "answer": gr.Button(interactive=item is not None and not answered),
            "next": gr.Button(interactive=answered),
            "feedback": learn_view.feedback(session) if answered else "",
            "summary": learn_view.summary(session) if session.done else "",
            "review": gr.Button(visible=session.done and bool(learn_state.missed(session))),
            "sources": learn_view.sources(session, self.chunks)
            if answered
            else learn_view.EMPTY_SOURCES,
            "note": "",
        }

    def _export(self, session: LearnSession, suffix: str, text: str) -> Path:
        """A temporary file for one download (the only thing the tab writes)."""
        if self._exports is None:
            self._exports = Path(tempfile.mkdtemp(prefix="allguide-learn-"))
            atexit.register(shutil.rmtree, self._exports, ignore_errors=True)
        # a folder per file, so the browser saves it under a plain name
        path = Path(tempfile.mkdtemp(dir=self._exports)) / f"allguide-quiz-{session.seed}.{suffix}"
        path.write_text(text, encoding="utf-8", newline="")
        return path


def build_learn_tab(chunks: Mapping[str, Chunk]) -> None:
    """Lay out the Learn tab inside the current `gr.Tab` and wire its events."""
    tab = LearnTab(chunks)
    state = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            with gr.Row(equal_height=True):
                topic = gr.Dropdown(
                    [("All topics", "all"), *((TOPIC_LABELS[t], t) for t in TOPICS)],
                    value="all",
                    label="Topic",
                    elem_id="learn-topic",
                    scale=3,
                    min_width=220,
                )
                kind = gr.Dropdown(
                    list(KINDS), value="mixed", label="Kind", elem_id="learn-kind", min_width=130
                )
                length = gr.Number(
                    value=10,
                    minimum=1,
                    maximum=MAX_LENGTH,
                    precision=0,
                    label="Questions",
                    elem_id="learn-length",
                    min_width=90,
                )
                seed = gr.Textbox(
                    label="Seed",
                    placeholder="blank: new",
                    elem_id="learn-seed-input",
                    max_lines=1,
                    max_length=12,
                    min_width=100,
                )
                start = gr.Button(
                    "Start", variant="primary", elem_id="learn-start", min_width=90, scale=0
                )
            header = gr.HTML(learn_view.INTRO, elem_id="learn-header")
            bar = gr.HTML("", elem_id="learn-progress")
            question = gr.HTML("", elem_id="learn-question")
            options = gr.Radio([], label="Your answer", elem_id="learn-options", visible=False)
            with gr.Row():
                answer = gr.Button(
                    "Answer", variant="primary", elem_id="learn-answer", interactive=False, scale=0
                )
                advance = gr.Button("Next", elem_id="learn-next", interactive=False, scale=0)
            note = gr.HTML("", elem_id="learn-note")
            feedback = gr.HTML("", elem_id="learn-feedback")
            summary = gr.HTML("", elem_id="learn-summary")
            with gr.Row():
                small: dict[str, Any] = {"visible": False, "size": "md", "scale": 0}
                review = gr.Button("Review what I missed", elem_id="learn-review", **small)
                csv_file = gr.DownloadButton("Results as CSV", elem_id="learn-csv", **small)
                json_file = gr.DownloadButton("Results as JSON", elem_id="learn-json", **small)
        with gr.Column(scale=2, min_width=360):
            sources = gr.HTML(learn_view.EMPTY_SOURCES, elem_id="learn-sources")
    outputs = [state, header, bar, question, options, answer, advance, feedback, summary, review]
    outputs += [sources, note, csv_file, json_file]  # in `OUTPUTS` order
    events: list[tuple[Any, Callable[..., tuple[Any, ...]], list[Any], str]] = [
        (start.click, tab.start, [topic, kind, length, seed], "learn_start"),
        (answer.click, tab.answer, [options, state], "learn_answer"),
        (advance.click, tab.next, [state], "learn_next"),
        (review.click, tab.review, [state], "learn_review"),
    ]
    for event, handler, inputs, name in events:
        event(_guarded(handler), inputs, outputs, api_name=name)


OUTPUTS = (
    "state",
    "header",
    "bar",
    "question",
    "options",
    "answer",
    "next",
    "feedback",
    "summary",
    "review",
    "sources",
    "note",
    "csv",
    "json",
)


def _out(**values: Any) -> tuple[Any, ...]:
    """The handler's outputs in `OUTPUTS` order; an output not named is left as it is."""
    unknown = set(values) - set(OUTPUTS)
    if unknown:
        raise TypeError(f"not Learn tab outputs: {sorted(unknown)}")
    return tuple(values.get(name, gr.skip()) for name in OUTPUTS)


def _guarded(handler: Callable[..., tuple[Any, ...]]) -> Callable[..., Any]:
    """`handler`, with a failure shown as a note and every other output (the state) kept."""

    def run(*args: Any) -> tuple[Any, ...]:
        try:
            return handler(*args)
        except AllguideError as exc:
            message = exc.message
        except Exception:
            log.exception("a Learn tab handler (%s) failed", handler.__name__)
            message = "Something went wrong; the server log has the details. Your quiz is kept."
        return _out(note=learn_view.note(message))

    run.__name__ = handler.__name__
    return run


def _session(session: LearnSession | None) -> LearnSession:
    if session is None:
        raise BadInputError("press Start to begin a quiz")
    return session


def _length(value: Any) -> int:
    """The slider's value as a whole number of questions, 1 to `MAX_LENGTH`."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    whole = number and math.isfinite(value) and value == int(value)
    if not whole or not 1 <= value <= MAX_LENGTH:
        raise BadInputError(f"the number of questions must be 1 to {MAX_LENGTH} (got {value!r})")
    return int(value)


def _seed(value: Any) -> int:
    """The typed seed, or a fresh one when blank (short enough to retype)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return random.SystemRandom().randrange(1, 1_000_000)
    if not text.isdigit():
        raise BadInputError(f"the seed must be a whole number ≥ 0 (got {text!r})")
    return int(text)
