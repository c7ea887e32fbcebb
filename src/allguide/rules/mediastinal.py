"""Mediastinal response (ALL-E, "Response Criteria for Mediastinal Disease") by CT SPD.

SPD is the sum of the products of the greatest perpendicular diameters. Decisions:
- The thresholds are strict as written (>75%, >50%, >25%): exactly 75% regression is PR,
  exactly 50% decrease is NR, exactly 25% increase is NR. Compared in exact decimals.
- The text does not name the reference for PR/PD; change is measured from `baseline_spd`.
- Relapse ("recurrence ... after achieving CR or CRu") needs the SPD at CR/CRu: any growth
  beyond it is relapse (the text gives no size threshold). Without it, `needs_input`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from allguide.errors import ToolInputError
from allguide.rules.common import (
    Allowed,
    Count,
    Flag,
    OptionalCount,
    RuleInput,
    RuleOutput,
    cited,
    exact,
    parse_input,
)

SOURCE = "ALL-E"
MEDIASTINAL = {
    "CR": "CR: Complete resolution of mediastinal enlargement by CT.",
    "CRu": (
        "CR Unconfirmed (CRu): Residual mediastinal enlargement that has regressed by >75% in "
        "the sum of the product of the greatest perpendicular diameters (SPD)."
    ),
    "PR": "PR: >50% decrease in the SPD of the mediastinal enlargement.",
    "PD": "PD: >25% increase in the SPD of the mediastinal enlargement.",
    "NR": "No Response (NR): Failure to qualify for PR or PD.",
    "relapse": "Relapse: Recurrence of mediastinal enlargement after achieving CR or CRu.",
}
MediastinalResponse = Literal["CR", "CRu", "PR", "PD", "NR", "relapse"]
PositiveArea = Annotated[float, Field(gt=0, allow_inf_nan=False), Allowed("a finite number > 0")]


class MediastinalResponseInput(RuleInput):
    """Mediastinal enlargement by CT as SPD, all in one area unit (e.g. cm²)."""

    baseline_spd: PositiveArea = Field(
        description="SPD (sum of the products of the greatest perpendicular diameters) before "
        "treatment."
    )
    current_spd: Count = Field(description="SPD now, same unit; 0 if fully resolved.")
    prior_cr_or_cru: Flag = Field(False, description="Mediastinal CR or CRu was achieved before.")
    spd_at_cr_or_cru: OptionalCount = Field(
        None, description="SPD when CR/CRu was reached (0 for CR); needed with prior_cr_or_cru."
    )


class MediastinalResponseOutput(RuleOutput):
    """Mediastinal response category (None while input is missing) and the SPD change."""

    mediastinal_response: MediastinalResponse | None
    spd_change_pct: float


def mediastinal_response(
    baseline_spd: float,
    current_spd: float,
    *,
    prior_cr_or_cru: bool = False,
    spd_at_cr_or_cru: float | None = None,
) -> MediastinalResponseOutput:
    """Classify mediastinal response (CR, CRu, PR, PD, NR, relapse) by CT SPD, NCCN ALL-E.

    Use when mediastinal mass measurements are given: SPD before treatment and now, in any
    one area unit (cm² or mm²). After a mediastinal CR/CRu, also give the SPD at that time.
    """
    inp = parse_input(MediastinalResponseInput, locals())
    if inp.spd_at_cr_or_cru is not None and not inp.prior_cr_or_cru:
        raise ToolInputError(
            "spd_at_cr_or_cru: give it only with prior_cr_or_cru true", field="spd_at_cr_or_cru"
        )
    base, now = exact(inp.baseline_spd), exact(inp.current_spd)
    change = float((now - base) / base * 100)
    if inp.prior_cr_or_cru and inp.spd_at_cr_or_cru is None:
        return MediastinalResponseOutput(
            status="needs_input",
            mediastinal_response=None,
            spd_change_pct=change,
            source=SOURCE,
            notes=[],
            missing=["spd_at_cr_or_cru"],
            question="What was the mediastinal SPD when CR or CRu was reached (0 for CR)?",
            **cited(MEDIASTINAL["relapse"]),
        )
    at_cr = None if inp.spd_at_cr_or_cru is None else exact(inp.spd_at_cr_or_cru)
    category = _mediastinal_category(base, now, at_cr)
    notes = (
        [
            (
                "The text gives no size threshold for recurrence; any growth beyond the SPD at "
                "CR/CRu is taken as recurrence."
            )
        ]
        if category == "relapse"
        else []
    )
    return MediastinalResponseOutput(
        status="ok",
        mediastinal_response=category,
        spd_change_pct=change,
        source=SOURCE,
        notes=notes,
        **cited(MEDIASTINAL[category]),
    )


def _mediastinal_category(
    base: Decimal, now: Decimal, at_cr: Decimal | None
) -> MediastinalResponse:
    if at_cr is not None and now > at_cr:
        return "relapse"
    if now == 0:
        return "CR"
    if now * 4 < base:  # regressed by >75%
        return "CRu"
    if now * 2 < base:  # >50% decrease
        return "PR"
    if now * 4 > base * 5:  # >25% increase
        return "PD"
    return "NR"
