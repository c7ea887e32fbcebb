"""Seeded clinical cases for each rule tool: the tool input and a short vignette stating it.

Values are drawn around the guideline's own boundaries (CSF WBC 5/mcL, the two-fold WBC/RBC
ratio, marrow blasts 5%, ANC 1000/mcL, platelets 100,000/mcL, a 25% blast increase, SPD
regression 75%/50% and growth 25%, MRD 1 × 10⁻⁴) and written in the units a lab reports
(/mcL, ×10⁹/L, ×10¹²/L, %, 10⁻ⁿ); the tool input holds the same values converted exactly by
`allguide.rules.units`. The verdict is never decided here: the rule tool computes it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from random import Random
from typing import Any

from allguide.rules import units

Case = tuple[str, dict[str, Any]]  # vignette text, tool input


def _n(value: float) -> str:
    """A number as a lab writes it: 4, 4.5, 5,000."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _patient(rng: Random, what: str) -> str:
    age = rng.choice((19, 23, 27, 34, 41, 46, 52, 58, 63, 67))
    who = rng.choice(("man", "woman"))
    return f"A {age}-year-old {who} with {what}"


def cns_case(rng: Random) -> Case:
    """A diagnostic lumbar puncture; a third are traumatic taps with leukemic cells in blood."""
    blasts = rng.random() < 0.8
    if rng.random() < 0.35 and blasts:
        return _traumatic_case(rng)
    wbc = float(rng.choice((0, 1, 2, 3, 4, 5, 5, 6, 7, 9, 12, 25, 60)))
    finding = "lymphoblasts seen on cytospin" if blasts else "no lymphoblasts on cytospin"
    text = (
        f"{_patient(rng, 'newly diagnosed B-ALL')} has a diagnostic lumbar puncture (not "
        f"traumatic): CSF WBC {_n(wbc)}/mcL with {finding}."
    )
    return text, {"csf_wbc_per_mcl": wbc, "csf_blasts_present": blasts}


def _traumatic_case(rng: Random) -> Case:
    blood_wbc = rng.choice((10, 20, 25, 40, 50, 80))  # ×10⁹/L
    blood_rbc = rng.choice((3.0, 3.5, 4.0, 4.5))  # ×10¹²/L
    csf_wbc = rng.choice((5, 10, 20, 40, 50, 100))
    fold = rng.choice(
        (
            Fraction(1),
            Fraction(3, 2),
            Fraction(19, 10),
            Fraction(2),
            Fraction(2),
            Fraction(21, 10),
            Fraction(3),
        )
    )
    blood_ratio = Fraction(blood_wbc * 1000) / Fraction(str(blood_rbc)) / 1_000_000
    csf_rbc = max(1, round(Fraction(csf_wbc) / (fold * blood_ratio)))
    text = (
        f"{_patient(rng, 'newly diagnosed B-ALL')} and circulating blasts has a traumatic "
        f"lumbar puncture: CSF WBC {_n(csf_wbc)}/mcL with lymphoblasts on cytospin, CSF RBC "
        f"{_n(csf_rbc)}/mcL. Blood WBC {_n(blood_wbc)} ×10⁹/L, blood RBC {blood_rbc:.1f} ×10¹²/L."
    )
    return text, {
        "csf_wbc_per_mcl": float(csf_wbc),
        "csf_blasts_present": True,
        "traumatic_tap": True,
        "peripheral_blasts": True,
        "csf_rbc_per_mcl": float(csf_rbc),
        "blood_wbc_per_mcl": units.per_liter_e9_to_per_mcl(blood_wbc),
        "blood_rbc_per_mcl": units.per_liter_e12_to_per_mcl(blood_rbc),
    }


def _count(rng: Random, name: str, e9: float) -> str:
    """A count given in ×10⁹/L as a lab writes it, either way: "ANC 1.1 ×10⁹/L" or "1,100/mcL"."""
    if rng.random() < 0.5:
        return f"{name} {_n(e9)} ×10⁹/L"
    return f"{name} {_n(units.per_liter_e9_to_per_mcl(e9))}/mcL"


