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

from allguide.learn.cases import CASES, NAMED, OTHER
from allguide.learn.model import ItemKind, QuizItem, ToolUse, item_id
from allguide.rules.provenance import QuoteResolver
from allguide.tools import RULES, run_rule
from allguide.types import Chunk, Citation


@dataclass(frozen=True)
class ToolQuiz:
    """How a tool's verdict reads as a quiz key: the stem, the option text per verdict value
    (every outcome, in the order shown) and how many options to show (0: all)."""

    topic: str
    stem: str
    labels: Mapping[str, str]
    choices: int = 0


NO_COMMON_TKI = "No single listed TKI covers every mutation"


def tki_label(options: list[str]) -> str:
    """The option text of a TKI verdict: its drugs in the tool's order."""
    return ", ".join(options) if options else NO_COMMON_TKI


def _tki_outcomes() -> dict[str, str]:
    """Every TKI verdict the cases can reach, computed by the tool itself."""
    every = (*NAMED, *OTHER)
    singles = [[m] for m in every]
    pairs = [[a, b] for i, a in enumerate(every) for b in every[i + 1 :]]
    found = {
        tki_label(run_rule("tki_by_mutation", {"mutations": m}).model_dump()["options"]): None
        for m in singles + pairs
    }
    return {label: label for label in found}


TOOL_QUIZ: dict[str, ToolQuiz] = {
    "cns_status": ToolQuiz(
        "cns", "What is the CNS status?", {"CNS-1": "CNS-1", "CNS-2": "CNS-2", "CNS-3": "CNS-3"}
    ),
    "response": ToolQuiz(
        "response",
        "What is the blood and marrow response?",
        {
            "CR": "CR",
            "CRi": "CRi",
            "refractory": "Refractory disease",
            "progressive_disease": "Progressive disease",
            "relapse": "Relapse",
            "no_cr": "No CR (CR criteria not met)",
        },
    ),
    "cns_response": ToolQuiz(
        "cns",
        "How is the CNS response classified?",
        {
            "cns_remission": "CNS remission",
            "cns_relapse": "CNS relapse",
            "no_cns_remission": "No CNS remission",
            "not_defined": "Neither CNS remission nor CNS relapse (not defined)",
        },
    ),
    "mediastinal_response": ToolQuiz(
        "response",
        "What is the mediastinal response?",
        {"CR": "CR", "CRu": "CRu", "PR": "PR", "PD": "PD", "NR": "NR", "relapse": "Relapse"},
    ),
    "mrd_status": ToolQuiz(
        "mrd",
        "What is the MRD status?",
        {
            "negative": "MRD negative",
            "positive": "MRD positive",
            "not_evaluable": "Not evaluable (assay not sensitive enough to declare negativity)",
        },
    ),
    "tki_by_mutation": ToolQuiz(
        "tki",
        "Which TKI options does the guideline list for the mutations found?",
        _tki_outcomes(),
        choices=4,
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
    if isinstance(value, list):
        return tki_label(value)
    return TOOL_QUIZ[tool].labels[str(value)]


def options_for(tool: str, answer: str, rng: Random) -> list[str]:
    """The key and the tool's other outcomes (a sample of them when `choices` is set)."""
    quiz = TOOL_QUIZ[tool]
    outcomes = list(quiz.labels.values())
    if not quiz.choices:
        return outcomes
    others = rng.sample([o for o in outcomes if o != answer], quiz.choices - 1)
    return [o for o in outcomes if o == answer or o in others]


def make_vignette(
    tool: str, rng: Random, resolver: QuoteResolver, chunks: Mapping[str, Chunk]
) -> QuizItem:
    """One vignette for `tool`, its key computed by running the tool on the case's input."""
    text, payload = CASES[tool](rng)
    stem = TOOL_QUIZ[tool].stem
    return tool_item(tool, payload, f"{text} {stem}", "vignette", rng, resolver, chunks)


def tool_item(
    tool: str,
    payload: dict[str, Any],
    question: str,
    kind: ItemKind,
    rng: Random,
    resolver: QuoteResolver,
    chunks: Mapping[str, Chunk],
) -> QuizItem:
    """An item whose key is `tool`'s verdict on `payload`, explained by the rule it applied."""
    output = run_rule(tool, payload).model_dump(mode="json")
    if output["status"] != "ok":
        raise AssertionError(f"{tool}: the case left an input missing: {payload}")
    topic = TOOL_QUIZ[tool].topic
    answer = verdict_label(tool, output)
    explanation = (
        f"{RULES[tool].label}: {answer}. The rule applied ({output['source']}): "
        f'"{output["rule"]}" [1]'
    )
    return QuizItem(
        id=item_id(kind, topic, question, answer),
        kind=kind,
        topic=topic,
        question=question,
        options=options_for(tool, answer, rng),
        answer=answer,
        tool=ToolUse(name=tool, input=payload),
        explanation=explanation,
        citations=cite(resolver, chunks, [output["rule"], *output["quotes"]]),
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
