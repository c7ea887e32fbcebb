"""MRD status (ALL-F): the 1 × 10⁻⁴ (0.01%) threshold and the assay sensitivity requirement."""

from __future__ import annotations

from typing import Any

import pytest

from allguide.errors import ToolInputError
from allguide.rules.mrd import DEFINITIONS, SENSITIVITY, mrd_status

SENSITIVE = {"assay_sensitivity_pct": 0.001}


@pytest.mark.parametrize(
    ("inp", "expected", "note"),
    [
        ({"mrd_pct": 0.01}, "positive", "Exactly 0.01%"),  # boundary: not below 1 × 10⁻⁴
        ({"mrd_fraction": 1e-4}, "positive", "Exactly 0.01%"),
        ({"mrd_pct": 0.01, **SENSITIVE}, "positive", "Exactly 0.01%"),
        ({"mrd_pct": 2.5}, "positive", "not sub-classified"),
        ({"mrd_pct": 0.0099, **SENSITIVE}, "negative", "detected below 0.01%"),
        ({"mrd_fraction": 0, "assay_sensitivity_fraction": 1e-5}, "negative", None),
        ({"mrd_pct": 0.005, "assay_sensitivity_pct": 0.01}, "not_evaluable", "cannot declare"),
        ({"mrd_pct": 0, "assay_sensitivity_pct": 0.05}, "not_evaluable", "cannot declare"),
        ({"mrd_pct": 0.01, "mrd_fraction": 0.0001}, "positive", None),  # both forms, agreeing
    ],
)
def test_mrd(inp: dict[str, float], expected: str, note: str | None) -> None:
    out = mrd_status(**inp)
    assert (out.status, out.mrd_status, out.rule, out.source) == (
        "ok",
        expected,
        SENSITIVITY,
        "ALL-F",
    )
    if note is not None:
        assert any(note in text for text in out.notes), out.notes


def test_level_is_reported_in_both_forms() -> None:
    out = mrd_status(mrd_fraction=5e-5, assay_sensitivity_fraction=1e-5)
    assert (out.mrd_pct, out.mrd_fraction) == (0.005, 5e-5)


def test_positivity_is_not_sub_classified() -> None:
    out = mrd_status(mrd_pct=0.5)
    assert DEFINITIONS in out.quotes
    assert "quantifiable" in " ".join(out.notes)


def test_below_threshold_without_assay_sensitivity_asks_for_it() -> None:
    out = mrd_status(mrd_pct=0.005)
    assert (out.status, out.mrd_status, out.missing) == (
        "needs_input",
        None,
        ["assay_sensitivity_pct"],
    )
    assert "sensitivity" in (out.question or "")


@pytest.mark.parametrize(
    ("inp", "field"),
    [
        ({}, "mrd_pct"),
        ({"mrd_pct": 0.01, "mrd_fraction": 0.01}, "mrd_fraction"),
        (
            {"mrd_pct": 0.5, "assay_sensitivity_pct": 0.001, "assay_sensitivity_fraction": 1e-4},
            "assay_sensitivity_fraction",
        ),
        ({"mrd_pct": 101}, "mrd_pct"),
        ({"mrd_fraction": 1.5}, "mrd_fraction"),
        ({"mrd_pct": "0.01%"}, "mrd_pct"),
        ({"mrd_pct": 0.001, "assay_sensitivity_pct": 0}, "assay_sensitivity_pct"),
    ],
)
def test_invalid_mrd_input_names_the_field(inp: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError, match=rf"^{field}: ") as err:
        mrd_status(**inp)
    assert err.value.field == field