def response_case(rng: Random) -> Case:
    """A marrow and blood count after induction, or in follow-up after a CR."""
    setting = rng.choice(("end", "end", "follow", "during"))
    high = setting == "follow" and rng.random() < 0.6
    low = (0, 1, 2, 3, 4, 4.5, 4.9)
    over = (5.1, 6, 8, 12, 25, 40)
    blasts = float(rng.choice(over if high else rng.choice((low, low, (5,), over))))
    anc = rng.choice((0.4, 0.7, 0.9, 1.0, 1.1, 1.3, 1.8, 2.5))
    platelets = rng.choice((35, 60, 90, 99, 100, 101, 110, 150, 220))
    tlh = rng.random() < (0.9 if blasts < 5 else 0.3)
    circulating = rng.random() < (0.3 if setting == "follow" else 0.1)
    emd = rng.random() < 0.1
    increase = (
        rng.choice((10, 24, 25, 26, 40)) if setting != "follow" and rng.random() < 0.3 else None
    )
    intro = {
        "end": "has a bone marrow assessment at the end of induction",
        "during": "has an interim bone marrow assessment on day 14 of therapy",
        "follow": "previously in CR has a follow-up bone marrow assessment",
    }[setting]
    findings = [
        f"marrow shows {_n(blasts)}% blasts",
        "trilineage hematopoiesis" if tlh else "no trilineage hematopoiesis",
        "circulating blasts" if circulating else "no circulating blasts",
        "extramedullary disease" if emd else "no extramedullary disease",
        _count(rng, "ANC", anc),
        _count(rng, "platelets", platelets),
    ]
    if increase is not None:
        findings.append(f"a {increase}% increase in absolute marrow blasts since the last count")
    text = f"{_patient(rng, 'Ph-negative B-ALL')} {intro}: {'; '.join(findings)}."
    payload: dict[str, Any] = {
        "circulating_blasts": circulating,
        "extramedullary_disease": emd,
        "marrow_blasts_pct": blasts,
        "trilineage_hematopoiesis": tlh,
        "anc_per_mcl": units.per_liter_e9_to_per_mcl(anc),
        "platelets_per_mcl": units.per_liter_e9_to_per_mcl(platelets),
        "end_of_induction": setting == "end",
        "prior_cr": setting == "follow",
    }
    if increase is not None:
        payload["blast_increase_pct"] = float(increase)
    return text, payload


def cns_response_case(rng: Random) -> Case:
    """CNS status at diagnosis and at a later lumbar puncture."""
    at_diagnosis = rng.choice(("CNS-1", "CNS-2", "CNS-3"))
    now = rng.choice(("CNS-1", "CNS-2", "CNS-3"))
    prior = at_diagnosis != "CNS-1" and now != "CNS-1" and rng.random() < 0.4
    signs = rng.random() < 0.12
    history = " CNS remission was achieved after induction." if prior else ""
    palsy = " The patient now has a new facial nerve palsy." if signs else ""
    text = (
        f"{_patient(rng, 'B-ALL')} had {at_diagnosis} status at diagnosis.{history} "
        f"A lumbar puncture now shows {now} status.{palsy}"
    )
    payload: dict[str, Any] = {
        "cns_status_at_diagnosis": at_diagnosis,
        "current_cns_status": now,
        "prior_cns_remission": prior,
        "new_clinical_signs": signs,
    }
    return text, payload


