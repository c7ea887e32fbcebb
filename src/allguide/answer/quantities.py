"""Numbers with units in free text (pure): counts per mcL, percentages, powers of ten.

"40×10⁹/L" is 40,000/mcL, "3.5×10¹²/L" 3,500,000/mcL, "2,000/µL" 2,000, "120k" 120,000,
"2 × 10⁻³" 0.002; the conversions are those of `allguide.rules.units`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allguide.rules import units

NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
_PER_MCL = (
    r"(?:/\s*|\s*per\s*|\s*cells?\s*/\s*|\s*(?:WBCs?|RBCs?)\s*/\s*)"
    r"(?:mcL|µL|μL|uL|mm3|mm³|microL|cu\s?mm)"
)
_E9 = r"\s*(?:[×xX*]\s*10\s*(?:\^\s*9|⁹|9)\s*/\s*L|G/L)"
_E12 = r"\s*(?:[×xX*]\s*10\s*(?:\^\s*12|¹²|12)\s*/\s*L|T/L)"
_MILLION = r"\s*(?:million|[×xX*]\s*10\s*(?:\^\s*6|⁶|6))\s*(?:/\s*(?:mcL|µL|μL|uL|mm3|mm³)|cells)?"
QUANTITY = re.compile(
    rf"{NUM}\s*(k|K)?(?P<unit>{_E12}|{_E9}|{_MILLION}|{_PER_MCL})?",
)


@dataclass(frozen=True)
class Measure:
    label: str  # wbc | rbc | cells
    value: float  # per mcL
    site: str  # csf | blood
    start: int


def to_number(number: str, thousands: str | None, unit: str | None) -> float:
    value = units.parse_count(number + (thousands or ""))
    unit = (unit or "").strip()
    if re.match(_E12, unit):
        return units.per_liter_e12_to_per_mcl(value)
    if re.match(_E9, unit):
        return units.per_liter_e9_to_per_mcl(value)
    if re.match(_MILLION, unit):
        return value * 1_000_000
    return value


SITE = re.compile(
    r"(?P<csf>\bCSF\b|cerebrospinal|\bLP\b|lumbar puncture|spinal tap|\btap\b|cytospin)|"
    r"(?P<blood>\bblood\b|\bperipheral\b|\bCBC\b|\bserum\b)",
    re.I,
)
LABEL = re.compile(
    r"\b(?P<label>WBCs?|white(?: blood)? cells?|RBCs?|red(?: blood)? cells?|cells)\b", re.I
)


# A clause ends at ';', at a full stop that is not a decimal point, or at a comma that is not
# a thousands separator ("2,000").
_CLAUSE = re.compile(r"(?:[^;,.]|\.(?=\d)|,(?=\d{3}(?!\d)))+")


def find_measures(text: str) -> list[Measure]:
    """WBC/RBC counts with the site (CSF or blood) their clause is about."""
    out: list[Measure] = []
    site = "csf"
    for clause in _CLAUSE.finditer(text):
        part = clause.group()
        for m in SITE.finditer(part):
            site = "csf" if m.group("csf") else "blood"
            break
        for q in QUANTITY.finditer(part):
            label = _label_of(q.group("unit") or "") or _nearest_label(part, q.start(), q.end())
            if label is None:
                continue
            value = to_number(q.group(1), q.group(2), q.group("unit"))
            out.append(Measure(label, value, site, clause.start() + q.start()))
    return out


def _label_of(text: str) -> str | None:
    """'WBC', 'RBC' or 'cells' when the unit itself names what was counted ('30 WBC/mm³')."""
    found = LABEL.search(text)
    return _kind(found.group("label")) if found else None


def _kind(label: str) -> str:
    low = label.lower()
    if low.startswith(("rbc", "red")):
        return "rbc"
    return "wbc" if low.startswith(("wbc", "white")) else "cells"


def _nearest_label(part: str, start: int, end: int) -> str | None:
    before = list(LABEL.finditer(part[max(0, start - 25) : start]))
    after = LABEL.match(part[end : end + 20].lstrip(" /"))
    found = after.group("label") if after else (before[-1].group("label") if before else None)
    return None if found is None else _kind(found)


AREA = re.compile(rf"{NUM}\s*(?:cm2|cm²|cm\^2|mm2|mm²)", re.I)


EXPONENT = r"(?:(\d+(?:\.\d+)?)\s*[×xX*]\s*)?10\s*(?:\^\s*)?([-−⁻]\s*[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)"


def percent(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.I)
    return float(m.group(1)) if m else None


def count(label: str, text: str) -> float | None:
    m = re.search(rf"{label}\s*(?:of|was|is|only|at|now|:)?\s*(?:only\s*)?", text, re.I)
    if not m:
        return None
    q = QUANTITY.match(text, m.end())
    return to_number(q.group(1), q.group(2), q.group("unit")) if q else None


def power(mantissa: str | None, exponent: str) -> float:
    power = int(exponent.translate(_SUP).replace(" ", ""))
    return float(mantissa or 1) * 10.0**power
