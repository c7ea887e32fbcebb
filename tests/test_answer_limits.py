"""The answer's limits come from Settings and apply in one place: the history window (offline
and LLM paths alike), the passages an answer draws on, and the one refusal shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from allguide.answer.chain import AnswerChain
from allguide.answer.refusal import NEAREST, NOT_SUPPORTED, refusal
from allguide.answer.units import UnitIndex
from allguide.assistant import Assistant
from allguide.settings import AnswerSettings, EmbeddingSettings, RetrievalSettings, Settings
from allguide.types import Answer, Message
from conftest import CORPUS

TURNS = [
    Message(role="user" if i % 2 == 0 else "assistant", content=f"turn {i} about CNS-{i % 3 + 1}")
    for i in range(7)
]


def _chain(assistant: Assistant, settings: Settings) -> AnswerChain:
    return AnswerChain(
        assistant.retriever,
        settings=settings,
        embed_query=assistant.embedder.embed_query,
        units=UnitIndex(*assistant.store.load_units()),
    )


class _Recorder:
    """An LLM answerer and condenser that record the history they are given."""

    def __init__(self) -> None:
        self.answered: list[list[Message]] = []
        self.condensed: list[list[Message]] = []

    def answer(self, question: str, *, standalone: str, history: list[Message]) -> Answer:
        self.answered.append(list(history))
        return refusal(NOT_SUPPORTED)

    def condense(self, question: str, history: list[Message]) -> str:
        self.condensed.append(list(history))
        return question


@pytest.mark.parametrize("window", [1, 2, 5])
def test_the_llm_path_and_its_condenser_see_the_one_history_window(
    assistant: Assistant, built_home: Path, window: int
) -> None:
    settings = Settings(
        home=built_home, corpus_dir=CORPUS, answer=AnswerSettings(history_turns=window)
    )
    chain = _chain(assistant, settings)
    recorder = _Recorder()
    chain.use_llm(recorder, recorder.condense)
    chain.ask("And in adults?", TURNS)
    assert recorder.answered == [TURNS[-window:]]
    assert recorder.condensed == [TURNS[-window:]]


def test_the_default_window_is_the_settings_value(assistant: Assistant) -> None:
    assert assistant.settings.answer.history_turns == AnswerSettings().history_turns == 8
    recorder = _Recorder()
    chain = _chain(assistant, assistant.settings)
    chain.use_llm(recorder, recorder.condense)
    chain.ask("And in adults?", TURNS * 2)
    assert recorder.answered == [(TURNS * 2)[-8:]]


def test_the_offline_answer_quotes_only_the_passages_its_depth_allows(
    assistant: Assistant, built_home: Path
) -> None:
    question = "Which tyrosine kinase inhibitors are options for Ph-positive ALL?"
    shallow = Settings(home=built_home, corpus_dir=CORPUS, retrieval=RetrievalSettings(answer_k=1))
    chain = _chain(assistant, shallow)
    top = chain.search(question, 1)[0].chunk.chunk_id
    answer = chain.ask(question)
    assert answer.citations
    assert {c.chunk_id for c in answer.citations} == {top}
    deep = chain.search(question, assistant.settings.retrieval.answer_k)
    assert assistant.settings.retrieval.answer_k == 6  # one more than k, as tuned
    assert len(deep) == 6


def test_every_refusal_has_one_shape() -> None:
    sections = ["ALL-C", "ALL-C", "Discussion › MRD", "ALL-E", "ALL-F"]
    answer = refusal("Not in the text.", sections)
    assert answer.refused and answer.citations == [] and answer.tool_calls == []
    # the sections of the NEAREST best passages, each once, best first
    assert NEAREST == 3
    assert answer.answer == "Not in the text. Nearest sections: ALL-C; Discussion › MRD."
    assert refusal("Not in the text.").answer == "Not in the text."


def test_a_refusal_for_a_question_the_text_does_not_address_names_the_nearest_sections(
    assistant: Assistant, built_home: Path
) -> None:
    # A threshold no unit reaches: every in-scope question ends at the gate's last check.
    strict = Settings(
        home=built_home, corpus_dir=CORPUS, embedding=EmbeddingSettings(refusal_threshold=1.0)
    )
    chain = _chain(assistant, strict)
    question = "How is CNS-2 status defined?"
    answer = chain.ask(question)
    hits = chain.search(question, strict.retrieval.answer_k)
    sections = list(dict.fromkeys(h.chunk.section for h in hits[:NEAREST]))
    assert answer.refused and answer.citations == [] and answer.tool_calls == []
    assert answer.answer == (
        "The 2015 NCCN ALL guideline text does not appear to address this question. "
        f"Nearest sections: {'; '.join(sections)}."
    )
