"""The evaluation dataset (`evals/*.jsonl`): its item model, loader and evidence normalization.

Format and category vocabulary are documented in `evals/README.md` and `docs/design.md`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from allguide.errors import BadInputError
from allguide.types import Message

NonEmpty = Annotated[str, Field(min_length=1)]

CATEGORIES: dict[str, str] = {
    "overview": "broad trainee or patient-education questions answered from a whole section",
    "epidemiology": "overview, incidence, survival, risk factors, categories of evidence",
    "diagnosis": "presentation, diagnostic criteria, workup, lymphoblastic lymphoma",
    "immunophenotype": "flow cytometric subtypes and markers, MPAL",
    "cytogenetics": "cytogenetic and molecular risk groups, WBC risk, Table 1 frequencies",
    "ph_like": "Philadelphia-like (BCR-ABL1-like) ALL",
    "etp": "early T-cell precursor ALL",
    "ikzf1": "Ikaros (IKZF1) alterations",
    "treatment_ph_pos": "frontline treatment of Ph-positive ALL, AYA and adult",
    "treatment_ph_neg": "frontline treatment of Ph-negative ALL, AYA and adult",
    "relapsed_refractory": "relapsed/refractory disease: outcomes and second-line options",
    "tki_mutations": "TKIs and ABL kinase-domain mutations",
    "immunotherapy": "blinatumomab, CAR T cells, inotuzumab ozogamicin",
    "novel_agents": "nelarabine, clofarabine, VSLI and other relapse regimens",
    "hct": "allogeneic and autologous hematopoietic cell transplantation",
    "supportive_care": "infections, asparaginase toxicity, steroids, methotrexate, TPMT",
    "cns": "CNS status, prophylaxis and treatment; testicular disease",
    "response_criteria": "blood/marrow, CNS and mediastinal response definitions",
    "definition": "definitions and criteria: CNS status, response, MRD negativity, subtypes, ages",
    "mrd": "MRD methods, thresholds, timing and study results (childhood and adult)",
    "surveillance": "follow-up after completion of therapy",
    "followup": "elliptical follow-up questions that need the conversation history",
    "vignette": "cases with lab values that need a rule tool",
    "near_miss": "in-scope questions that sound out of scope (CML, lymphoma, other specialties)",
    "out_of_scope": "questions the 2015 ALL guideline does not answer; expect a refusal",
}


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


def normalize_evidence(text: str) -> str:
    """Fold (NFKC: `10⁻⁴` -> `10-4`), lower-case, keep letters and digits: case, spacing and
    punctuation then do not count, so repairs made by cleaning do not break a match."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


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


def parse_dataset(text: str, *, source: str = "<dataset>") -> list[EvalItem]:
    """Parse JSON Lines into items; a malformed line or a repeated id raises `BadInputError`."""
    items = parse_jsonl(text, EvalItem, source=source)
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if item.id in seen:
            raise BadInputError(f"{source} item {number}: duplicate id {item.id!r}")
        seen.add(item.id)
    return items


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read and validate an evaluation dataset file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read eval dataset {path}: {exc}") from None
    return parse_dataset(text, source=str(path))
