"""Case vignettes graded by the rule tools: the key is the real tool's verdict.

Each tool's outcomes (its verdict values, in the tool's order) are the options; the
explanation quotes the rule the tool applied, verbatim, and cites the chunks holding it
(resolved with the `QuoteResolver` of the quiz's chunk set).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from random import Random
from typing import Any

from allguide.learn.cases import CASES
from allguide.learn.model import QuizItem, ToolUse, item_id
from allguide.rules.provenance import QuoteResolver
from allguide.tools import RULES, run_rule
from allguide.types import Chunk, Citation


@dataclass(frozen=True)
class ToolQuiz:
    """How a tool's verdict reads as a quiz key: the stem and a label per verdict value."""

    topic: str
    stem: str
    labels: Mapping[str, str]


TOOL_QUIZ: dict[str, ToolQuiz] = {
    "cns_status": ToolQuiz(
        "cns",
        "What is the CNS status?",
        {"CNS-1": "CNS-1", "CNS-2": "CNS-2", "CNS-3": "CNS-3"},
    ),
}
"""Tool name → its quiz wording (every tool with a case drawer in `CASES`)."""


def vignette_tools(topic: str | None) -> list[str]:
    """The tools a quiz on `topic` (None: any) asks vignettes for, in registry order."""
    return [
        name
        for name in RULES
        if name in TOOL_QUIZ and (topic is None or TOOL_QUIZ[name].topic == topic)
    ]


def verdict_label(tool: str, output: Mapping[str, Any]) -> str:
    """The option text of a tool output's verdict ("CNS-2", "CRi", "MRD negative")."""
    value = output[RULES[tool].verdict]
    return TOOL_QUIZ[tool].labels[str(value)]


def make_vignette(
    tool: str, rng: Random, resolver: QuoteResolver, chunks: Mapping[str, Chunk]
) -> QuizItem:
    """One vignette for `tool`, its key computed by running the tool on the case's input."""
    text, payload = CASES[tool](rng)
    output = run_rule(tool, payload).model_dump(mode="json")
    if output["status"] != "ok":
        raise AssertionError(f"{tool}: the case left an input missing: {payload}")
    quiz = TOOL_QUIZ[tool]
    answer = verdict_label(tool, output)
    question = f"{text} {quiz.stem}"
    citations = cite(resolver, chunks, [output["rule"], *output["quotes"]])
    explanation = (
        f"{RULES[tool].label}: {answer}. The rule applied ({output['source']}): "
        f'"{output["rule"]}" [1]'
    )
    return QuizItem(
        id=item_id("vignette", quiz.topic, question, answer),
        kind="vignette",
        topic=quiz.topic,
        question=question,
        options=list(quiz.labels.values()),
        answer=answer,
        tool=ToolUse(name=tool, input=payload),
        explanation=explanation,
        citations=citations,
    )


def cite(resolver: QuoteResolver, chunks: Mapping[str, Chunk], quotes: list[str]) -> list[Citation]:
    """Citations [1], [2], … of the quotes found verbatim in the chunk set, first one first."""
    found: list[Citation] = []
    for quote in quotes:
        ids = resolver.ids(quote)
        if ids:
            chunk = chunks[ids[0]]
            found.append(
                Citation(
                    n=len(found) + 1,
                    chunk_id=chunk.chunk_id,
                    section=chunk.section,
                    page=chunk.page,
                    quote=quote,
                )
            )
    return found
