"""CNS status from the lumbar puncture (ALL-C, "Classification of CNS status").

Decisions the text leaves open, taken here and reported in `notes`:
- The traumatic-tap ratio rule applies only when all three of its conditions hold (leukemic
  cells in the blood, a traumatic LP, CSF WBC ≥5/mcL with blasts); otherwise the plain
  CNS-1/2/3 definitions apply.
- "At least two-fold greater" is read as CSF WBC/RBC ≥ 2 × blood WBC/RBC (exactly 2× → CNS-3).
- If the ratio rule applies but a count it needs is missing, the result is `needs_input`
  with the missing fields and a question, never a guess.
- Cranial nerve involvement does not change the CSF class; it is reported as its own flag
  with the guideline's irradiation sentence, which pairs it with CNS-3.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from allguide.errors import ToolInputError
from allguide.rules.common import (
    Count,
    Flag,
    OptionalCount,
    RuleInput,
    RuleOutput,
    cited,
    exact,
    parse_input,
)

SOURCE = "ALL-C"
CNS_1 = "CNS-1: No lymphoblasts in CSF regardless of WBC count."
CNS_2 = "CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."
CNS_3 = "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts."
TRAUMATIC_TAP = (
    "If the patient has leukemic cells in the peripheral blood and the LP is traumatic and "
    "WBC ≥5/mcL in CSF with blasts, then compare the CSF WBC/RBC ratio to the blood WBC/RBC "
    "ratio. If the CSF ratio is at least two-fold greater than the blood ratio, then the "
    "classification is CNS-3; if not, then it is CNS-2."
)
IRRADIATION = (
    "CNS leukemia (CNS-3 and/or cranial nerve involvement) at diagnosis typically warrants "
    "treatment with cranial irradiation of 18 Gy."
)
CnsClass = Literal["CNS-1", "CNS-2", "CNS-3"]

_RATIO_FIELDS = {
    "csf_rbc_per_mcl": "CSF RBC",
    "blood_wbc_per_mcl": "blood WBC",
    "blood_rbc_per_mcl": "blood RBC",
}


class CnsStatusInput(RuleInput):
    """Lumbar puncture findings; counts in cells per mcL."""

    csf_wbc_per_mcl: Count = Field(description="CSF white cells per mcL.")
    csf_blasts_present: Flag = Field(description="Lymphoblasts seen in the CSF (cytospin).")
    traumatic_tap: Flag = Field(False, description="The LP was traumatic (blood in the CSF).")
    csf_rbc_per_mcl: OptionalCount = Field(None, description="CSF red cells per mcL.")
    blood_wbc_per_mcl: OptionalCount = Field(
        None, description="Peripheral blood WBC per mcL (×10⁹/L × 1000)."
    )
    blood_rbc_per_mcl: OptionalCount = Field(
        None, description="Peripheral blood RBC per mcL (×10¹²/L × 1,000,000)."
    )
    peripheral_blasts: Flag = Field(False, description="Leukemic cells in the peripheral blood.")
    cranial_nerve_palsy: Flag = Field(False, description="Cranial nerve involvement (palsy).")


class CnsStatusOutput(RuleOutput):
    """The CSF class (None while input is missing) and the cranial-nerve flag."""

    cns_status: CnsClass | None
    cranial_nerve_involvement: bool
    csf_wbc_rbc_ratio: float | None = None
    blood_wbc_rbc_ratio: float | None = None


def cns_status(
    csf_wbc_per_mcl: float,
    csf_blasts_present: bool,
    *,
    traumatic_tap: bool = False,
    csf_rbc_per_mcl: float | None = None,
    blood_wbc_per_mcl: float | None = None,
    blood_rbc_per_mcl: float | None = None,
    peripheral_blasts: bool = False,
    cranial_nerve_palsy: bool = False,
) -> CnsStatusOutput:
    """Classify CNS status (CNS-1, CNS-2, CNS-3) from a lumbar puncture, per NCCN ALL-C.

    Use when CSF findings are given: CSF WBC per mcL and whether lymphoblasts are present. For a
    traumatic (bloody) tap with leukemic cells in the blood, also give CSF RBC, blood WBC and
    blood RBC per mcL (×10⁹/L × 1000; RBC ×10¹²/L × 1,000,000) for the WBC/RBC ratio rule; if
    they are missing the result asks for them. Cranial nerve palsy is reported as a flag.
    """
    return _classify(parse_input(CnsStatusInput, locals()))


def _classify(inp: CnsStatusInput) -> CnsStatusOutput:
    cranial = [IRRADIATION] if inp.cranial_nerve_palsy else []
    notes = (
        ["Cranial nerve involvement is reported separately; it does not change the CSF class."]
        if inp.cranial_nerve_palsy
        else []
    )
    if not inp.csf_blasts_present:
        return _result("CNS-1", CNS_1, cranial, notes, inp)
    if exact(inp.csf_wbc_per_mcl) < 5:
        return _result("CNS-2", CNS_2, cranial, notes, inp)
    if inp.traumatic_tap and inp.peripheral_blasts:
        return _ratio_rule(inp, cranial, notes)
    quotes = [IRRADIATION]
    if inp.traumatic_tap:
        quotes.append(TRAUMATIC_TAP)
        notes.append(
            "Traumatic tap without leukemic cells in the blood: the ratio rule does not apply, "
            "so the CSF findings are classified as they stand."
        )
    return _result("CNS-3", CNS_3, quotes, notes, inp)


def _ratio_rule(inp: CnsStatusInput, cranial: list[str], notes: list[str]) -> CnsStatusOutput:
    counts = {name: getattr(inp, name) for name in _RATIO_FIELDS}
    missing = [name for name, value in counts.items() if value is None]
    if missing:
        labels = [_RATIO_FIELDS[name] for name in missing]
        if len(labels) == 1:
            asked = f"is the {labels[0]} count"
        else:
            asked = f"are the {', '.join(labels[:-1])} and {labels[-1]} counts"
        return CnsStatusOutput(
            status="needs_input",
            cns_status=None,
            cranial_nerve_involvement=inp.cranial_nerve_palsy,
            source=SOURCE,
            notes=notes,
            missing=missing,
            question=(
                "The tap was traumatic, with CSF WBC ≥5/mcL and blasts and leukemic cells in the "
                f"blood, so the class depends on the WBC/RBC ratios: what {asked} per mcL?"
            ),
            **cited(TRAUMATIC_TAP, cranial),
        )
    for name, value in counts.items():
        if value == 0:
            raise ToolInputError(
                f"{name}: must be > 0 for the WBC/RBC ratio rule (got 0)", field=name
            )
    csf_wbc = exact(inp.csf_wbc_per_mcl)
    csf_rbc, blood_wbc, blood_rbc = (exact(counts[name]) for name in _RATIO_FIELDS)
    status: CnsClass = "CNS-3" if csf_wbc * blood_rbc >= 2 * blood_wbc * csf_rbc else "CNS-2"
    notes.append(
        '"At least two-fold greater" is applied as CSF WBC/RBC ≥ 2 × blood WBC/RBC '
        "(exactly two-fold counts as CNS-3)."
    )
    quotes = [IRRADIATION] if status == "CNS-3" else cranial
    return _result(
        status,
        TRAUMATIC_TAP,
        quotes,
        notes,
        inp,
        csf_wbc_rbc_ratio=float(csf_wbc / csf_rbc),
        blood_wbc_rbc_ratio=float(blood_wbc / blood_rbc),
    )


def _result(
    status: CnsClass,
    rule: str,
    quotes: list[str],
    notes: list[str],
    inp: CnsStatusInput,
    **ratios: float,
) -> CnsStatusOutput:
    return CnsStatusOutput(
        status="ok",
        cns_status=status,
        cranial_nerve_involvement=inp.cranial_nerve_palsy,
        source=SOURCE,
        notes=notes,
        **cited(rule, quotes),
        **ratios,
    )