def mediastinal_case(rng: Random) -> Case:
    """A mediastinal mass by CT SPD before treatment and now (or after a CR/CRu)."""
    base = Decimal(rng.choice((16, 20, 24, 32, 40, 48, 60, 80)))
    if rng.random() < 0.2:
        at_cr = Decimal(rng.choice((0, 0, 4, 6)))
        now = at_cr + Decimal(rng.choice((0, 0, 2, 5, 12)))
        text = (
            f"{_patient(rng, 'T-ALL and a mediastinal mass')} had a baseline SPD of "
            f"{_n(float(base))} cm²; after achieving CR or CRu the SPD was {_n(float(at_cr))} "
            f"cm², and the current CT shows an SPD of {_n(float(now))} cm²."
        )
        return text, {
            "baseline_spd": float(base),
            "current_spd": float(now),
            "prior_cr_or_cru": True,
            "spd_at_cr_or_cru": float(at_cr),
        }
    factor = rng.choice(
        (
            "0",
            "0.1",
            "0.2",
            "0.25",
            "0.3",
            "0.45",
            "0.5",
            "0.55",
            "0.8",
            "1",
            "1.2",
            "1.25",
            "1.3",
            "1.6",
        )
    )
    now = base * Decimal(factor)
    text = (
        f"{_patient(rng, 'T-ALL and a mediastinal mass')} had a mediastinal SPD of "
        f"{_n(float(base))} cm² by CT at diagnosis; after induction the SPD is "
        f"{_n(float(now))} cm²."
    )
    return text, {"baseline_spd": float(base), "current_spd": float(now)}


_LEVELS = (("1", -3), ("5", -4), ("1.2", -4), ("1", -4), ("9", -5), ("5", -5), ("1", -5), ("3", -6))
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _level(rng: Random, mantissa: str, exponent: int, field: str) -> tuple[str, dict[str, float]]:
    """A level written as a percent ("0.009%") or a power of ten ("9 × 10⁻⁵"), and the tool
    input in the same form (`<field>_pct` or `<field>_fraction`)."""
    value = Decimal(mantissa).scaleb(exponent)
    if rng.random() < 0.5:
        pct = value * 100
        return f"{_n(float(pct))}%", {f"{field}_pct": float(pct)}
    power = f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return power, {f"{field}_fraction": float(value)}


def mrd_case(rng: Random) -> Case:
    """An MRD level around 1 × 10⁻⁴ and the assay's sensitivity."""
    level_text, level = _level(rng, *rng.choice(_LEVELS), "mrd")
    sens_text, sens = _level(rng, "1", rng.choice((-3, -4, -5, -5, -6)), "assay_sensitivity")
    method = rng.choice(("multicolor flow cytometry", "RQ-PCR"))
    text = (
        f"{_patient(rng, 'B-ALL')} in morphologic CR after induction has MRD by {method} of "
        f"{level_text} (assay sensitivity {sens_text})."
    )
    return text, {**level, **sens}


NAMED = (
    "Y253H",
    "E255K",
    "E255V",
    "V299L",
    "T315A",
    "T315I",
    "F317L",
    "F317V",
    "F317I",
    "F317C",
    "F359V",
    "F359C",
    "F359I",
)
OTHER = ("M244V", "G250E", "Q252H", "M351T", "H396R", "E459K")


def tki_case(rng: Random) -> Case:
    """Relapsed Ph-positive ALL with one or two ABL1 kinase-domain mutations."""
    count = 1 if rng.random() < 0.7 else 2
    mutations = rng.sample(NAMED if rng.random() < 0.8 else NAMED + OTHER, count)
    shown = " and ".join(mutations)
    text = (
        f"{_patient(rng, 'Ph-positive ALL')} relapses on imatinib-based therapy; ABL1 "
        f"kinase domain mutation testing shows {shown}."
    )
    return text, {"mutations": mutations}


CASES: dict[str, Callable[[Random], Case]] = {
    "cns_status": cns_case,
    "response": response_case,
    "cns_response": cns_response_case,
    "mediastinal_response": mediastinal_case,
    "mrd_status": mrd_case,
    "tki_by_mutation": tki_case,
}
"""Tool name → its case drawer (every registered rule tool has one; tests check it)."""
