"""The Learn tab: its session rules (queue, spaced repetition, score, export), its HTML, and the
tab served by the real app, driven through `gradio_client`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from allguide.assistant import Assistant
from allguide.corpus.pipeline import default_build
from allguide.errors import BadInputError
from allguide.learn import QuizItem, make_quiz
from allguide.ui import build_app, learn_state, learn_view
from allguide.ui.learn import OUTPUTS, LearnTab
from allguide.ui.learn_state import LearnSession
from conftest import connect

CHUNKS = {c.chunk_id: c for c in default_build().chunks}
pytestmark = [  # Gradio's queue statistics call pandas APIs that pandas 3 deprecates
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]


def quiz(n: int = 5, *, topics: tuple[str, ...] = ()) -> LearnSession:
    """A session over real generated items; `topics` relabels them (for per-topic scores)."""
    items = make_quiz(CHUNKS, n=n, seed=11)
    if topics:
        items = [i.model_copy(update={"topic": t}) for i, t in zip(items, topics, strict=True)]
    return learn_state.start(items, seed=11, topic="all", kind="mixed")


def wrong(item: QuizItem) -> str:
    return next(o for o in item.options if o != item.answer)


def step(session: LearnSession, *, right: bool) -> LearnSession:
    """Answer the current item right or wrong, then move on."""
    item = session.current
    assert item is not None
    return learn_state.advance(learn_state.answer(session, item.answer if right else wrong(item)))


def test_a_session_walks_the_items_in_order_and_ends() -> None:
    session = quiz()
    assert session.queue == (0, 1, 2, 3, 4) and session.current == session.items[0]
    for _ in range(5):
        session = step(session, right=True)
    assert session.done and session.current is None
    assert learn_state.total_score(session) == (5, 5)
    assert learn_state.progress(session) == (5, 5)
    assert learn_state.missed(session) == []
    with pytest.raises(BadInputError, match="quiz is over"):
        learn_state.answer(session, "CNS-1")


def test_steps_out_of_turn_are_refused_and_leave_the_session_unchanged() -> None:
    session = quiz()
    item = session.current
    assert item is not None
    with pytest.raises(BadInputError, match="answer this question"):
        learn_state.advance(session)
    for bad in (None, "", "not an option"):
        with pytest.raises(BadInputError, match="choose one of the options"):
            learn_state.answer(session, bad)
    graded = learn_state.answer(session, item.answer)
    with pytest.raises(BadInputError, match="already answered"):
        learn_state.answer(graded, item.answer)
    assert session.attempts == () and not session.answered  # the old value is untouched
    assert graded.last == learn_state.Attempt(0, item.answer, correct=True)
    with pytest.raises(BadInputError, match="no quiz items"):
        learn_state.start([], seed=1, topic="cns", kind="recall")


def test_a_missed_item_comes_back_three_items_later_until_answered_right() -> None:
    session = step(quiz(), right=False)
    assert session.queue == (1, 2, 3, 0, 4)
    assert learn_state.progress(session) == (0, 5)
    for _ in range(3):
        session = step(session, right=True)
    assert session.current == session.items[0]
    session = step(session, right=False)  # missed again: back again, fewer items left now
    assert session.queue == (4, 0)
    session = step(step(session, right=True), right=True)
    assert session.done
    assert learn_state.tries(session, 0) == 3
    assert learn_state.total_score(session) == (4, 5)  # counted once, by its first try
    assert learn_state.missed(session) == [(session.items[0], wrong(session.items[0]))]


def test_the_last_item_missed_comes_straight_back() -> None:
    session = quiz(2)
    session = step(step(session, right=True), right=False)
    assert session.queue == (1,) and not session.done
    assert step(session, right=True).done


def test_scores_are_per_topic_at_the_first_try() -> None:
    session = quiz(topics=("cns", "mrd", "cns", "tki", "mrd"))
    for right in (True, False, False, True, True):
        session = step(session, right=right)
    while not session.done:
        session = step(session, right=True)
    assert learn_state.scores(session) == {"cns": (1, 2), "mrd": (1, 2), "tki": (1, 1)}
    assert learn_state.total_score(session) == (3, 5)
    assert [item.topic for item, _ in learn_state.missed(session)] == ["mrd", "cns"]


def finished() -> LearnSession:
    """Five items, the second missed once and then answered right."""
    session = quiz()
    for right in (True, False, True, True, True, True):
        session = step(session, right=right)
    assert session.done
    return session


def test_the_csv_has_one_row_per_answer() -> None:
    session = finished()
    rows = list(csv.DictReader(io.StringIO(learn_state.to_csv(session))))
    assert tuple(rows[0]) == learn_state.CSV_FIELDS
    assert len(rows) == 6
    assert [r["attempt"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    second = session.items[1]
    again = [r for r in rows if r["item_id"] == second.id]
    assert [(r["correct"], r["try"]) for r in again] == [("False", "1"), ("True", "2")]
    assert again[0]["choice"] == wrong(second) and again[0]["answer"] == second.answer
    assert again[0]["question"] == second.question and again[0]["seed"] == "11"


def test_the_json_holds_the_score_each_item_with_its_citations_and_every_answer() -> None:
    session = finished()
    data: dict[str, Any] = json.loads(learn_state.to_json(session))
    assert {k: data[k] for k in ("seed", "topic", "kind", "n")} == {
        "seed": 11,
        "topic": "all",
        "kind": "mixed",
        "n": 5,
    }
    assert data["score"] == {"right": 4, "total": 5}
    assert sum(t["total"] for t in data["by_topic"].values()) == 5
    second = data["items"][1]
    assert second["correct"] is False and second["tries"] == 2
    assert second["first_choice"] == wrong(session.items[1])
    assert second["citations"] == [c.model_dump() for c in session.items[1].citations]
    assert data["attempts"] == json.loads(json.dumps(learn_state.attempt_rows(session)))


def test_sources_panel_highlights_the_quote_under_learn_anchors() -> None:
    session = learn_state.answer(quiz(), quiz().items[0].answer)
    item = session.items[0]
    html = learn_view.sources(session, CHUNKS)
    quote = item.citations[0].quote
    mark = re.search(r'<mark class="ag-mark" id="ag-learn-src-1-1">(.*?)<sup>', html)
    assert mark is not None and mark.group(1) == learn_view.escape(quote)
    assert "Sources for question 1" in html and "ag-src-" not in html
    feedback = learn_view.feedback(session)
    assert 'href="#ag-learn-src-1-1"' in feedback and "Right." in feedback
    assert "ag-src-" not in feedback


def test_the_view_shows_the_verdict_the_seed_and_escapes_text() -> None:
    session = quiz()
    item = session.items[0]
    missed = learn_state.answer(session, wrong(item))
    assert f"The answer is “{learn_view.escape(item.answer)}”" in learn_view.feedback(missed)
    assert 'id="learn-seed">11<' in learn_view.header(session)
    assert "allguide quiz --seed 11 --n 5 --kind mixed</code>" in learn_view.header(session)
    odd = session.items[0].model_copy(update={"question": "<script>x</script> CNS?"})
    shown = learn_state.start([odd], seed=1, topic="cns", kind="vignette")
    assert "&lt;script&gt;x&lt;/script&gt; CNS?" in learn_view.question(shown)
    assert "--topic cns" in learn_view.header(shown)
    short = learn_state.start(session.items, seed=11, topic="all", kind="mixed", asked=8)
    assert "5 questions (all there are for this choice; 8 asked)" in learn_view.header(short)
    assert "--n 5 " in learn_view.header(short)  # the same first five items: generation is a prefix


def test_handlers_report_bad_input_as_a_note_and_keep_the_state() -> None:
    tab = LearnTab(CHUNKS)
    started = dict(zip(OUTPUTS, tab.start("cns", "vignette", 3, "42"), strict=True))
    session = started["state"]
    assert isinstance(session, LearnSession) and session.seed == 42 and len(session.items) == 3
    assert session.items == tuple(make_quiz(CHUNKS, topic="cns", n=3, seed=42, kind="vignette"))
    fresh = dict(zip(OUTPUTS, tab.start("all", "mixed", 3, " "), strict=True))["state"]
    assert 1 <= fresh.seed < 1_000_000  # a blank seed draws one, and it reproduces the quiz
    assert fresh.items == tuple(make_quiz(CHUNKS, n=3, seed=fresh.seed, kind="mixed"))
    for bad in (("nope", "mixed", 3, ""), ("cns", "mixed", 0, ""), ("cns", "mixed", 3, "x1")):
        with pytest.raises(BadInputError):
            tab.start(*bad)


def shown(outputs: tuple[Any, ...]) -> dict[str, Any]:
    """The client's outputs by name (it returns every output but the state and the buttons)."""
    names = [n for n in OUTPUTS if n not in ("state", "answer", "next", "review")]
    return dict(zip(names, outputs, strict=True))


