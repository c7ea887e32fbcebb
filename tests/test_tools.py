"""The rule tools as LangChain tools and through `run_tool`: schema, errors, verbatim provenance."""

from __future__ import annotations

import inspect
import json
import math
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from allguide.corpus.pipeline import default_build
from allguide.errors import ToolInputError
from allguide.tools import RULES, TOOLS, run_tool

NAMES = [
    "cns_status",
    "response",
    "cns_response",
    "mediastinal_response",
    "mrd_status",
    "tki_by_mutation",
]
TAP = {
    "csf_wbc_per_mcl": 12,
    "csf_blasts_present": True,
    "traumatic_tap": True,
    "peripheral_blasts": True,
}
RATIO = {"csf_rbc_per_mcl": 1000, "blood_wbc_per_mcl": 20_000, "blood_rbc_per_mcl": 4_000_000}
CR = {
    "circulating_blasts": False,
    "extramedullary_disease": False,
    "marrow_blasts_pct": 2,
    "trilineage_hematopoiesis": True,
    "anc_per_mcl": 1500,
    "platelets_per_mcl": 150_000,
}

# One payload per branch of every rule, so every rule text and quote is checked below.
BRANCHES: list[tuple[str, dict[str, Any]]] = [
    ("cns_status", {"csf_wbc_per_mcl": 3, "csf_blasts_present": False}),
    ("cns_status", {"csf_wbc_per_mcl": 3, "csf_blasts_present": True, "cranial_nerve_palsy": True}),
    ("cns_status", {"csf_wbc_per_mcl": 5, "csf_blasts_present": True}),
    ("cns_status", {**TAP, "peripheral_blasts": False}),
    ("cns_status", TAP),
    ("cns_status", {**TAP, **RATIO}),
    ("cns_status", {**TAP, **RATIO, "blood_wbc_per_mcl": 90_000}),
    ("response", CR),
    ("response", {**CR, "anc_per_mcl": 1000}),
    ("response", {**CR, "marrow_blasts_pct": 5, "end_of_induction": True}),
    (
        "response",
        {**CR, "marrow_blasts_pct": 40, "blast_increase_pct": 25, "end_of_induction": True},
    ),
    ("response", {**CR, "marrow_blasts_pct": 6, "prior_cr": True}),
    ("response", {**CR, "trilineage_hematopoiesis": False}),
    ("cns_response", {"cns_status_at_diagnosis": "CNS-3", "current_cns_status": "CNS-1"}),
    ("cns_response", {"cns_status_at_diagnosis": "CNS-2", "current_cns_status": "CNS-3"}),
    ("cns_response", {"cns_status_at_diagnosis": "CNS-3", "current_cns_status": "CNS-3"}),
    ("cns_response", {"cns_status_at_diagnosis": "CNS-1", "current_cns_status": "CNS-2"}),
    ("cns_response", {"cns_status_at_diagnosis": "CNS-1", "current_cns_status": "CNS-1"}),
    *[
        ("mediastinal_response", {"baseline_spd": 100, "current_spd": spd})
        for spd in (0, 20, 40, 80, 130)
    ],
    (
        "mediastinal_response",
        {"baseline_spd": 100, "current_spd": 5, "prior_cr_or_cru": True, "spd_at_cr_or_cru": 0},
    ),
    ("mediastinal_response", {"baseline_spd": 100, "current_spd": 5, "prior_cr_or_cru": True}),
    ("mrd_status", {"mrd_pct": 0.01}),
    ("mrd_status", {"mrd_pct": 0.005}),
    ("mrd_status", {"mrd_pct": 0.005, "assay_sensitivity_pct": 0.01}),
    ("mrd_status", {"mrd_fraction": 5e-5, "assay_sensitivity_fraction": 1e-5}),
    *[
        ("tki_by_mutation", {"mutations": [m]})
        for m in ("Y253H", "V299L", "F317L", "T315I", "M244V")
    ],
    ("tki_by_mutation", {"mutations": ["Y253H", "T315I", "M244V"]}),
]


Corpus = tuple[list[str], dict[str, tuple[str, str]]]


@cache
def corpus() -> Corpus:
    """Cleaned documents, and chunk id → (text, section), from the default build."""
    build = default_build()
    return list(build.documents.values()), {c.chunk_id: (c.text, c.section) for c in build.chunks}


def assert_verbatim(out: dict[str, Any]) -> None:
    """`rule` and `quotes` are in the cleaned corpus and a cited chunk; `source` is its section."""
    documents, chunks = corpus()
    assert out["rule"], out
    for text in (out["rule"], *out["quotes"]):
        assert any(text in doc for doc in documents), f"not in the cleaned corpus: {text!r}"
        holders = [cid for cid in out["chunk_ids"] if text in chunks[cid][0]]
        assert holders, f"no cited chunk holds {text!r}"
    sections = {chunks[cid][1] for cid in out["chunk_ids"] if out["rule"] in chunks[cid][0]}
    assert out["source"] in sections, (out["source"], sections)


