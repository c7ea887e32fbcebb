"""Unit conversions into what the rule tools take: cells per mcL, MRD as percent or fraction.

The tools take absolute counts per microliter (mcL = µL = mm³), as the guideline writes them
("WBC ≥5/mcL", "ANC >1000/microL", "Platelets >100,000/microL"). Lab reports often use:

- ×10⁹/L (WBC, ANC, platelets): 1 L = 10⁶ mcL, so multiply by 1000.
  4.2 ×10⁹/L = 4,200/mcL; platelets 120 ×10⁹/L = 120,000/mcL.
- ×10³/mcL (K/µL): same factor, multiply by 1000. ANC 0.8 K/µL = 800/mcL.
- ×10¹²/L (RBC): multiply by 10⁶. RBC 4.5 ×10¹²/L = 4.5 ×10⁶/mcL = 4,500,000/mcL.
- /mm³ is the same as /mcL.
- Shorthand such as "120k" or "120,000" means 120,000/mcL.
- MRD: a fraction times 100 is a percent. 1 × 10⁻⁴ = 0.0001 = 0.01%.

Pure functions, exact in decimal, so a typed boundary (ANC 1.0 ×10⁹/L) lands exactly on it.
"""

from __future__ import annotations

import re
from decimal import Decimal

_SHORTHAND = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*([kK])?\s*$")


def _scaled(value: float, factor: int | str) -> float:
    return float(Decimal(repr(value)) * Decimal(factor))


def per_liter_e9_to_per_mcl(value: float) -> float:
    """×10⁹/L to /mcL (multiply by 1000): 4.2 → 4200."""
    return _scaled(value, 1000)


def per_mcl_e3_to_per_mcl(value: float) -> float:
    """×10³/mcL (K/µL) to /mcL (multiply by 1000): 120 → 120000."""
    return _scaled(value, 1000)


def per_liter_e12_to_per_mcl(value: float) -> float:
    """×10¹²/L (RBC) to /mcL (multiply by 10⁶): 4.5 → 4500000."""
    return _scaled(value, 1_000_000)


def fraction_to_percent(value: float) -> float:
    """A fraction to a percent: 0.0001 (1 × 10⁻⁴) → 0.01."""
    return _scaled(value, 100)


def percent_to_fraction(value: float) -> float:
    """A percent to a fraction: 0.01 → 0.0001."""
    return _scaled(value, "0.01")


def parse_count(text: str) -> float:
    """A count written as "120k", "120 K", "120,000" or "4200" to a number (per mcL).

    Raises `ValueError` for anything else; the caller names the field.
    """
    match = _SHORTHAND.match(text)
    if match is None:
        raise ValueError(f"not a count: {text!r}")
    number, thousands = match.groups()
    value = Decimal(number.replace(",", ""))
    return float(value * 1000 if thousands else value)
