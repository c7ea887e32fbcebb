"""Adding a rule tool is one module and one `register(RuleSpec(...))`; rule quotes are resolved
to chunk ids by the chain that owns the index (not by a process-wide default build)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Literal

import gradio as gr
import pytest
from pydantic import Field

from allguide import cli
from allguide.assistant import Assistant
from allguide.rules.common import Percent, RuleInput, RuleOutput, cited
from allguide.rules.spec import RuleSpec, ToolRequest
from allguide.settings import ChunkingSettings, Settings
from allguide.tools import LABELS, RULES, TOOLS, register, run_tool, unregister
from allguide.ui import build_app
from allguide.ui.forms import form_fields
from conftest import CORPUS

# -- a toy rule: the whole of what a new tool needs ---------------------------------------------

QUOTE = "The diagnosis of ALL generally requires demonstration of 20% or greater bone marrow"


class GateInput(RuleInput):
    blast_pct: Percent = Field(description="Bone marrow lymphoblasts, percent.")


class GateOutput(RuleOutput):
    blast_gate: Literal["meets_threshold", "below_threshold"] | None


def blast_gate(blast_pct: float) -> GateOutput:
    """Whether marrow blasts reach the 20% diagnostic threshold. Use when a blast percentage
    is given."""
    verdict: Literal["meets_threshold", "below_threshold"] = (
        "meets_threshold" if blast_pct >= 20 else "below_threshold"
    )
    return GateOutput(
        status="ok", blast_gate=verdict, source="Discussion", notes=[], **cited(QUOTE)
    )


def _gate_request(text: str) -> ToolRequest | None:
    if "blast gate" not in text.lower():
        return None
    found = re.search(r"(\d+(?:\.\d+)?)\s*%", text)
    return ToolRequest("blast_gate", {"blast_pct": float(found.group(1)) if found else None})


SPEC = RuleSpec(
    "blast_gate",
    blast_gate,
    GateInput,
    GateOutput,
    label="Blast gate",
    verdict="blast_gate",
    sentence=lambda out: f"blast gate {out.get('blast_gate')}",
    parse=_gate_request,
    questions={"blast_pct": "What percentage of the marrow cells are lymphoblasts?"},
)


@pytest.fixture
def gate() -> Iterator[RuleSpec]:
    register(SPEC)
    try:
        yield SPEC
    finally:
        unregister(SPEC.name)


# -- one index with non-default chunking, built once for the module ----------------------------


@pytest.fixture(scope="module")
def small_chunks(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    home = tmp_path_factory.mktemp("small-chunks")
    settings = Settings(home=home, corpus_dir=CORPUS, chunking=ChunkingSettings(max_chars=400))
    assistant = Assistant(settings)
    assistant.ingest()
    return assistant


def test_a_registered_rule_is_a_tool_of_the_cli_and_langchain(
    gate: RuleSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["tool", "blast_gate", "--input", '{"blast_pct": 25}']) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["blast_gate"] == "meets_threshold"
    assert out["rule"] == QUOTE and out["chunk_ids"]
    assert TOOLS["blast_gate"].invoke({"blast_pct": 5})["blast_gate"] == "below_threshold"
    assert LABELS["blast_gate"] == "Blast gate"
    assert list(RULES)[-1] == "blast_gate"


def test_a_registered_rule_gets_a_calculator(gate: RuleSpec, small_chunks: Assistant) -> None:
    (field,) = form_fields(RULES["blast_gate"].input)
    assert (field.name, field.kind, field.required) == ("blast_pct", "number", True)
    app = build_app(small_chunks)
    ids = {getattr(b, "elem_id", None) for b in app.blocks.values()}
    assert {"calc-blast_gate", "run-blast_gate", "result-blast_gate"} <= ids
    assert any(isinstance(b, gr.Tab) and b.label == "Blast gate" for b in app.blocks.values())


def test_the_chain_routes_to_a_registered_rule_and_asks_for_its_input(
    gate: RuleSpec, small_chunks: Assistant
) -> None:
    answer = small_chunks.ask("What does the blast gate say for 25% marrow lymphoblasts?")
    call = next(c for c in answer.tool_calls if c.name == "blast_gate")
    assert call.output["blast_gate"] == "meets_threshold"
    assert "Rule tool blast_gate: blast gate meets_threshold." in answer.answer
    assert set(call.output["chunk_ids"]) <= set(small_chunks.chain.chunks)
    # Unstated, the verdict depends on it (probes 0 and 100): asked, not guessed.
    unsure = small_chunks.ask("What does the blast gate say here?")
    (pending,) = [c for c in unsure.tool_calls if c.name == "blast_gate"]
    assert pending.output["status"] == "needs_input"
    assert "What percentage of the marrow cells are lymphoblasts?" in unsure.answer


def test_a_spec_must_name_real_fields() -> None:
    with pytest.raises(ValueError, match="verdict field"):
        RuleSpec("x", blast_gate, GateInput, GateOutput, "X", "nope", sentence=str)
    with pytest.raises(ValueError, match="not an input field"):
        RuleSpec(
            "x", blast_gate, GateInput, GateOutput, "X", "blast_gate", str, questions={"a": "?"}
        )
    with pytest.raises(ValueError, match="already registered"):
        register(RULES["cns_status"])


# -- rule citations come from the chain's own index --------------------------------------------


def test_rule_citations_are_chunks_of_the_chains_own_index(small_chunks: Assistant) -> None:
    chunks = small_chunks.chain.chunks
    answer = small_chunks.ask(
        "Atraumatic LP, CSF WBC 7/mcL with blasts, no peripheral blasts: what CNS status?"
    )
    call = next(c for c in answer.tool_calls if c.name == "cns_status")
    assert call.output["cns_status"] == "CNS-3"
    ids = call.output["chunk_ids"]
    assert ids and set(ids) <= set(chunks)
    rule = call.output["rule"]
    assert any(rule in chunks[i].text for i in ids)
    assert f"The guideline's rule: “{rule}”" in answer.answer
    assert any(c.quote == rule and c.chunk_id in ids for c in answer.citations)
    # The LLM path's tools resolve in the same index.
    payload = {"csf_wbc_per_mcl": 7, "csf_blasts_present": True}
    assert small_chunks.chain.tools["cns_status"].invoke(payload)["chunk_ids"] == ids
    assert run_tool("cns_status", payload, resolver=small_chunks.chain.resolver)["chunk_ids"] == ids


def test_rules_return_quotes_not_chunk_ids() -> None:
    out = RULES["cns_status"].function(csf_wbc_per_mcl=7, csf_blasts_present=True)
    assert out.rule and out.chunk_ids == []
