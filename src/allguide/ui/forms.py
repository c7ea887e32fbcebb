"""Calculator forms derived from the rule tools' pydantic input models (pure, no Gradio)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from allguide.errors import ToolInputError
from allguide.rules.units import parse_count

FieldKind = Literal["number", "flag", "yes_no", "choice", "list"]


@dataclass(frozen=True)
class FormField:
    """One calculator input, derived from a rule's pydantic input field."""

    name: str
    kind: FieldKind
    label: str
    required: bool
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def info(self) -> str:
        return f"{self.name} · {'required' if self.required else 'optional'}"


def form_fields(model: type[BaseModel]) -> list[FormField]:
    """The form of a rule tool: one field per input, kind chosen from its type."""
    fields: list[FormField] = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        kind, choices = _field_kind(info.annotation, required=required)
        label = (info.description or name.replace("_", " ")).rstrip(".")
        default = None if required else info.get_default()
        fields.append(FormField(name, kind, label, required, default, choices))
    return fields


def _field_kind(annotation: Any, *, required: bool) -> tuple[FieldKind, tuple[str, ...]]:
    args = get_args(annotation)
    if annotation is bool:
        return ("yes_no" if required else "flag"), ()
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in args)
    if get_origin(annotation) is list:
        return "list", ()
    if annotation is float or float in args:
        return "number", ()
    raise TypeError(f"no form input for a field of type {annotation!r}")


def parse_number(name: str, value: Any) -> float:
    """A typed number (`1200`, `1,200`, `120k`, `0.01`, `1e-4`); anything else names the field."""
    text = str(value).strip()
    try:
        return parse_count(text)  # "120k", "1,200" and plain numbers, as in the chat
    except ValueError:
        pass
    try:
        return float(text)  # "1e-4", "-3" (the rule then says what range it allows)
    except ValueError:
        raise ToolInputError(f"{name}: must be a number (got {text!r})", field=name) from None


def form_payload(fields: Sequence[FormField], values: Sequence[Any]) -> dict[str, Any]:
    """The tool payload from form values; blanks are left out so the rule reports them."""
    payload: dict[str, Any] = {}
    for field, value in zip(fields, values, strict=True):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field.kind == "yes_no":
            payload[field.name] = value == "yes"
        elif field.kind == "flag":
            payload[field.name] = bool(value)
        elif field.kind == "number":
            payload[field.name] = parse_number(field.name, value)
        elif field.kind == "list":
            # Split on list separators only: "BCR-ABL1 T315I" is one mutation, not two words.
            items = [item.strip() for item in re.split(r"[,;]", str(value)) if item.strip()]
            if items:
                payload[field.name] = items
        else:
            payload[field.name] = value
    return payload
