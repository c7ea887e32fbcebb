"""How a vignette writes numbers and patients (shared by the case drawers)."""

from __future__ import annotations

from random import Random
from typing import Any

Case = tuple[str, dict[str, Any]]  # vignette text, tool input


def number(value: float) -> str:
    """A number as a lab writes it: 4, 4.5, 5,000."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def patient(rng: Random, what: str) -> str:
    age = rng.choice((19, 23, 27, 34, 41, 46, 52, 58, 63, 67))
    who = rng.choice(("man", "woman"))
    return f"A {age}-year-old {who} with {what}"
