"""The evaluation dataset's line format: `EvalItem`, and the JSON Lines reader.

Shared by `allguide.evaluation` (which loads datasets) and `allguide.feedback` (which exports
thumbs-down votes as items), so the web UI's feedback never imports the evaluation package.
The format and category vocabulary are documented in `evals/README.md`.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allguide.errors import BadInputError
from allguide.types import Message

NonEmpty = Annotated[str, Field(min_length=1)]

Split = Literal["dev", "test"]


def split_of(item_id: str) -> Split:
    """The stable dev/test split of an item: "dev" when SHA-256 of its id is even, else "test"."""
    return "dev" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def _split_from_id(data: dict[str, Any]) -> Split:
    return split_of(str(data.get("id", "")))


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ExpectTool(_Strict):
    """The rule tool a vignette needs and the key fields of its expected output."""

    name: NonEmpty
    output: dict[str, Any] = Field(min_length=1)


class EvalItem(_Strict):
    """One evaluation question with its gold evidence spans and expected answer content."""

    id: NonEmpty
    question: NonEmpty
    history: list[Message]
    gold_evidence: list[NonEmpty]
    answer_keywords: list[NonEmpty]
    category: NonEmpty
    expect_refusal: bool
    expect_tool: ExpectTool | None = None
    # Every line of evals/qa.jsonl carries its split (the dataset tests check it equals
    # `split_of(id)`). Items built in code (feedback exports) get it from the id, and it is
    # not dumped, so an exported file keeps the format tests/test_feedback.py pins.
    split: Split = Field(default_factory=_split_from_id, exclude=True)


M = TypeVar("M", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = " ".join(str(first["msg"]).split())
    return f"{where}: {message}" if where else message


def parse_jsonl(text: str, model: type[M], *, source: str, what: str = "") -> list[M]:
    """One `model` per non-blank line; a malformed line raises `BadInputError` naming the line
    (and `what` the line should have been)."""
    records: list[M] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(model.model_validate_json(line))
        except ValidationError as exc:
            problem = f"not {what} ({_describe(exc)})" if what else _describe(exc)
            raise BadInputError(f"{source} line {number}: {problem}") from None
    return records