@pytest.mark.parametrize(("name", "payload"), BRANCHES)
def test_every_rule_and_quote_is_verbatim_in_a_cited_chunk(
    name: str, payload: dict[str, Any]
) -> None:
    assert_verbatim(run_tool(name, payload))


# The verdict field of each tool.
_RESULT = {
    "cns_status": "cns_status",
    "response": "response",
    "cns_response": "cns_response",
    "mediastinal_response": "mediastinal_response",
    "mrd_status": "mrd_status",
    "tki_by_mutation": "options",
}


def test_branches_cover_every_outcome() -> None:
    seen = {(name, str(run_tool(name, p).get(_RESULT[name]))) for name, p in BRANCHES}
    assert {("cns_status", c) for c in ("CNS-1", "CNS-2", "CNS-3", "None")} <= seen
    assert {
        ("response", r)
        for r in ("CR", "CRi", "refractory", "progressive_disease", "relapse", "no_cr")
    } <= seen
    assert {
        ("mediastinal_response", r) for r in ("CR", "CRu", "PR", "PD", "NR", "relapse", "None")
    } <= seen
    assert {("mrd_status", r) for r in ("positive", "negative", "not_evaluable", "None")} <= seen
    assert {
        ("cns_response", r)
        for r in ("cns_remission", "cns_relapse", "no_cns_remission", "not_defined")
    } <= seen


def test_tools_are_derived_from_the_rule_functions() -> None:
    assert list(TOOLS) == NAMES
    for name, tool in TOOLS.items():
        rule, model = RULES[name]
        assert isinstance(tool, BaseTool)
        assert (tool.name, tool.description) == (rule.__name__, inspect.getdoc(rule))
        assert "Use when" in tool.description
        assert tool.args == model.model_json_schema()["properties"]
        params = convert_to_openai_tool(tool)["function"]["parameters"]
        assert params["additionalProperties"] is False


def test_rule_signatures_match_their_input_models() -> None:
    for rule, model in RULES.values():
        params = inspect.signature(rule).parameters
        assert list(params) == list(model.model_fields)
        for name, field in model.model_fields.items():
            default = params[name].default
            assert (default is inspect.Parameter.empty) == field.is_required()
            assert field.is_required() or default == field.default


def test_signatures_follow_the_design() -> None:
    assert list(inspect.signature(RULES["cns_status"][0]).parameters) == [
        "csf_wbc_per_mcl",
        "csf_blasts_present",
        "traumatic_tap",
        "csf_rbc_per_mcl",
        "blood_wbc_per_mcl",
        "blood_rbc_per_mcl",
        "peripheral_blasts",
        "cranial_nerve_palsy",
    ]
    assert list(inspect.signature(RULES["response"][0]).parameters) == [
        "circulating_blasts",
        "extramedullary_disease",
        "marrow_blasts_pct",
        "trilineage_hematopoiesis",
        "anc_per_mcl",
        "platelets_per_mcl",
        "end_of_induction",
        "prior_cr",
        "blast_increase_pct",
    ]
    assert list(inspect.signature(RULES["tki_by_mutation"][0]).parameters) == ["mutations"]


def test_invoke_returns_the_output_as_a_dict() -> None:
    payload = {"csf_wbc_per_mcl": 7, "csf_blasts_present": True}
    out = TOOLS["cns_status"].invoke(payload)
    assert isinstance(out, dict)
    assert out == run_tool("cns_status", payload)
    assert (out["status"], out["cns_status"], out["source"]) == ("ok", "CNS-3", "ALL-C")


def test_a_model_tool_call_gets_json_content() -> None:
    call = {
        "name": "tki_by_mutation",
        "args": {"mutations": ["T315I"]},
        "id": "c1",
        "type": "tool_call",
    }
    message = TOOLS["tki_by_mutation"].invoke(call)
    assert isinstance(message, ToolMessage)
    assert json.loads(message.content)["options"] == ["ponatinib"]  # type: ignore[arg-type]


def test_invoke_with_bad_input_raises_the_domain_error() -> None:
    with pytest.raises(
        ToolInputError, match=r"^csf_wbc_per_mcl: must be a finite number ≥ 0 \(got -3\)$"
    ):
        TOOLS["cns_status"].invoke({"csf_wbc_per_mcl": -3, "csf_blasts_present": True})


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (
            "cns_status",
            {"csf_wbc_per_mcl": -3, "csf_blasts_present": True},
            "csf_wbc_per_mcl: must be a finite number ≥ 0 (got -3)",
        ),
        (
            "cns_status",
            {"csf_blasts_present": True},
            "csf_wbc_per_mcl: must be a finite number ≥ 0 (missing)",
        ),
        (
            "cns_status",
            {"csf_wbc_per_mcl": 3, "csf_blasts_present": "true"},
            "csf_blasts_present: must be true or false (got 'true')",
        ),
        (
            "response",
            {**CR, "marrow_blasts_pct": 120},
            "marrow_blasts_pct: must be a finite number from 0 to 100 (got 120)",
        ),
        (
            "response",
            {**CR, "anc": 3},
            "anc: unknown field (allowed fields: circulating_blasts, "
            "extramedullary_disease, marrow_blasts_pct, trilineage_hematopoiesis, anc_per_mcl, "
            "platelets_per_mcl, end_of_induction, prior_cr, blast_increase_pct)",
        ),
        (
            "mrd_status",
            {"mrd_pct": True},
            "mrd_pct: must be a finite number from 0 to 100 (percent), or null (got True)",
        ),
    ],
)
def test_invalid_input_messages(name: str, payload: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolInputError) as err:
        run_tool(name, payload)
    assert err.value.message == message


