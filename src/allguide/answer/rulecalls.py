"""Rule-tool calls for a question: probe what it leaves unstated, ask only when it matters.

For each `ToolRequest` the router found, the spec's `probe_values` are tried for every unstated
input; when `status` and the spec's `verdict` field agree across all probes the verdict is
reported (with `not_stated`), otherwise the spec's `questions` for those inputs are asked.
Chunk ids of the rule quotes come from the caller's `QuoteResolver` (the chain's index).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from allguide.errors import ToolInputError
from allguide.rules.provenance import QuoteResolver
from allguide.rules.spec import RuleSpec, ToolRequest
from allguide.tools import RULES, resolved, run_rule
from allguide.types import ToolCall


def run_requests(
    requests: Sequence[ToolRequest], resolver: QuoteResolver
) -> tuple[list[ToolCall], str]:
    """Run each request's rule tool (chunk ids resolved by `resolver`); the calls, and what to
    ask the user ("" when nothing is missing)."""
    calls: list[ToolCall] = []
    asks: list[str] = []
    for request in requests:
        call, ask = _resolve(request, resolver)
        if call is not None:
            calls.append(call)
        if ask:
            asks.append(ask)
    return calls, " ".join(dict.fromkeys(asks))


def _resolve(request: ToolRequest, resolver: QuoteResolver) -> tuple[ToolCall | None, str]:
    """Probe the unstated inputs: the verdict if it does not depend on them, else a question."""
    inputs = dict(request.inputs)
    nested = inputs.get("current_cns_status")
    if isinstance(nested, ToolRequest):
        inner, ask = _resolve(nested, resolver)
        if inner is None or ask:
            return inner, ask
        inputs["current_cns_status"] = inner.output.get(RULES[nested.name].verdict)
    unknown = [k for k, v in inputs.items() if v is None]
    known = {k: v for k, v in inputs.items() if v is not None}
    spec = RULES[request.name]
    try:
        outcomes = [run_rule(spec.name, {**known, **probe}) for probe in _probes(spec, unknown)]
    except ToolInputError as exc:
        failed: dict[str, Any] = {"status": "error", "error": exc.message}
        return ToolCall(name=request.name, input=known, output=failed), ""
    verdicts = {spec.verdict_of(o) for o in outcomes}
    first = outcomes[0]
    if len(verdicts) == 1 and first.status == "ok":
        output = resolved(first, resolver)
        output = {**output, "not_stated": unknown} if unknown else output
        return ToolCall(name=request.name, input=known, output=output), ""
    if len(verdicts) == 1 and first.status == "needs_input":
        output = resolved(first, resolver)
        return ToolCall(name=request.name, input=known, output=output), str(first.question)
    missing = [k for k in unknown if k in spec.questions]
    ask = " ".join(spec.questions[k] for k in missing[:2]) or "Please give the missing values."
    pending: dict[str, Any] = {"status": "needs_input", "missing": unknown, "question": ask}
    return ToolCall(name=request.name, input=known, output=pending), ask


def _probes(spec: RuleSpec, unknown: Sequence[str]) -> list[dict[str, Any]]:
    choices = [spec.probe_values(k) for k in unknown]
    return [dict(zip(unknown, combo, strict=True)) for combo in itertools.product(*choices)][:64]
