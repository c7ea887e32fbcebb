"""Hardening: the rule tools refuse physiologically impossible values, naming field and bound."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.conftest import REPO

from allguide.cli import main
from allguide.errors import ToolInputError
from allguide.rules.common import PLAUSIBLE
from allguide.tools import RULES, TOOLS, run_tool

BASE: dict[str, dict[str, Any]] = {
    "cns_status": {
        "csf_wbc_per_mcl": 7,
        "csf_blasts_present": True,
        "traumatic_tap": True,
        "peripheral_blasts": True,
        "csf_rbc_per_mcl": 1500,
        "blood_wbc_per_mcl": 4200,
        "blood_rbc_per_mcl": 3_500_000,
    },
    "response": {
        "circulating_blasts": False,
        "extramedullary_disease": False,
        "marrow_blasts_pct": 3,
        "trilineage_hematopoiesis": True,
        "anc_per_mcl": 800,
        "platelets_per_mcl": 120_000,
        "blast_increase_pct": 10,
    },
    "mediastinal_response": {
        "baseline_spd": 40,
        "current_spd": 12,
        "prior_cr_or_cru": True,
        "spd_at_cr_or_cru": 10,
    },
    "mrd_status": {"mrd_pct": 0.005, "assay_sensitivity_pct": 0.001},
}
MRD_FRACTIONS = {"mrd_fraction": 5e-5, "assay_sensitivity_fraction": 1e-5}


def _tool_for(field: str) -> tuple[str, dict[str, Any]]:
    """A valid payload of the tool that has `field` (MRD fractions replace the percents)."""
    if field in MRD_FRACTIONS:
        return "mrd_status", dict(MRD_FRACTIONS)
    name = next(name for name, (_, model) in RULES.items() if field in model.model_fields)
    return name, dict(BASE[name])


def test_every_bound_names_a_real_numeric_field() -> None:
    for field in PLAUSIBLE:
        name, payload = _tool_for(field)
        assert field in payload, field
        assert run_tool(name, payload)["status"] in {"ok", "needs_input"}


@pytest.mark.parametrize("field", sorted(PLAUSIBLE))
def test_values_at_the_bounds_are_accepted(field: str) -> None:
    name, payload = _tool_for(field)
    bound = PLAUSIBLE[field]
    for value in (bound.high, bound.low) if bound.low else (bound.high,):
        run_tool(name, {**payload, field: value})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("csf_wbc_per_mcl", 1e308, "csf_wbc_per_mcl: must be ≤ 100,000/mcL (plausibility bound"),
        ("csf_wbc_per_mcl", 100_001, "≤ 100,000/mcL"),
        ("csf_rbc_per_mcl", 5e-324, "csf_rbc_per_mcl: must be ≥ 0.001/mcL when not 0"),
        ("csf_rbc_per_mcl", 1.1e7, "≤ 10,000,000/mcL"),
        ("blood_wbc_per_mcl", 2e6 + 1, "≤ 2,000,000/mcL"),
        ("blood_rbc_per_mcl", 5e-324, "≥ 0.001/mcL when not 0"),
        ("anc_per_mcl", 1e308, "anc_per_mcl: must be ≤ 1,000,000/mcL"),
        ("platelets_per_mcl", 1e308, "platelets_per_mcl: must be ≤ 10,000,000/mcL"),
        ("blast_increase_pct", 1e308, "blast_increase_pct: must be ≤ 1,000,000%"),
        ("baseline_spd", 1e308, "baseline_spd: must be ≤ 1,000,000 (area unit of the SPD)"),
        ("current_spd", 1e-9, "current_spd: must be ≥ 0.001"),
        ("spd_at_cr_or_cru", 2e6, "spd_at_cr_or_cru: must be ≤ 1,000,000"),
        ("mrd_pct", 5e-324, "mrd_pct: must be ≥ 1e-07% when not 0"),
        ("mrd_fraction", 1e-12, "mrd_fraction: must be ≥ 1e-09 (fraction) when not 0"),
        ("assay_sensitivity_pct", 5e-324, "assay_sensitivity_pct: must be ≥ 1e-07%"),
        ("assay_sensitivity_fraction", 1e-300, "assay_sensitivity_fraction: must be ≥ 1e-09"),
    ],
)
def test_implausible_values_name_the_field_and_the_bound(
    field: str, value: float, message: str
) -> None:
    name, payload = _tool_for(field)
    with pytest.raises(ToolInputError) as err:
        run_tool(name, {**payload, field: value})
    assert err.value.field == field
    assert message in err.value.message
    assert err.value.message.startswith(f"{field}: must be ")
    assert err.value.message.endswith(f"(plausibility bound; got {float(value)!r})")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("csf_wbc_per_mcl", -1),
        ("anc_per_mcl", float("nan")),
        ("platelets_per_mcl", float("inf")),
        ("marrow_blasts_pct", 100.5),
        ("mrd_pct", 101),
        ("mrd_fraction", 1.5),
    ],
)
def test_negative_nan_inf_and_percentages_over_100_are_still_refused(
    field: str, value: float
) -> None:
    name, payload = _tool_for(field)
    with pytest.raises(ToolInputError, match=rf"^{field}: must be ") as err:
        run_tool(name, {**payload, field: value})
    assert err.value.field == field


def test_an_integer_too_long_to_print_is_a_tool_error() -> None:
    with pytest.raises(ToolInputError, match=r"^csf_wbc_per_mcl: must be .*too large to show"):
        run_tool("cns_status", {"csf_wbc_per_mcl": 10**5000, "csf_blasts_present": True})


def test_a_huge_value_in_an_error_is_shown_short() -> None:
    with pytest.raises(ToolInputError) as err:
        run_tool("tki_by_mutation", {"mutations": "T315I" * 10_000})
    assert len(err.value.message) < 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ('{"csf_wbc_per_mcl": 1e308, "csf_blasts_present": true}', "csf_wbc_per_mcl"),
        ('{"csf_wbc_per_mcl": 1e999, "csf_blasts_present": true}', "csf_wbc_per_mcl"),
        ('{"csf_wbc_per_mcl": NaN, "csf_blasts_present": true}', "csf_wbc_per_mcl"),
        (
            '{"csf_wbc_per_mcl": 7, "csf_blasts_present": true, "csf_rbc_per_mcl": 5e-324}',
            "csf_rbc_per_mcl",
        ),
    ],
)
def test_cli_tool_refuses_implausible_values_in_one_line(
    capsys: pytest.CaptureFixture[str], payload: str, field: str
) -> None:
    assert main(["tool", "cns_status", "--input", payload]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(f"allguide: error: {field}: must be ")


def test_guideline_thresholds_still_decide_just_inside_the_bounds() -> None:
    out = run_tool("cns_status", {"csf_wbc_per_mcl": 100_000, "csf_blasts_present": True})
    assert out["cns_status"] == "CNS-3"
    cr = {**BASE["response"], "anc_per_mcl": 1e6, "platelets_per_mcl": 1e7}
    assert run_tool("response", cr)["response"] == "CR"


def test_docs_list_every_bound() -> None:
    docs = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    docs = docs.split("**Plausibility bounds.**")[1].split("\n\n## ")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", docs, re.M))
    assert set(rows) == set(PLAUSIBLE)
    for field, bound in PLAUSIBLE.items():
        assert f"{bound.high:,.0f}" in rows[field], field
        assert not bound.low or f"{bound.low:g}" in rows[field], field


def test_tool_schemas_tell_a_model_the_bounds() -> None:
    for name, (_, model) in RULES.items():
        for field, prop in TOOLS[name].args.items():
            if field in PLAUSIBLE:
                assert prop["maximum"] == PLAUSIBLE[field].high, (name, field)
            assert field in model.model_fields