def test_build_app_has_the_learn_tab(assistant: Assistant) -> None:
    config = build_app(assistant).config
    assert config is not None
    tabs = [c["props"] for c in config["components"] if c["type"] == "tabitem"]
    assert {"label": "Learn", "elem_id": "tab-learn"}.items() <= next(
        t for t in tabs if t.get("elem_id") == "tab-learn"
    ).items()
    ids = {c["props"].get("elem_id") for c in config["components"]}
    assert {"learn-start", "learn-options", "learn-sources", "learn-csv", "learn-json"} <= ids


def test_a_quiz_through_the_api_requeues_a_miss_scores_and_exports(
    server: str, assistant: Assistant
) -> None:
    items = make_quiz(assistant.chain.chunks, topic="cns", n=2, seed=42, kind="vignette")
    client = connect(server)
    out = shown(client.predict("cns", "vignette", 2, "42", api_name="/learn_start"))
    assert 'id="learn-seed">42<' in out["header"]
    assert learn_view.escape(items[0].question) in out["question"]
    out = shown(client.predict(wrong(items[0]), api_name="/learn_answer"))
    assert "Not quite" in out["feedback"] and 'id="ag-learn-src-1-1"' in out["sources"]
    out = shown(client.predict(items[0].answer, api_name="/learn_answer"))
    assert "already answered" in out["note"]  # a step out of turn: a note, the state kept
    out = shown(client.predict("cns", "vignette", 2, "x1", api_name="/learn_start"))
    assert "seed must be a whole number" in out["note"]
    client.predict(api_name="/learn_next")
    out = shown(client.predict(items[1].answer, api_name="/learn_answer"))
    assert "Right." in out["feedback"]
    out = shown(client.predict(api_name="/learn_next"))  # the missed item is back
    assert "again" in out["question"] and learn_view.escape(items[0].question) in out["question"]
    client.predict(items[0].answer, api_name="/learn_answer")
    out = shown(client.predict(api_name="/learn_next"))
    assert "Score: 1 of 2 right at the first try" in out["summary"]
    rows = list(csv.DictReader(io.StringIO(_read(out["csv"]))))
    assert [(r["item_id"], r["correct"]) for r in rows] == [
        (items[0].id, "False"),
        (items[1].id, "True"),
        (items[0].id, "True"),
    ]
    assert json.loads(_read(out["json"]))["score"] == {"right": 1, "total": 2}
    out = shown(client.predict(api_name="/learn_review"))
    assert "What you missed" in out["summary"] and items[1].question not in out["summary"]
    client.close()


def _read(download: dict[str, Any]) -> str:
    """A download button's file, as the server holds it."""
    return Path(download["value"]["path"]).read_text(encoding="utf-8")
