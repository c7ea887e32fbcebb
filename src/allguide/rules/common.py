"""Shared pieces of the rule tools: strict input types, the output base, input parsing.

Inputs are strict (no string-to-number or number-to-boolean coercion) and reject unknown
fields; every invalid input becomes one `ToolInputError` naming the field and its range.
Numbers must also be physiologically plausible (`PLAUSIBLE`): generous bounds that catch a
slip of units or digits (CSF WBC 1e308, RBC 5e-324) and are no part of the guideline's rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from pydantic_core import ErrorDetails

from allguide.errors import ToolInputError
from allguide.validate import shown


@dataclass(frozen=True)
class Allowed:
    """Annotation marker: the allowed values of a field, as told to the user on error."""

    text: str


Flag = Annotated[bool, Allowed("true or false")]
Count = Annotated[float, Field(ge=0, allow_inf_nan=False), Allowed("a finite number ≥ 0")]
OptionalCount = Annotated[
    float | None, Field(ge=0, allow_inf_nan=False), Allowed("a finite number ≥ 0, or null")
]
Percent = Annotated[
    float, Field(ge=0, le=100, allow_inf_nan=False), Allowed("a finite number from 0 to 100")
]
Status = Literal["ok", "needs_input"]


@dataclass(frozen=True)
class Bound:
    """A plausibility bound: at most `high`, and a non-zero value at least `low`."""

    high: float
    unit: str
    low: float = 0.0


_COUNT_RESOLUTION = 1e-3  # cells/mcL: one cell per litre; anything smaller is not a count
_SPD = Bound(1e6, " (area unit of the SPD)", 1e-3)
_MRD_PCT = Bound(100, "%", 1e-7)  # 1e-9 of the cells: below any assay's reach (NGS ~1e-6)
_MRD_FRACTION = Bound(1, " (fraction)", 1e-9)

PLAUSIBLE: dict[str, Bound] = {
    "csf_wbc_per_mcl": Bound(1e5, "/mcL", _COUNT_RESOLUTION),
    "csf_rbc_per_mcl": Bound(1e7, "/mcL", _COUNT_RESOLUTION),
    "blood_wbc_per_mcl": Bound(2e6, "/mcL", _COUNT_RESOLUTION),
    "blood_rbc_per_mcl": Bound(1e7, "/mcL", _COUNT_RESOLUTION),
    "anc_per_mcl": Bound(1e6, "/mcL", _COUNT_RESOLUTION),
    "platelets_per_mcl": Bound(1e7, "/mcL", _COUNT_RESOLUTION),
    "blast_increase_pct": Bound(1e6, "%"),
    "baseline_spd": _SPD,
    "current_spd": _SPD,
    "spd_at_cr_or_cru": _SPD,
    "mrd_pct": _MRD_PCT,
    "mrd_fraction": _MRD_FRACTION,
    "assay_sensitivity_pct": _MRD_PCT,
    "assay_sensitivity_fraction": _MRD_FRACTION,
}
"""Per input field: values outside are refused as implausible (docs/rules.md lists them)."""


def _plausible_schema(schema: dict[str, Any]) -> None:
    """Tell a model choosing a tool the plausibility bounds too (`maximum` in the JSON schema)."""
    for name, prop in schema.get("properties", {}).items():
        if name in PLAUSIBLE:
            prop["maximum"] = PLAUSIBLE[name].high


class RuleInput(BaseModel):
    """Base of every rule input: strict types, unknown fields rejected."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, json_schema_extra=_plausible_schema
    )


class RuleOutput(BaseModel):
    """Base of every rule output: the verdict's provenance and what is still missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status = Field(
        description="'ok', or 'needs_input' when a value the rule needs is missing."
    )
    rule: str = Field(min_length=1, description="The guideline text applied, verbatim.")
    quotes: list[str] = Field(description="Further verbatim guideline text (cautions, criteria).")
    source: str = Field(description="Guideline section of `rule`, e.g. ALL-C.")
    chunk_ids: list[str] = Field(
        default_factory=list,
        description="Corpus passages that hold `rule` and `quotes` (filled in by the index owner).",
    )
    notes: list[str] = Field(description="How the rule was applied, including boundary choices.")
    missing: list[str] = Field(default_factory=list, description="Input fields still needed.")
    question: str | None = Field(None, description="What to ask the user when input is missing.")

    @model_serializer(mode="wrap")
    def _verdict_first(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dump as status, the rule's own result fields, then the provenance fields."""
        data: dict[str, Any] = handler(self)
        own = {key: value for key, value in data.items() if key not in RuleOutput.model_fields}
        return {"status": data["status"], **own, **data}


def verdict(output: Mapping[str, Any]) -> dict[str, Any]:
    """A rule output's own result fields: what every rule output carries (status, rule,
    quotes, source, ids, notes, missing, question) left out."""
    return {key: value for key, value in output.items() if key not in RuleOutput.model_fields}


def cited(rule: str, quotes: Sequence[str] = ()) -> dict[str, Any]:
    """`rule` and `quotes` (verbatim guideline text) for a `RuleOutput`; the chunks holding
    them are resolved by whoever owns an index (`rules/provenance.py`)."""
    return {"rule": rule, "quotes": list(quotes)}


def exact(value: float) -> Decimal:
    """The decimal a user typed (shortest repr), so boundaries like 5 or 0.01 compare exactly."""
    return Decimal(repr(value))


M = TypeVar("M", bound=RuleInput)


def parse_input(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate `data` against `model`; any problem becomes one `ToolInputError`."""
    try:
        inp = model.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_tool_error(model, exc.errors()[0]) from None
    for field in model.model_fields:
        bound, value = PLAUSIBLE.get(field), getattr(inp, field)
        if bound is not None and isinstance(value, int | float):
            _check_plausible(field, value, bound)
    return inp


def _check_plausible(field: str, value: float, bound: Bound) -> None:
    if value > bound.high:
        limit = f"≤ {_number(bound.high)}{bound.unit}"
    elif 0 < value < bound.low:
        limit = f"≥ {_number(bound.low)}{bound.unit} when not 0"
    else:
        return
    raise ToolInputError(
        f"{field}: must be {limit} (plausibility bound; got {value!r})", field=field
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _to_tool_error(model: type[RuleInput], error: ErrorDetails) -> ToolInputError:
    field = str(error["loc"][0]) if error["loc"] else None
    if error["type"] == "extra_forbidden":
        known = ", ".join(model.model_fields)
        return ToolInputError(f"{field}: unknown field (allowed fields: {known})", field=field)
    if field is None or field not in model.model_fields:
        return ToolInputError(f"invalid input: {error['msg']}", field=field)
    allowed = next(
        (m.text for m in model.model_fields[field].metadata if isinstance(m, Allowed)),
        error["msg"].lower(),
    )
    got = "missing" if error["type"] == "missing" else f"got {shown(error['input'])}"
    return ToolInputError(f"{field}: must be {allowed} ({got})", field=field)
