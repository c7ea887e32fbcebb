"""The clinical rules as LangChain tools, and `run_tool` for the CLI and the UI.

Each tool is derived from its typed rule function: name from the function, description from
its docstring (written for a model choosing a tool), JSON schema from its pydantic input
model. The schema is handed to LangChain as JSON so that validation happens once, in the rule
layer: every invalid input raises `ToolInputError` with a one-line message naming the field
and its allowed range, whether it comes through `TOOLS[name].invoke` or `run_tool`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from allguide.errors import ToolInputError
from allguide.rules.cns import CnsStatusInput, cns_status
from allguide.rules.common import RuleInput, RuleOutput, parse_input
from allguide.rules.mediastinal import MediastinalResponseInput, mediastinal_response
from allguide.rules.mrd import MrdInput, mrd_status
from allguide.rules.response import CnsResponseInput, ResponseInput, cns_response, response
from allguide.rules.tki import TkiInput, tki_by_mutation

RULES: dict[str, tuple[Callable[..., RuleOutput], type[RuleInput]]] = {
    rule.__name__: (rule, model)
    for rule, model in (
        (cns_status, CnsStatusInput),
        (response, ResponseInput),
        (cns_response, CnsResponseInput),
        (mediastinal_response, MediastinalResponseInput),
        (mrd_status, MrdInput),
        (tki_by_mutation, TkiInput),
    )
}


def run_tool(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run rule tool `name` on a JSON-like `payload`; the output as a JSON-ready dict."""
    if name not in RULES:
        known = ", ".join(RULES)
        raise ToolInputError(f"unknown tool {name!r} (known tools: {known})", field="name")
    if not isinstance(payload, dict):
        raise ToolInputError(
            f"input: must be a JSON object of named fields (got {type(payload).__name__})",
            field=None,
        )
    rule, model = RULES[name]
    inp = parse_input(model, payload)
    return rule(**{field: getattr(inp, field) for field in inp.model_fields_set}).model_dump(
        mode="json"
    )


def _as_tool(name: str, rule: Callable[..., RuleOutput], model: type[RuleInput]) -> BaseTool:
    def run(**payload: Any) -> dict[str, Any]:
        return run_tool(name, payload)

    return StructuredTool.from_function(
        func=run,
        name=name,
        description=inspect.getdoc(rule) or name,
        args_schema=model.model_json_schema(),
        infer_schema=False,
    )


TOOLS: dict[str, BaseTool] = {name: _as_tool(name, *spec) for name, spec in RULES.items()}
