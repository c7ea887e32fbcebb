"""Seeded clinical cases for each rule tool: the tool input and a short vignette stating it.

Values are drawn around the guideline's own boundaries (CSF WBC 5/mcL, the two-fold WBC/RBC
ratio, marrow blasts 5%, ANC 1000/mcL, platelets 100,000/mcL, a 25% blast increase, SPD
regression 75%/50% and growth 25%, MRD 1 × 10⁻⁴) and written in the units a lab reports
(/mcL, ×10⁹/L, ×10¹²/L, %, 10⁻ⁿ); the tool input holds the same values converted exactly by
`allguide.rules.units`. The verdict is never decided here: the rule tool computes it.
"""

from __future__ import annotations

from collections.abc import Callable
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
        f"{_n(csf_rbc)}/mcL. Blood WBC {_n(blood_wbc)} ×10⁹/L, blood RBC {_n(blood_rbc)} ×10¹²/L."
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


CASES: dict[str, Callable[[Random], Case]] = {"cns_status": cns_case}
"""Tool name → its case drawer (every registered rule tool has one; tests check it)."""
