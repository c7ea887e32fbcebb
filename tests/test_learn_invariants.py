"""Quiz items over many seeds: every key verified by the rule tool or by the guideline text.

The checks read only the items (their JSON) and the corpus, never the generators' internals:
a vignette's key is recomputed by running the real tool on `tool.input`; a recall item's key,
put back into its question, must give the cited unit verbatim, and no distractor put back
may give a sentence the guideline contains anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import CORPUS

from allguide.corpus.pipeline import build_chunks
from allguide.errors import BadInputError
from allguide.learn import TOPIC_LABELS, TOPICS, QuizItem, grade, make_quiz
from allguide.learn.cases import CASES
from allguide.learn.statements import fold
from allguide.learn.topics import SECTIONS
from allguide.learn.vignettes import TOOL_QUIZ, verdict_label
from allguide.rules.common import PLAUSIBLE, parse_input
from allguide.settings import Settings
from allguide.tools import RULES, run_rule
from allguide.types import Chunk

KINDS = ("vignette", "recall", "mixed")
FIELDS = {
    "id",
    "kind",
    "topic",
    "question",
    "options",
    "answer",
    "tool",
    "explanation",
    "citations",
}
_TERM = re.compile(r'^Which term does the guideline \(.*?\) define as: "(?P<body>.*)"\?$', re.S)
_DEFINE = re.compile(r"^How does the guideline \(.*?\) define (?P<label>.*)\?$", re.S)
_CLOZE = re.compile(r'^Fill in the blank \(.*?\): "(?P<sentence>.*)"$', re.S)


@pytest.fixture(scope="module")
def chunks() -> dict[str, Chunk]:
    build = build_chunks(CORPUS, Settings(corpus_dir=CORPUS).chunking)
    return {chunk.chunk_id: chunk for chunk in build.chunks}


def _flat(text: str) -> str:
    """Spacing and row separators left out: a table row's cells are quoted as the answers
    show them ("CR: a; b", `Unit.display`)."""
    return fold(text)


def _statement(item: QuizItem, option: str) -> str:
    """The guideline sentence the item asserts when `option` is chosen."""
    if match := _TERM.match(item.question):
        return f"{option}: {match['body']}"
    if match := _DEFINE.match(item.question):
        return f"{match['label']}: {option}"
    if match := _CLOZE.match(item.question):
        return match["sentence"].replace("___", option, 1)
    raise AssertionError(f"unknown recall form: {item.question}")


def check(item: QuizItem, chunks: Mapping[str, Chunk]) -> None:
    """Every invariant of one item (docs/learning.md, "How keys are verified")."""
    assert item.options.count(item.answer) == 1
    assert len(set(item.options)) == len(item.options) >= 2
    assert item.topic in TOPICS and item.question and item.explanation
    assert "[1]" in item.explanation
    for n, citation in enumerate(item.citations, start=1):
        chunk = chunks[citation.chunk_id]
        assert citation.n == n
        assert citation.quote in chunk.text  # verbatim
        assert (citation.section, citation.page) == (chunk.section, chunk.page)
    if item.tool is not None:
        _check_tool(item)
    else:
        _check_text(item, chunks)
        sections = {name for name, _ in SECTIONS[item.topic]}
        assert item.citations[0].section in sections  # a topic draws on its own sections


def _check_tool(item: QuizItem) -> None:
    assert item.tool is not None
    name, payload = item.tool.name, item.tool.input
    spec = RULES[name]
    parse_input(spec.input, payload)  # within the input model's field bounds
    for field, value in payload.items():
        if field in PLAUSIBLE and isinstance(value, float):
            assert value == 0 or PLAUSIBLE[field].low <= value <= PLAUSIBLE[field].high
    output = run_rule(name, payload).model_dump(mode="json")
    assert output["status"] == "ok"
    assert verdict_label(name, output) == item.answer  # the key is the tool's verdict
    outcomes = set(TOOL_QUIZ[name].labels.values())
    assert set(item.options) <= outcomes  # distractors are the tool's other outcomes
    assert item.citations[0].quote == output["rule"]  # the explanation cites the rule applied
    assert output["rule"] in item.explanation


def _check_text(item: QuizItem, chunks: Mapping[str, Chunk]) -> None:
    quote = _flat(item.citations[0].quote)
    assert _flat(item.answer) in quote  # the key is verbatim text of the cited unit
    assert _flat(_statement(item, item.answer)) == quote
    texts = [_flat(chunk.text) for chunk in chunks.values()]
    for option in item.options:
        if option != item.answer:  # no distractor that the guideline also states
            wrong = _flat(_statement(item, option))
            assert not any(wrong in text for text in texts), (item.question, option)


def check_quiz(quiz: list[QuizItem], chunks: Mapping[str, Chunk]) -> None:
    assert len({item.id for item in quiz}) == len(quiz)
    assert len({item.question for item in quiz}) == len(quiz)
    for item in quiz:
        check(item, chunks)


def test_over_a_thousand_items_every_invariant_holds(chunks: dict[str, Chunk]) -> None:
    total = 0
    for seed in range(12):
        for kind in KINDS:
            quiz = make_quiz(chunks, n=40, seed=seed, kind=kind)  # type: ignore[arg-type]
            assert len(quiz) == 40
            check_quiz(quiz, chunks)
            total += len(quiz)
    assert total >= 1000


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(-(2**31), 2**31),
    topic=st.sampled_from((None, *TOPICS)),
    kind=st.sampled_from(KINDS),
    n=st.integers(1, 100),
)
def test_any_seed_topic_kind_and_length(
    chunks: dict[str, Chunk], seed: int, topic: str | None, kind: str, n: int
) -> None:
    try:
        quiz = make_quiz(chunks, topic=topic, n=n, seed=seed, kind=kind)  # type: ignore[arg-type]
    except BadInputError as exc:  # only a vignette quiz on a recall-only topic has no items
        assert kind == "vignette" and topic in {
            "diagnosis",
            "cytogenetics",
            "relapsed",
            "supportive",
        }, exc
        return
    assert 1 <= len(quiz) <= n
    if kind != "recall" and any(TOOL_QUIZ[t].topic == topic or topic is None for t in TOOL_QUIZ):
        assert len(quiz) == n  # vignettes never run out
    check_quiz(quiz, chunks)
    assert all(topic is None or item.topic == topic for item in quiz)
    assert all(kind in {"mixed", item.kind} for item in quiz)


def test_same_seed_same_quiz_other_seed_other_quiz(chunks: dict[str, Chunk]) -> None:
    first = [item.model_dump() for item in make_quiz(chunks, n=20, seed=7)]
    assert first == [item.model_dump() for item in make_quiz(chunks, n=20, seed=7)]
    assert first != [item.model_dump() for item in make_quiz(chunks, n=20, seed=8)]


def test_json_shape(chunks: dict[str, Chunk]) -> None:
    kinds = set()
    for item in make_quiz(chunks, n=30, seed=3):
        data = item.model_dump(mode="json")
        assert set(data) == FIELDS
        kinds.add(data["kind"])
        assert data["tool"] is None or set(data["tool"]) == {"name", "input"}
        for citation in data["citations"]:
            assert set(citation) == {
                "n",
                "chunk_id",
                "source",
                "source_title",
                "section",
                "page",
                "quote",
            }
        assert QuizItem.model_validate(data) == item
    assert kinds == {"vignette", "recall"}


def test_every_rule_tool_has_vignettes_reaching_every_outcome(chunks: dict[str, Chunk]) -> None:
    assert set(CASES) == set(RULES) == set(TOOL_QUIZ)
    seen: dict[str, set[str]] = {name: set() for name in RULES}
    for seed in range(4):
        for item in make_quiz(chunks, n=100, seed=seed, kind="vignette"):
            assert item.tool is not None
            seen[item.tool.name].add(item.answer)
    for name, answers in seen.items():
        if name == "tki_by_mutation":
            assert len(answers) >= 6, answers
        else:
            assert answers == set(TOOL_QUIZ[name].labels.values()), name


def test_vignette_values_sit_on_the_guideline_boundaries(chunks: dict[str, Chunk]) -> None:
    inputs = [
        item.tool.input
        for seed in range(10)
        for item in make_quiz(chunks, n=100, seed=seed, kind="vignette")
        if item.tool is not None
    ]

    def values(field: str) -> set[float]:
        return {payload[field] for payload in inputs if field in payload}

    assert {4.0, 5.0, 6.0} <= values("csf_wbc_per_mcl")
    assert {4.9, 5.0, 5.1} <= values("marrow_blasts_pct")
    assert {900.0, 1000.0, 1100.0} <= values("anc_per_mcl")
    assert {99000.0, 100000.0, 101000.0} <= values("platelets_per_mcl")
    assert {24.0, 25.0, 26.0} <= values("blast_increase_pct")
    levels = values("mrd_pct") | {v * 100 for v in values("mrd_fraction")}
    assert any(abs(v - 0.01) < 1e-12 for v in levels)  # exactly 1 × 10⁻⁴


def test_recall_items_per_topic(chunks: dict[str, Chunk]) -> None:
    assert set(TOPIC_LABELS) == set(TOPICS)
    for topic in TOPICS:
        quiz = make_quiz(chunks, topic=topic, n=100, seed=1, kind="recall")
        assert len(quiz) >= 3, topic
        assert {item.topic for item in quiz} == {topic}
        check_quiz(quiz, chunks)
    questions = [i.question for i in make_quiz(chunks, topic="tki", n=100, kind="recall")]
    assert any("F317L" in q for q in questions)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"topic": "lymphoma"},
        {"kind": "essay"},
        {"n": 0},
        {"n": 101},
        {"n": True},
        {"topic": "supportive", "kind": "vignette"},
    ],
)
def test_bad_requests_raise(chunks: dict[str, Chunk], kwargs: dict[str, object]) -> None:
    with pytest.raises(BadInputError):
        make_quiz(chunks, **kwargs)  # type: ignore[arg-type]


def test_grade(chunks: dict[str, Chunk]) -> None:
    item = make_quiz(chunks, topic="cns", n=1, seed=4, kind="vignette")[0]
    wrong = next(option for option in item.options if option != item.answer)
    assert grade(item, item.answer)
    assert grade(item, f"  {item.answer.lower()} ")
    assert not grade(item, wrong)
    assert not grade(item, "")