def test_unknown_tool_lists_the_known_ones() -> None:
    with pytest.raises(ToolInputError, match="unknown tool 'cns'") as err:
        run_tool("cns", {})
    assert all(name in err.value.message for name in NAMES)
    assert err.value.field == "name"


@pytest.mark.parametrize("payload", [[], "T315I", None, 3])
def test_payload_must_be_an_object(payload: Any) -> None:
    with pytest.raises(ToolInputError, match=r"^input: must be a JSON object"):
        run_tool("tki_by_mutation", payload)


# Within the plausibility bounds (PLAUSIBLE): the tightest count is CSF WBC ≤ 1e5, the
# tightest positive value blood WBC ≤ 2e6 and SPD ≤ 1e6; a non-zero count is ≥ 1e-3.
count = st.just(0.0) | st.floats(min_value=1e-3, max_value=1e5)
positive = st.floats(min_value=1e-3, max_value=1e6)
flag = st.booleans()
cns_class = st.sampled_from(["CNS-1", "CNS-2", "CNS-3"])
mutation = st.sampled_from(
    [
        "T315I",
        "p.E255K",
        "Thr315Ile",
        "F317L/V/I/C",
        "V299L",
        "Y253H",
        "T315A",
        "F359C",
        "M244V",
        "G250E",
        "ABL1 H396R",
    ]
)
pct = st.just(0.0) | st.floats(min_value=1e-7, max_value=100)
VALID = {
    "cns_status": st.fixed_dictionaries(
        {"csf_wbc_per_mcl": count, "csf_blasts_present": flag},
        optional={
            "traumatic_tap": flag,
            "peripheral_blasts": flag,
            "cranial_nerve_palsy": flag,
            "csf_rbc_per_mcl": positive,
            "blood_wbc_per_mcl": positive,
            "blood_rbc_per_mcl": positive,
        },
    ),
    "response": st.fixed_dictionaries(
        {
            "circulating_blasts": flag,
            "extramedullary_disease": flag,
            "marrow_blasts_pct": pct,
            "trilineage_hematopoiesis": flag,
            "anc_per_mcl": count,
            "platelets_per_mcl": count,
        },
        optional={
            "end_of_induction": flag,
            "prior_cr": flag,
            "blast_increase_pct": st.none() | st.floats(min_value=-100, max_value=1e4),
        },
    ),
    "cns_response": st.fixed_dictionaries(
        {"cns_status_at_diagnosis": cns_class, "current_cns_status": cns_class},
        optional={"new_clinical_signs": flag},
    ),
    "mediastinal_response": st.fixed_dictionaries(
        {"baseline_spd": positive, "current_spd": count},
        optional={"prior_cr_or_cru": st.just(True), "spd_at_cr_or_cru": count},
    ).filter(lambda p: "spd_at_cr_or_cru" not in p or "prior_cr_or_cru" in p),
    "mrd_status": st.one_of(
        st.fixed_dictionaries(
            {"mrd_pct": pct},
            optional={"assay_sensitivity_pct": positive.filter(lambda x: x <= 100)},
        ),
        st.fixed_dictionaries(
            {"mrd_fraction": st.just(0.0) | st.floats(min_value=1e-9, max_value=1)},
            optional={"assay_sensitivity_fraction": st.floats(1e-9, 1)},
        ),
    ),
    "tki_by_mutation": st.fixed_dictionaries(
        {"mutations": st.lists(mutation, min_size=1, max_size=4)}
    ),
}
valid_calls = st.sampled_from(NAMES).flatmap(lambda n: st.tuples(st.just(n), VALID[n]))


@given(valid_calls)
def test_every_valid_input_returns_a_verbatim_rule(call: tuple[str, dict[str, Any]]) -> None:
    name, payload = call
    out = run_tool(name, payload)
    assert out["status"] in {"ok", "needs_input"}
    assert (out["status"] == "needs_input") == bool(out["missing"])
    assert_verbatim(out)


bad_value = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.just(-1e9),
    st.dictionaries(st.text(), st.integers()),
    st.text(min_size=1).filter(lambda t: t not in {"CNS-1", "CNS-2", "CNS-3"}),
)


@given(valid_calls, st.data())
def test_invalid_inputs_always_raise_the_domain_error(
    call: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    name, payload = call
    field = data.draw(st.sampled_from([*RULES[name][1].model_fields, "zz_unknown"]))
    payload = {**payload, field: data.draw(bad_value)}
    with pytest.raises(ToolInputError) as err:
        run_tool(name, payload)
    assert err.value.message.startswith(f"{field}: ")
    assert "\n" not in err.value.message
