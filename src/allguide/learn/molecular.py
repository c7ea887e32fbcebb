"""Seeded MRD and ABL1-mutation cases (see `cases.py`): an MRD level around 1 × 10⁻⁴ with the
assay's sensitivity, written as a percent or a power of ten; one or two ABL1 mutations in
one- or three-letter form, named by the guideline or not.
"""

from __future__ import annotations

from decimal import Decimal
from random import Random

from allguide.learn.wording import Case, patient
from allguide.learn.wording import number as _n
from allguide.rules.abl1 import THREE_LETTER

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
    text = rng.choice(
        (
            f"{patient(rng, 'B-ALL')} in morphologic CR after induction has MRD by {method} of "
            f"{level_text} (assay sensitivity {sens_text}).",
            f"End-of-induction MRD by {method} is {level_text}; the assay sensitivity is "
            f"{sens_text}.",
        )
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
    written = [_three_letter(m) if rng.random() < 0.3 else m for m in mutations]
    shown = " and ".join(written)
    text = (
        f"{patient(rng, 'Ph-positive ALL')} relapses on imatinib-based therapy; ABL1 "
        f"kinase domain mutation testing shows {shown}."
    )
    return text, {"mutations": written}


_THREE = {one: three.title() for three, one in THREE_LETTER.items()}


def _three_letter(mutation: str) -> str:
    """T315I as p.Thr315Ile (how a sequencing report may write it)."""
    return f"p.{_THREE[mutation[0]]}{mutation[1:-1]}{_THREE[mutation[-1]]}"
