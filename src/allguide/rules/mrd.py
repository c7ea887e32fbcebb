"""MRD status against the 1 × 10⁻⁴ (0.01%) threshold (ALL-F, "Minimal Residual Disease").

Decisions:
- Negative means a level below 1 × 10⁻⁴ (exactly 0.01% is positive) measured by an assay whose
  sensitivity is below 1 × 10⁻⁴, as ALL-F requires "to declare MRD negativity". An assay
  sensitivity of exactly 0.01% is not enough (`not_evaluable`).
- A level below the threshold with no assay sensitivity given is `needs_input`; a level at or
  above the threshold is positive whatever the assay.
- The text names non-quantifiable and quantifiable MRD positivity but defines no thresholds
  for them, so positivity is not sub-classified.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from allguide.errors import ToolInputError
from allguide.rules.common import Allowed, RuleInput, RuleOutput, cited, exact, parse_input

SOURCE = "ALL-F"
SENSITIVITY = (
    "The minimal limit of assay sensitivity (to declare MRD negativity) should be "
    "<1 × 10⁻⁴ (<0.01%)."
)
DETECTION = (
    "Current multicolor flow cytometry or PCR methods can detect leukemic cells at a "
    "sensitivity threshold of <1 × 10⁻⁴ (<0.01%) bone marrow mononuclear cells (MNCs)."
)
DEFINITIONS = (
    "Recommendations on the minimal technical requirements for MRD assessment (both for PCR and "
    "flow cytometry methods) and definitions for response based on MRD results (eg, MRD "
    "negativity, non-quantifiable MRD positivity, quantifiable MRD positivity) have recently "
    "been published as a result of a consensus development meeting held by ALL study groups "
    "across Europe."
)
NEGATIVITY = (
    "Among children with ALL who experience a CR according to morphologic evaluation after "
    "induction therapy, approximately 25% to 50% may still have detectable MRD based on "
    "sensitive assays (in which the threshold of MRD negativity is <1 × 10⁻⁴ bone marrow MNCs)."
)
THRESHOLD = Decimal("0.0001")

Pct = Annotated[
    float | None,
    Field(ge=0, le=100, allow_inf_nan=False),
    Allowed("a finite number from 0 to 100 (percent), or null"),
]
Fraction = Annotated[
    float | None,
    Field(ge=0, le=1, allow_inf_nan=False),
    Allowed("a finite number from 0 to 1 (fraction; 0.01% = 0.0001), or null"),
]
SensitivityPct = Annotated[
    float | None,
    Field(gt=0, le=100, allow_inf_nan=False),
    Allowed("a finite number > 0 and ≤ 100 (percent), or null"),
]
SensitivityFraction = Annotated[
    float | None,
    Field(gt=0, le=1, allow_inf_nan=False),
    Allowed("a finite number > 0 and ≤ 1 (fraction; 0.001% = 0.00001), or null"),
]
Mrd = Literal["negative", "positive", "not_evaluable"]


class MrdInput(RuleInput):
    """An MRD level and the assay sensitivity, each as percent or fraction (or both, agreeing)."""

    mrd_pct: Pct = Field(None, description="MRD level in percent of bone marrow MNCs.")
    mrd_fraction: Fraction = Field(None, description="MRD level as a fraction (1e-4 = 0.01%).")
    assay_sensitivity_pct: SensitivityPct = Field(
        None, description="Lowest level the assay detects, in percent."
    )
    assay_sensitivity_fraction: SensitivityFraction = Field(
        None, description="Lowest level the assay detects, as a fraction."
    )


class MrdOutput(RuleOutput):
    """MRD negative/positive (None while input is missing), with the level in both forms."""

    mrd_status: Mrd | None
    mrd_pct: float
    mrd_fraction: float


def mrd_status(
    *,
    mrd_pct: float | None = None,
    mrd_fraction: float | None = None,
    assay_sensitivity_pct: float | None = None,
    assay_sensitivity_fraction: float | None = None,
) -> MrdOutput:
    """Say whether an MRD result is negative (<1 × 10⁻⁴ = 0.01%) or positive, per NCCN ALL-F.

    Use when an MRD level (flow cytometry or PCR) is given. Give it as percent (mrd_pct=0.005)
    or as a fraction (mrd_fraction=5e-5), and the assay sensitivity the same way: negativity
    can only be declared by an assay more sensitive than 1 × 10⁻⁴.
    """
    inp = parse_input(MrdInput, locals())
    level = _fraction(inp.mrd_pct, inp.mrd_fraction, "mrd")
    if level is None:
        raise ToolInputError("mrd_pct: give mrd_pct or mrd_fraction (got neither)", field="mrd_pct")
    sensitivity = _fraction(
        inp.assay_sensitivity_pct, inp.assay_sensitivity_fraction, "assay_sensitivity"
    )
    shown = {"mrd_pct": float(level * 100), "mrd_fraction": float(level), "source": SOURCE}
    if level >= THRESHOLD:
        notes = [
            (
                "Positivity is not sub-classified: the text names non-quantifiable and "
                "quantifiable MRD positivity but defines no thresholds for them."
            )
        ]
        if level == THRESHOLD:
            notes.insert(0, "Exactly 0.01% (1 × 10⁻⁴) is not below the threshold: positive.")
        return MrdOutput(
            status="ok",
            mrd_status="positive",
            notes=notes,
            **shown,
            **cited(SENSITIVITY, [NEGATIVITY, DEFINITIONS]),
        )
    if sensitivity is None:
        return MrdOutput(
            status="needs_input",
            mrd_status=None,
            notes=[],
            missing=["assay_sensitivity_pct"],
            question="The level is below 0.01%: what is the assay's sensitivity (e.g. 0.001%)?",
            **shown,
            **cited(SENSITIVITY),
        )
    if sensitivity >= THRESHOLD:
        return MrdOutput(
            status="ok",
            mrd_status="not_evaluable",
            notes=[
                (
                    f"An assay with sensitivity {float(sensitivity * 100):g}% cannot declare "
                    "negativity; it must detect below 0.01%."
                )
            ],
            **shown,
            **cited(SENSITIVITY, [DETECTION]),
        )
    notes = []
    if level > 0:
        notes.append("MRD was detected below 0.01%; it is under the 1 × 10⁻⁴ negativity threshold.")
    return MrdOutput(
        status="ok",
        mrd_status="negative",
        notes=notes,
        **shown,
        **cited(SENSITIVITY, [NEGATIVITY, DETECTION]),
    )


def _fraction(pct: float | None, fraction: float | None, name: str) -> Decimal | None:
    """One exact fraction from a percent and/or a fraction; both given must agree."""
    from_pct = None if pct is None else exact(pct) / 100
    from_fraction = None if fraction is None else exact(fraction)
    if from_pct is not None and from_fraction is not None and from_pct != from_fraction:
        raise ToolInputError(
            f"{name}_fraction: must equal {name}_pct / 100 (got {fraction!r} and {pct!r}%)",
            field=f"{name}_fraction",
        )
    return from_pct if from_pct is not None else from_fraction
