"""CNS status (ALL-C): one row per branch of the classification and at its boundaries."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allguide.errors import ToolInputError
from allguide.rules.cns import CNS_1, CNS_2, CNS_3, IRRADIATION, TRAUMATIC_TAP, cns_status

RANK = {"CNS-1": 1, "CNS-2": 2, "CNS-3": 3}
BLASTS: dict[str, Any] = {"csf_blasts_present": True}
TAP: dict[str, Any] = {"csf_blasts_present": True, "traumatic_tap": True, "peripheral_blasts": True}
# CSF ratio 10/1000 = 0.01; blood 20,000/4,000,000 = 0.005: exactly two-fold.
TWO_FOLD: dict[str, Any] = {
    "csf_rbc_per_mcl": 1000,
    "blood_wbc_per_mcl": 20_000,
    "blood_rbc_per_mcl": 4_000_000,
}


@pytest.mark.parametrize(
    ("wbc", "extra", "expected", "rule"),
    [
        (0, {"csf_blasts_present": False}, "CNS-1", CNS_1),
        (250, {"csf_blasts_present": False}, "CNS-1", CNS_1),  # regardless of WBC count
        (250, {"csf_blasts_present": False, "traumatic_tap": True}, "CNS-1", CNS_1),
        (0, BLASTS, "CNS-2", CNS_2),
        (4.99, BLASTS, "CNS-2", CNS_2),
        (5, BLASTS, "CNS-3", CNS_3),  # boundary: WBC ≥5/mcL
        (5.01, BLASTS, "CNS-3", CNS_3),
        (40, {**BLASTS, "peripheral_blasts": True}, "CNS-3", CNS_3),  # tap not traumatic
        (4, {**TAP, **TWO_FOLD}, "CNS-2", CNS_2),  # ratio rule needs WBC ≥5
        (10, {**TAP, **TWO_FOLD}, "CNS-3", TRAUMATIC_TAP),  # exactly two-fold
        (10, {**TAP, **TWO_FOLD, "blood_wbc_per_mcl": 20_001}, "CNS-2", TRAUMATIC_TAP),
        (10, {**TAP, **TWO_FOLD, "blood_wbc_per_mcl": 1000}, "CNS-3", TRAUMATIC_TAP),
        (10, {**TAP, **TWO_FOLD, "blood_wbc_per_mcl": 90_000}, "CNS-2", TRAUMATIC_TAP),
        # 5.1/1.7 = 3 = 2 × 1.5/1 exactly, though 5.1/1.7 < 3 in binary floating point.
        (
            5.1,
            {**TAP, "csf_rbc_per_mcl": 1.7, "blood_wbc_per_mcl": 1.5, "blood_rbc_per_mcl": 1},
            "CNS-3",
            TRAUMATIC_TAP,
        ),
    ],
)
def test_classification(wbc: float, extra: dict[str, Any], expected: str, rule: str) -> None:
    out = cns_status(wbc, **extra)
    assert (out.status, out.cns_status, out.rule) == ("ok", expected, rule)
    assert out.source == "ALL-C"
    assert (IRRADIATION in out.quotes) == (expected == "CNS-3")


def test_ratio_rule_reports_both_ratios() -> None:
    out = cns_status(10, **TAP, **TWO_FOLD)
    assert (out.csf_wbc_rbc_ratio, out.blood_wbc_rbc_ratio) == (0.01, 0.005)
    assert any("two-fold" in note for note in out.notes)


def test_traumatic_tap_without_blood_blasts_is_classified_as_it_stands() -> None:
    out = cns_status(10, True, traumatic_tap=True, csf_rbc_per_mcl=5000)
    assert (out.cns_status, out.rule) == ("CNS-3", CNS_3)
    assert TRAUMATIC_TAP in out.quotes
    assert any("ratio rule does not apply" in note for note in out.notes)


@pytest.mark.parametrize(
    "given_counts",
    [{}, {"csf_rbc_per_mcl": 900}, {"csf_rbc_per_mcl": 900, "blood_wbc_per_mcl": 30_000}],
)
def test_missing_ratio_counts_ask_instead_of_guessing(given_counts: dict[str, Any]) -> None:
    out = cns_status(12, **TAP, **given_counts)
    expected_missing = [name for name in TWO_FOLD if name not in given_counts]
    assert (out.status, out.cns_status, out.missing) == ("needs_input", None, expected_missing)
    assert out.rule == TRAUMATIC_TAP
    assert "per mcL" in (out.question or "")


@pytest.mark.parametrize("field", list(TWO_FOLD))
def test_zero_count_in_ratio_is_refused(field: str) -> None:
    with pytest.raises(ToolInputError, match=rf"^{field}: must be > 0") as err:
        cns_status(12, **TAP, **{**TWO_FOLD, field: 0})
    assert err.value.field == field


@pytest.mark.parametrize(("wbc", "blasts", "expected"), [(0, False, "CNS-1"), (3, True, "CNS-2")])
def test_cranial_nerve_palsy_is_a_flag_not_a_class(wbc: float, blasts: bool, expected: str) -> None:
    out = cns_status(wbc, blasts, cranial_nerve_palsy=True)
    assert (out.cns_status, out.cranial_nerve_involvement) == (expected, True)
    assert IRRADIATION in out.quotes
    assert not cns_status(wbc, blasts).cranial_nerve_involvement


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((-3, True), {}, "csf_wbc_per_mcl"),
        ((float("nan"), True), {}, "csf_wbc_per_mcl"),
        ((float("inf"), True), {}, "csf_wbc_per_mcl"),
        (("7", True), {}, "csf_wbc_per_mcl"),
        ((7, "yes"), {}, "csf_blasts_present"),
        ((7, 1), {}, "csf_blasts_present"),
        ((7, True), {"blood_rbc_per_mcl": -1}, "blood_rbc_per_mcl"),
    ],
)
def test_invalid_input_names_the_field(
    args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ToolInputError, match=rf"^{field}: must be ") as err:
        cns_status(*args, **kwargs)
    assert err.value.field == field


# Within the plausibility bounds (PLAUSIBLE): CSF WBC ≤ 1e5, blood WBC ≤ 2e6, non-zero ≥ 1e-3.
counts = st.just(0.0) | st.floats(min_value=1e-3, max_value=5e4)
positive = st.floats(min_value=1e-3, max_value=2e6)
lp = st.fixed_dictionaries(
    {
        "csf_wbc_per_mcl": counts,
        "traumatic_tap": st.booleans(),
        "peripheral_blasts": st.booleans(),
        "cranial_nerve_palsy": st.booleans(),
        "csf_rbc_per_mcl": positive,
        "blood_wbc_per_mcl": positive,
        "blood_rbc_per_mcl": positive,
    }
)


@given(lp)
def test_adding_csf_blasts_never_lowers_the_class(inp: dict[str, Any]) -> None:
    without = cns_status(csf_blasts_present=False, **inp).cns_status
    with_blasts = cns_status(csf_blasts_present=True, **inp).cns_status
    assert RANK[str(with_blasts)] >= RANK[str(without)]


@given(lp, st.booleans(), counts)
def test_more_csf_white_cells_never_lower_the_class(
    inp: dict[str, Any], blasts: bool, extra: float
) -> None:
    before = cns_status(csf_blasts_present=blasts, **inp).cns_status
    inp["csf_wbc_per_mcl"] += extra
    after = cns_status(csf_blasts_present=blasts, **inp).cns_status
    assert RANK[str(after)] >= RANK[str(before)]
