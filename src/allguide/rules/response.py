"""Response criteria (ALL-E) for blood and bone marrow and for CNS disease.

Mediastinal response, from the same page, is in `mediastinal.py`.

Boundaries the text leaves open, decided here and reported in `notes`:
- ANC exactly 1000/mcL or platelets exactly 100,000/mcL: CR needs ">1000" and ">100,000", the
  CRi line says "<100,000 or ANC is <1000"; the exact value meets neither literally. It is
  taken as incomplete count recovery: CRi when the marrow criteria are met.
- Marrow blasts exactly 5%: CR needs "<5%", relapse needs ">5%"; 5% is neither. Never CR or
  CRi; after a CR it is not relapse either (reported as refractory at the end of induction,
  otherwise `no_cr`).
- After a CR, any circulating blasts or extramedullary disease is relapse (the ">5%" is read
  as applying to the marrow).
- Progressive disease is "an increase of at least 25%": exactly 25% is PD. It is judged only
  when CR/CRi are not met; extramedullary disease alone is not PD here, because the input does
  not say whether it is new ("development of extramedullary disease").
- CNS relapse is "new development of CNS-3 status": CNS-3 now after CNS-1/2 at diagnosis or
  after a CNS remission. New CNS-2 is neither remission nor relapse (`not_defined`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from allguide.errors import ToolInputError
from allguide.rules.common import (
    Allowed,
    Count,
    Flag,
    Percent,
    RuleInput,
    RuleOutput,
    cited,
    exact,
    parse_input,
)

SOURCE = "ALL-E"
CR_CIRCULATING = "No circulating blasts or extramedullary disease"
CR_MARROW = "Trilineage hematopoiesis (TLH) and <5% blasts"
CR_ANC = "Absolute neutrophil count (ANC) >1000/microL"
CR_PLATELETS = "Platelets >100,000/microL"
CR_DURABLE = "No recurrence for 4 weeks"
CRI = "Recovery of platelets but <100,000 or ANC is <1000/microL"
REFRACTORY = "Failure to achieve CR at the end of induction"
PROGRESSIVE = (
    "Increase of at least 25% in the absolute number of circulating or bone marrow blasts or "
    "development of extramedullary disease"
)
RELAPSE = (
    "Reappearance of blasts in the blood or bone marrow (>5%) or in any extramedullary site "
    "after a CR"
)
CR_QUOTES = [CR_CIRCULATING, CR_MARROW, CR_ANC, CR_PLATELETS]

Response = Literal["CR", "CRi", "refractory", "progressive_disease", "relapse", "no_cr"]
BlastChange = Annotated[
    float | None,
    Field(ge=-100, allow_inf_nan=False),
    Allowed("a finite number ≥ -100 (percent change; a decrease is negative), or null"),
]


class ResponseInput(RuleInput):
    """Blood and marrow findings after treatment; counts per mcL."""

    circulating_blasts: Flag = Field(description="Blasts in the peripheral blood.")
    extramedullary_disease: Flag = Field(description="Any extramedullary disease now.")
    marrow_blasts_pct: Percent = Field(description="Bone marrow blasts, percent.")
    trilineage_hematopoiesis: Flag = Field(description="Trilineage hematopoiesis in the marrow.")
    anc_per_mcl: Count = Field(description="Absolute neutrophil count per mcL (×10⁹/L × 1000).")
    platelets_per_mcl: Count = Field(description="Platelets per mcL (120 ×10⁹/L = 120,000).")
    end_of_induction: Flag = Field(False, description="This assessment is at end of induction.")
    prior_cr: Flag = Field(False, description="The patient had achieved CR before.")
    blast_increase_pct: BlastChange = Field(
        None, description="Change in absolute circulating or marrow blasts since last count, %."
    )


class ResponseOutput(RuleOutput):
    """The response category and which CR criteria were met."""

    response: Response
    cr_criteria: dict[str, bool]


def response(
    circulating_blasts: bool,
    extramedullary_disease: bool,
    marrow_blasts_pct: float,
    trilineage_hematopoiesis: bool,
    anc_per_mcl: float,
    platelets_per_mcl: float,
    *,
    end_of_induction: bool = False,
    prior_cr: bool = False,
    blast_increase_pct: float | None = None,
) -> ResponseOutput:
    """Classify blood and bone marrow response (CR, CRi, refractory, PD, relapse), NCCN ALL-E.

    Use when marrow blasts, blood counts and blast or extramedullary findings are given, after
    induction or in follow-up. ANC and platelets per mcL (×10⁹/L × 1000; "120k" platelets =
    120,000). Set prior_cr for a patient who was in CR (relapse check) and end_of_induction at
    the end of induction (refractory check).
    """
    return _assess(parse_input(ResponseInput, locals()))


def _assess(inp: ResponseInput) -> ResponseOutput:
    blasts = exact(inp.marrow_blasts_pct)
    criteria = {
        "no_circulating_blasts": not inp.circulating_blasts,
        "no_extramedullary_disease": not inp.extramedullary_disease,
        "trilineage_hematopoiesis": inp.trilineage_hematopoiesis,
        "marrow_blasts_below_5_pct": blasts < 5,
        "anc_above_1000_per_mcl": exact(inp.anc_per_mcl) > 1000,
        "platelets_above_100000_per_mcl": exact(inp.platelets_per_mcl) > 100_000,
    }
    notes = _boundary_notes(inp)

    def result(category: Response, rule: str, quotes: list[str]) -> ResponseOutput:
        return ResponseOutput(
            status="ok",
            response=category,
            cr_criteria=criteria,
            source=SOURCE,
            notes=notes,
            **cited(rule, quotes),
        )

    if inp.prior_cr and (inp.circulating_blasts or blasts > 5 or inp.extramedullary_disease):
        return result("relapse", RELAPSE, [])
    unmet = [name for name, met in criteria.items() if not met]
    if not unmet:
        notes.append("CR also requires no recurrence for 4 weeks; durability is not checked here.")
        return result("CR", CR_MARROW, [CR_CIRCULATING, CR_ANC, CR_PLATELETS, CR_DURABLE])
    if set(unmet) <= {"anc_above_1000_per_mcl", "platelets_above_100000_per_mcl"}:
        return result("CRi", CRI, CR_QUOTES)
    notes.append("CR criteria not met: " + ", ".join(unmet) + ".")
    increase = inp.blast_increase_pct
    if increase is not None and exact(increase) >= 25:
        if inp.end_of_induction:
            notes.append("At the end of induction this is also refractory disease (no CR).")
        return result(
            "progressive_disease", PROGRESSIVE, [REFRACTORY] if inp.end_of_induction else []
        )
    if inp.end_of_induction:
        return result("refractory", REFRACTORY, CR_QUOTES)
    return result("no_cr", CR_MARROW, [CR_CIRCULATING, CR_ANC, CR_PLATELETS])


def _boundary_notes(inp: ResponseInput) -> list[str]:
    notes = []
    if exact(inp.anc_per_mcl) == 1000:
        notes.append(
            "ANC exactly 1000/mcL meets neither 'ANC >1000' (CR) nor 'ANC is <1000' (CRi); it is "
            "taken as incomplete count recovery, so CR is not met."
        )
    if exact(inp.platelets_per_mcl) == 100_000:
        notes.append(
            "Platelets exactly 100,000/mcL meet neither '>100,000' (CR) nor '<100,000' (CRi); "
            "they are taken as incomplete count recovery, so CR is not met."
        )
    if exact(inp.marrow_blasts_pct) == 5:
        notes.append(
            "Marrow blasts exactly 5% meet neither '<5%' (CR) nor '>5%' (relapse); neither is "
            "reported. Repeat the marrow assessment."
        )
    if inp.extramedullary_disease and not inp.prior_cr:
        notes.append(
            "If this extramedullary disease is new, it is progressive disease ('development of "
            "extramedullary disease')."
        )
    return notes


CNS_REMISSION = (
    "CNS remission: Achievement of CNS-1 status (see ALL-C) in a patient with CNS-2 or CNS-3 "
    "status at diagnosis."
)
CNS_RELAPSE = (
    "CNS relapse: New development of CNS-3 status or clinical signs of CNS leukemia such as "
    "facial nerve palsy, brain/eye involvement, or hypothalamic syndrome."
)
CnsClass = Annotated[Literal["CNS-1", "CNS-2", "CNS-3"], Allowed("one of CNS-1, CNS-2, CNS-3")]
CnsResponse = Literal["cns_remission", "cns_relapse", "no_cns_remission", "not_defined"]


class CnsResponseInput(RuleInput):
    """CNS status at diagnosis and now (see the cns_status tool)."""

    cns_status_at_diagnosis: CnsClass = Field(description="CNS status at diagnosis.")
    current_cns_status: CnsClass = Field(description="CNS status now.")
    prior_cns_remission: Flag = Field(False, description="CNS remission was achieved before.")
    new_clinical_signs: Flag = Field(
        False,
        description="New clinical signs of CNS leukemia (facial nerve palsy, brain/eye "
        "involvement, hypothalamic syndrome).",
    )


class CnsResponseOutput(RuleOutput):
    """CNS remission or relapse, or why neither applies."""

    cns_response: CnsResponse


def cns_response(
    cns_status_at_diagnosis: str,
    current_cns_status: str,
    *,
    prior_cns_remission: bool = False,
    new_clinical_signs: bool = False,
) -> CnsResponseOutput:
    """Classify CNS response (CNS remission, CNS relapse), NCCN ALL-E.

    Use when the CNS status at diagnosis and now are known ("CNS-1", "CNS-2" or "CNS-3"; the
    cns_status tool derives them from CSF counts), or new neurologic signs appear.
    """
    inp = parse_input(CnsResponseInput, locals())
    at_diagnosis, now = inp.cns_status_at_diagnosis, inp.current_cns_status
    if inp.prior_cns_remission and at_diagnosis == "CNS-1":
        raise ToolInputError(
            "prior_cns_remission: can be true only if cns_status_at_diagnosis is CNS-2 or CNS-3",
            field="prior_cns_remission",
        )
    notes: list[str] = []
    new_cns_3 = now == "CNS-3" and (at_diagnosis != "CNS-3" or inp.prior_cns_remission)
    category: CnsResponse
    if inp.new_clinical_signs or new_cns_3:
        category, rule = "cns_relapse", CNS_RELAPSE
    elif at_diagnosis == "CNS-1" and now == "CNS-1":
        category, rule = "not_defined", CNS_REMISSION
        notes.append("No CNS disease at diagnosis or now; CNS remission is defined for CNS-2/3.")
    elif now == "CNS-1":
        category, rule = "cns_remission", CNS_REMISSION
    elif at_diagnosis == "CNS-1" and not inp.prior_cns_remission:
        category, rule = "not_defined", CNS_RELAPSE
        notes.append("New CNS-2 status is not CNS relapse as defined, which requires CNS-3.")
    else:
        category, rule = "no_cns_remission", CNS_REMISSION
        notes.append("CNS-1 status is not (or no longer) achieved.")
    return CnsResponseOutput(
        status="ok", cns_response=category, source=SOURCE, notes=notes, **cited(rule)
    )
