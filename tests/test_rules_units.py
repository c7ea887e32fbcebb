"""Unit conversions the free-text parser uses before calling a rule tool."""

from __future__ import annotations

import pytest

from allguide.rules.units import (
    fraction_to_percent,
    parse_count,
    per_liter_e9_to_per_mcl,
    per_liter_e12_to_per_mcl,
    per_mcl_e3_to_per_mcl,
    percent_to_fraction,
)


@pytest.mark.parametrize(
    ("convert", "value", "expected"),
    [
        (per_liter_e9_to_per_mcl, 4.2, 4200),
        (per_liter_e9_to_per_mcl, 1.0, 1000),  # ANC 1.0 ×10⁹/L lands exactly on the boundary
        (per_liter_e9_to_per_mcl, 1.1, 1100),  # 1.1 * 1000 is 1100.0000000000002 in binary
        (per_liter_e9_to_per_mcl, 120, 120_000),
        (per_mcl_e3_to_per_mcl, 0.8, 800),
        (per_liter_e12_to_per_mcl, 4.5, 4_500_000),
        (fraction_to_percent, 1e-4, 0.01),
        (percent_to_fraction, 0.01, 1e-4),
    ],
)
def test_conversions_are_exact(convert: object, value: float, expected: float) -> None:
    assert convert(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("120k", 120_000), ("120 K", 120_000), ("1.5k", 1500), ("120,000", 120_000), ("4200", 4200)],
)
def test_parse_count(text: str, expected: float) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["", "k", "12,00", "-5", "1e5", "120 thousand"])
def test_parse_count_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a count"):
        parse_count(text)
