"""The rule-tool registry, the rules as LangChain tools, and `run_tool` for the CLI and the UI.

`RULES` maps each tool's name to its `RuleSpec` (`rules/spec.py`); everything else that knows
about rule tools (the prompt's tool list, the router, the chain's questions and probes, the
verdict sentences, the UI labels and calculator forms) reads it. Adding a tool is one rule
module and one `register(RuleSpec(...))` (docs/extending.md).

The JSON schema comes from the pydantic input model and is handed to LangChain as JSON, so
that validation happens once, in the rule layer: every invalid input raises `ToolInputError`
with a one-line message naming the field and its allowed range.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from allguide.answer import route
from allguide.errors import ToolInputError
from allguide.rules import words
from allguide.rules.cns import CnsStatusInput, CnsStatusOutput, cns_status
from allguide.rules.common import RuleOutput, parse_input
from allguide.rules.mediastinal import (
    MediastinalResponseInput,
    MediastinalResponseOutput,
    mediastinal_response,
)
from allguide.rules.mrd import MrdInput, MrdOutput, mrd_status
from allguide.rules.provenance import QuoteResolver, default_resolver
from allguide.rules.response import (
    CnsResponseInput,
    CnsResponseOutput,
    ResponseInput,
    ResponseOutput,
    cns_response,
    response,
)
from allguide.rules.spec import RuleSpec
from allguide.rules.tki import TkiInput, TkiOutput, tki_by_mutation

RULES: dict[str, RuleSpec] = {}
"""Every rule tool by name, in registration order (docs/design.md lists them in this order)."""
TOOLS: dict[str, BaseTool] = {}
"""The rule tools as LangChain tools, citing chunks of the default build (`make_tools`)."""


def register(spec: RuleSpec) -> RuleSpec:
    """Add a rule tool (its name must be new); returns `spec`."""
    if spec.name in RULES:
        raise ValueError(f"rule tool {spec.name!r} is already registered")
    RULES[spec.name] = spec
    TOOLS[spec.name] = _as_tool(spec, None)
    return spec


def unregister(name: str) -> None:
    """Remove a rule tool (tests register and remove extra ones)."""
    RULES.pop(name, None)
    TOOLS.pop(name, None)


def run_rule(name: str, payload: Mapping[str, Any]) -> RuleOutput:
    """Run rule tool `name` on a JSON-like `payload`: the typed output, chunks not resolved."""
    if name not in RULES:
        known = ", ".join(RULES)
        raise ToolInputError(f"unknown tool {name!r} (known tools: {known})", field="name")
    if not isinstance(payload, Mapping):
        raise ToolInputError(
            f"input: must be a JSON object of named fields (got {type(payload).__name__})",
            field=None,
        )
    spec = RULES[name]
    inp = parse_input(spec.input, payload)
    return spec.function(**{field: getattr(inp, field) for field in inp.model_fields_set})


def resolved(output: RuleOutput, resolver: QuoteResolver | None = None) -> dict[str, Any]:
    """`output` as a JSON-ready dict, `chunk_ids` resolved in `resolver`'s index (default:
    the default build)."""
    resolver = resolver or default_resolver()
    ids = resolver.chunk_ids(output.rule, output.quotes)
    return output.model_copy(update={"chunk_ids": ids}).model_dump(mode="json")


def run_tool(
    name: str, payload: dict[str, Any], *, resolver: QuoteResolver | None = None
) -> dict[str, Any]:
    """Run rule tool `name` on a JSON-like `payload`; the output as a JSON-ready dict whose
    `chunk_ids` are resolved by `resolver` (default: over the default build)."""
    return resolved(run_rule(name, payload), resolver)


def make_tools(resolver: QuoteResolver | None) -> dict[str, BaseTool]:
    """The registered rule tools as LangChain tools citing chunks of `resolver`'s index."""
    return {name: _as_tool(spec, resolver) for name, spec in RULES.items()}


def _as_tool(spec: RuleSpec, resolver: QuoteResolver | None) -> BaseTool:
    def run(**payload: Any) -> dict[str, Any]:
        return run_tool(spec.name, payload, resolver=resolver)

    return StructuredTool.from_function(
        func=run,
        name=spec.name,
        description=spec.tool_description,
        args_schema=spec.input.model_json_schema(),
        infer_schema=False,
    )


class _Labels(Mapping[str, str]):
    """Tool name → UI label, read live from `RULES`."""

    def __getitem__(self, name: str) -> str:
        return RULES[name].label

    def __iter__(self) -> Iterator[str]:
        return iter(RULES)

    def __len__(self) -> int:
        return len(RULES)


LABELS: Mapping[str, str] = _Labels()

register(
    RuleSpec(
        "cns_status",
        cns_status,
        CnsStatusInput,
        CnsStatusOutput,
        label="CNS status",
        verdict="cns_status",
        sentence=words.cns_status,
        parse=route.cns_request,  # also yields cns_response requests (a status at diagnosis)
        questions={
            "csf_blasts_present": "Were lymphoblasts seen in the CSF (cytospin)?",
            "traumatic_tap": "Was the lumbar puncture traumatic? If so, I need the CSF RBC and "
            "the blood WBC and RBC counts.",
            "peripheral_blasts": "Were leukemic blasts present in the peripheral blood?",
            "cranial_nerve_palsy": "Is there cranial nerve involvement?",
        },
        # Flags docs/design.md gives a default (False); not worth mentioning when unstated.
        defaulted=frozenset({"cranial_nerve_palsy", "traumatic_tap", "peripheral_blasts"}),
    )
)
register(
    RuleSpec(
        "response",
        response,
        ResponseInput,
        ResponseOutput,
        label="Blood and marrow response",
        verdict="response",
        sentence=words.response,
        parse=route.response_request,
        questions={
            "circulating_blasts": "Are there circulating blasts in the blood?",
            "extramedullary_disease": "Is there extramedullary disease?",
            "trilineage_hematopoiesis": "Does the marrow show trilineage hematopoiesis?",
            "marrow_blasts_pct": "What percentage of the marrow cells are blasts?",
            "anc_per_mcl": "What is the absolute neutrophil count (ANC)?",
            "platelets_per_mcl": "What is the platelet count?",
        },
    )
)
register(
    RuleSpec(
        "cns_response",
        cns_response,
        CnsResponseInput,
        CnsResponseOutput,
        label="CNS response",
        verdict="cns_response",
        sentence=words.cns_response,
        questions={
            "current_cns_status": "What is the current CNS status (or the CSF WBC and whether "
            "blasts are present)?"
        },
    )
)
register(
    RuleSpec(
        "mediastinal_response",
        mediastinal_response,
        MediastinalResponseInput,
        MediastinalResponseOutput,
        label="Mediastinal response",
        verdict="mediastinal_response",
        sentence=words.mediastinal_response,
        parse=route.mediastinal_request,
    )
)
register(
    RuleSpec(
        "mrd_status",
        mrd_status,
        MrdInput,
        MrdOutput,
        label="MRD status",
        verdict="mrd_status",
        sentence=words.mrd_status,
        parse=route.mrd_request,
    )
)
register(
    RuleSpec(
        "tki_by_mutation",
        tki_by_mutation,
        TkiInput,
        TkiOutput,
        label="TKI by mutation",
        verdict="options",
        summary="per_mutation",
        sentence=words.tki_by_mutation,
        parse=route.tki_request,
        quotes_in_answer=True,
    )
)
