"""Response criteria (ALL-E): blood and marrow, CNS and mediastinal, branch by branch."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allguide.errors import ToolInputError
from allguide.rules.mediastinal import MEDIASTINAL, mediastinal_response
from allguide.rules.response import (
    CNS_RELAPSE,
    CNS_REMISSION,
    CR_MARROW,
    CRI,
    PROGRESSIVE,
    REFRACTORY,
    RELAPSE,
    cns_response,
    response,
)

CR_INPUT: dict[str, Any] = {
    "circulating_blasts": False,
    "extramedullary_disease": False,
    "marrow_blasts_pct": 2,
    "trilineage_hematopoiesis": True,
    "anc_per_mcl": 1500,
    "platelets_per_mcl": 150_000,
}
END = {"end_of_induction": True}
AFTER_CR = {"prior_cr": True}


@pytest.mark.parametrize(
    ("changes", "expected", "rule", "note"),
    [
        ({}, "CR", CR_MARROW, "4 weeks"),
        ({"anc_per_mcl": 1000.5}, "CR", CR_MARROW, None),
        ({"anc_per_mcl": 1000}, "CRi", CRI, "ANC exactly 1000"),  # boundary: >1000 vs <1000
        ({"anc_per_mcl": 999}, "CRi", CRI, None),
        ({"platelets_per_mcl": 100_001}, "CR", CR_MARROW, None),
        ({"platelets_per_mcl": 100_000}, "CRi", CRI, "Platelets exactly 100,000"),
        ({"platelets_per_mcl": 20_000, "anc_per_mcl": 400}, "CRi", CRI, None),
        ({"marrow_blasts_pct": 4.99}, "CR", CR_MARROW, None),
        ({"marrow_blasts_pct": 5}, "no_cr", CR_MARROW, "exactly 5%"),  # <5% vs >5%
        ({"marrow_blasts_pct": 5, **END}, "refractory", REFRACTORY, "exactly 5%"),
        ({"marrow_blasts_pct": 5, **AFTER_CR}, "no_cr", CR_MARROW, "exactly 5%"),
        ({"marrow_blasts_pct": 5.01, **AFTER_CR}, "relapse", RELAPSE, None),
        ({"circulating_blasts": True, **AFTER_CR}, "relapse", RELAPSE, None),
        ({"extramedullary_disease": True, **AFTER_CR}, "relapse", RELAPSE, None),
        ({"marrow_blasts_pct": 30, **END}, "refractory", REFRACTORY, None),
        ({"circulating_blasts": True, **END}, "refractory", REFRACTORY, None),
        ({"trilineage_hematopoiesis": False}, "no_cr", CR_MARROW, "trilineage"),
        ({"extramedullary_disease": True}, "no_cr", CR_MARROW, "If this extramedullary"),
        (
            {"marrow_blasts_pct": 40, "blast_increase_pct": 25},
            "progressive_disease",
            PROGRESSIVE,
            None,
        ),
        ({"marrow_blasts_pct": 40, "blast_increase_pct": 24.99}, "no_cr", CR_MARROW, None),
        (
            {"marrow_blasts_pct": 40, "blast_increase_pct": 25, **END},
            "progressive_disease",
            PROGRESSIVE,
            "also refractory",
        ),
        (
            {"marrow_blasts_pct": 40, "blast_increase_pct": -50, **END},
            "refractory",
            REFRACTORY,
            None,
        ),
        ({"blast_increase_pct": 300}, "CR", CR_MARROW, None),  # the CR criteria decide first
    ],
)
def test_blood_and_marrow(
    changes: dict[str, Any], expected: str, rule: str, note: str | None
) -> None:
    out = response(**{**CR_INPUT, **changes})
    assert (out.status, out.response, out.rule, out.source) == ("ok", expected, rule, "ALL-E")
    if note is not None:
        assert any(note in text for text in out.notes), out.notes


def test_progressive_disease_at_end_of_induction_quotes_refractory_too() -> None:
    out = response(**{**CR_INPUT, "marrow_blasts_pct": 40, "blast_increase_pct": 30, **END})
    assert out.quotes == [REFRACTORY]


def test_cr_criteria_are_reported() -> None:
    out = response(**{**CR_INPUT, "anc_per_mcl": 1000, "trilineage_hematopoiesis": False})
    assert out.cr_criteria == {
        "no_circulating_blasts": True,
        "no_extramedullary_disease": True,
        "trilineage_hematopoiesis": False,
        "marrow_blasts_below_5_pct": True,
        "anc_above_1000_per_mcl": False,
        "platelets_above_100000_per_mcl": True,
    }
    assert out.response == "no_cr"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"marrow_blasts_pct": 100.5}, "marrow_blasts_pct"),
        ({"marrow_blasts_pct": -1}, "marrow_blasts_pct"),
        ({"platelets_per_mcl": "120k"}, "platelets_per_mcl"),
        ({"prior_cr": "false"}, "prior_cr"),
        ({"blast_increase_pct": -101}, "blast_increase_pct"),
    ],
)
def test_invalid_response_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError, match=rf"^{field}: ") as err:
        response(**{**CR_INPUT, **changes})
    assert err.value.field == field


cr_inputs = st.fixed_dictionaries(
    {
        "marrow_blasts_pct": st.floats(min_value=0, max_value=4.999),
        "anc_per_mcl": st.floats(min_value=1000.001, max_value=1e5),
        "platelets_per_mcl": st.floats(min_value=100_000.01, max_value=1e6),
        "end_of_induction": st.booleans(),
        "prior_cr": st.booleans(),
        "blast_increase_pct": st.none() | st.floats(min_value=-100, max_value=1000),
    }
)


@given(cr_inputs, st.floats(min_value=0, max_value=1))
def test_a_cr_with_fewer_blasts_stays_cr(inp: dict[str, Any], factor: float) -> None:
    flags = {key: CR_INPUT[key] for key in ("circulating_blasts", "extramedullary_disease")}
    base = {**flags, "trilineage_hematopoiesis": True, **inp}
    assert response(**base).response == "CR"
    fewer = {**base, "marrow_blasts_pct": inp["marrow_blasts_pct"] * factor}
    assert response(**fewer).response == "CR"


@pytest.mark.parametrize(
    ("at_diagnosis", "now", "extra", "expected", "rule"),
    [
        ("CNS-2", "CNS-1", {}, "cns_remission", CNS_REMISSION),
        ("CNS-3", "CNS-1", {}, "cns_remission", CNS_REMISSION),
        ("CNS-3", "CNS-3", {}, "no_cns_remission", CNS_REMISSION),
        ("CNS-3", "CNS-2", {}, "no_cns_remission", CNS_REMISSION),
        ("CNS-2", "CNS-2", {"prior_cns_remission": True}, "no_cns_remission", CNS_REMISSION),
        ("CNS-1", "CNS-3", {}, "cns_relapse", CNS_RELAPSE),
        ("CNS-2", "CNS-3", {}, "cns_relapse", CNS_RELAPSE),
        ("CNS-3", "CNS-3", {"prior_cns_remission": True}, "cns_relapse", CNS_RELAPSE),
        ("CNS-1", "CNS-1", {"new_clinical_signs": True}, "cns_relapse", CNS_RELAPSE),
        ("CNS-1", "CNS-1", {}, "not_defined", CNS_REMISSION),
        ("CNS-1", "CNS-2", {}, "not_defined", CNS_RELAPSE),
    ],
)
def test_cns_response(
    at_diagnosis: str, now: str, extra: dict[str, bool], expected: str, rule: str
) -> None:
    out = cns_response(at_diagnosis, now, **extra)
    assert (out.cns_response, out.rule, out.source) == (expected, rule, "ALL-E")


def test_cns_remission_needs_cns_disease_at_diagnosis() -> None:
    with pytest.raises(ToolInputError, match=r"^prior_cns_remission: "):
        cns_response("CNS-1", "CNS-2", prior_cns_remission=True)
    with pytest.raises(ToolInputError, match=r"^current_cns_status: must be one of CNS-1"):
        cns_response("CNS-1", "cns3")


@pytest.mark.parametrize(
    ("baseline", "current", "expected", "change"),
    [
        (100, 0, "CR", -100),
        (100, 24.99, "CRu", -75.01),
        (100, 25, "PR", -75),  # regressed by exactly 75%: not >75%
        (12.4, 3.1, "PR", -75),  # the same boundary in decimals
        (100, 49.99, "PR", -50.01),
        (100, 50, "NR", -50),  # exactly 50% decrease: not >50%
        (100, 100, "NR", 0),
        (100, 125, "NR", 25),  # exactly 25% increase: not >25%
        (100, 125.01, "PD", 25.01),
    ],
)
def test_mediastinal(baseline: float, current: float, expected: str, change: float) -> None:
    out = mediastinal_response(baseline, current)
    assert (out.mediastinal_response, out.rule) == (expected, MEDIASTINAL[expected])
    assert out.spd_change_pct == pytest.approx(change)


@pytest.mark.parametrize(
    ("current", "at_cr", "expected"),
    [(0, 0, "CR"), (0.5, 0, "relapse"), (15, 20, "CRu"), (20, 20, "CRu"), (21, 20, "relapse")],
)
def test_mediastinal_after_cr_or_cru(current: float, at_cr: float, expected: str) -> None:
    out = mediastinal_response(100, current, prior_cr_or_cru=True, spd_at_cr_or_cru=at_cr)
    assert out.mediastinal_response == expected


def test_mediastinal_relapse_check_asks_for_spd_at_cr() -> None:
    out = mediastinal_response(100, 30, prior_cr_or_cru=True)
    assert (out.status, out.mediastinal_response) == ("needs_input", None)
    assert out.missing == ["spd_at_cr_or_cru"]
    assert out.rule == MEDIASTINAL["relapse"]


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((0, 10), {}, "baseline_spd"),
        ((10, -1), {}, "current_spd"),
        ((10, 5), {"spd_at_cr_or_cru": 1}, "spd_at_cr_or_cru"),
    ],
)
def test_invalid_mediastinal_input(
    args: tuple[float, float], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ToolInputError, match=rf"^{field}: "):
        mediastinal_response(*args, **kwargs)
