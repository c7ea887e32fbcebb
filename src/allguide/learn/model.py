"""The quiz item: one JSON object of `allguide quiz --json` (docs/design.md, "quiz").

An item carries its key and, for a vignette, the rule tool call that computed it, so any
reader (the tests, the Learn tab, `allguide eval`) can re-check the key without trusting the
generator.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from allguide.types import Citation

ItemKind = Literal["vignette", "recall"]
QuizKind = Literal["vignette", "recall", "mixed"]


class ToolUse(BaseModel):
    """The rule tool call whose verdict is a vignette's key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    input: dict[str, Any]


class QuizItem(BaseModel):
    """A multiple-choice item; `answer` is exactly one of `options`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="stable across seeds: a hash of kind, topic, question, answer")
    kind: ItemKind
    topic: str
    question: str
    options: list[str] = Field(min_length=2)
    answer: str
    tool: ToolUse | None = None
    explanation: str
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _key_is_an_option(self) -> QuizItem:
        if len(set(self.options)) != len(self.options):
            raise ValueError("options must be distinct")
        if self.answer not in self.options:
            raise ValueError("answer must be one of the options")
        return self


def item_id(kind: str, topic: str, question: str, answer: str) -> str:
    """The same item gets the same id in every quiz (the Learn tab's review relies on it)."""
    digest = hashlib.sha256(f"{kind}\x1f{topic}\x1f{question}\x1f{answer}".encode()).hexdigest()
    return f"{kind[0]}-{digest[:12]}"


def grade(item: QuizItem, choice: str) -> bool:
    """True when `choice` is the item's key (an option's text; case and spacing ignored)."""
    return " ".join(choice.split()).casefold() == item.answer.casefold()
