"""`RuleSpec`: everything the rest of allguide knows about one rule tool, in one object.

Tools (`allguide.tools`), the prompt's tool list, the free-text router, the chain's
clarifying questions and probes, the verdict sentence, the UI labels and the calculator forms
are all generated from the registered specs (`allguide.tools.RULES`); see docs/extending.md.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

from annotated_types import Le

from allguide.rules.common import PLAUSIBLE, RuleInput, RuleOutput


@dataclass
class ToolRequest:
    """Inputs for one rule tool found in the text; `unknown` lists what was not stated."""

    name: str
    inputs: dict[str, Any]
    unknown: list[str] = field(default_factory=list)


Parser = Callable[[str], ToolRequest | None]
Sentence = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class RuleSpec:
    """One rule tool.

    `verdict` is the output field holding the result: the chain compares it across probes
    (with `status`) to decide whether an unstated input matters, and the UI shows `summary`
    (default: `verdict`). `questions` says what to ask per input the verdict may depend on;
    `probes` overrides the values tried for an unstated input (by default: False/True, every
    `Literal` value, or 0 and the plausibility bound of a number). `defaulted` are flags the
    text may leave silent without a mention; `parse` reads the inputs from a question
    (`answer/route.py`), `sentence` writes the verdict as words, and `quotes_in_answer` has
    the offline answer quote `quotes` after the rule. `description` (default: the function's
    docstring) is the tool description a model reads.
    """

    name: str
    function: Callable[..., RuleOutput]
    input: type[RuleInput]
    output: type[RuleOutput]
    label: str
    verdict: str
    sentence: Sentence
    parse: Parser | None = None
    questions: Mapping[str, str] = field(default_factory=dict)
    probes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    defaulted: frozenset[str] = frozenset()
    summary: str = ""
    description: str = ""
    quotes_in_answer: bool = False

    def __post_init__(self) -> None:
        if self.verdict not in self.output.model_fields:
            raise ValueError(f"{self.name}: verdict field {self.verdict!r} not in the output")
        for name in (*self.questions, *self.probes, *self.defaulted):
            if name not in self.input.model_fields:
                raise ValueError(f"{self.name}: {name!r} is not an input field")

    @property
    def summary_field(self) -> str:
        return self.summary or self.verdict

    @property
    def tool_description(self) -> str:
        """For a model choosing a tool: `description`, else the function's docstring."""
        return self.description or inspect.getdoc(self.function) or self.name

    def probe_values(self, name: str) -> tuple[Any, ...]:
        """Values tried for the unstated input `name`."""
        if name in self.probes:
            return self.probes[name]
        info = self.input.model_fields[name]
        annotation = info.annotation
        if get_origin(annotation) is Literal:
            return get_args(annotation)
        if annotation is float or float in get_args(annotation):
            if name in PLAUSIBLE:
                return (0.0, PLAUSIBLE[name].high)
            high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
            if high is not None:
                return (0.0, float(high))  # type: ignore[arg-type]
        return (False, True)

    def verdict_of(self, output: RuleOutput | Mapping[str, Any]) -> str:
        """What must agree across probes for an unstated input not to matter."""
        get = output.get if isinstance(output, Mapping) else lambda k: getattr(output, k, None)
        return repr([get("status"), get(self.verdict)])

    def __iter__(self) -> Iterator[Any]:
        """`function, input = spec`: the `(rule, model)` pair `RULES` used to hold."""
        return iter((self.function, self.input))

    def __getitem__(self, index: int) -> Any:
        return (self.function, self.input)[index]
