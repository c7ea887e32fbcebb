"""Quiz items as evaluation dataset lines (`allguide quiz --export`), so that `allguide eval
--dataset FILE` asks the chat the same questions and checks it against the same keys.

A vignette becomes a `vignette` item whose `expect_tool` is the rule tool with the verdict
field the key came from; `gold_evidence` is the rule's verbatim text. A recall item expects its
key verbatim in the answer. Exported items are generated, not the held-out split of
`evals/qa.jsonl`; their dev/test split follows from the id as for every item.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from allguide.errors import BadInputError
from allguide.eval_format import EvalItem, ExpectTool
from allguide.learn.model import QuizItem
from allguide.tools import RULES, run_rule

CATEGORY = {
    "cns": "cns",
    "response": "response_criteria",
    "mrd": "mrd",
    "tki": "tki_mutations",
    "diagnosis": "diagnosis",
    "cytogenetics": "cytogenetics",
    "relapsed": "relapsed_refractory",
    "supportive": "supportive_care",
}
"""Quiz topic → the dataset category of its recall items (vignettes are `vignette`)."""


def eval_item(item: QuizItem) -> EvalItem:
    """One dataset line for `item`."""
    evidence = [item.citations[0].quote]
    if item.tool is None:
        return EvalItem(
            id=f"quiz-{item.id}",
            question=item.question,
            history=[],
            gold_evidence=evidence,
            answer_keywords=[item.answer],
            category=CATEGORY[item.topic],
            expect_refusal=False,
        )
    spec = RULES[item.tool.name]
    output = run_rule(item.tool.name, item.tool.input).model_dump(mode="json")
    return EvalItem(
        id=f"quiz-{item.id}",
        question=item.question,
        history=[],
        gold_evidence=evidence,
        answer_keywords=[spec.sentence(output)],
        category="vignette" if item.kind == "vignette" else CATEGORY[item.topic],
        expect_refusal=False,
        expect_tool=ExpectTool(name=spec.name, output={spec.verdict: output[spec.verdict]}),
    )


def dataset_lines(items: Iterable[QuizItem]) -> str:
    """The items as JSON Lines in the eval dataset format (docs/design.md)."""
    return "".join(eval_item(item).model_dump_json() + "\n" for item in items)


def export(items: Iterable[QuizItem], path: Path) -> int:
    """Write the items to `path`; returns how many were written."""
    text = dataset_lines(items)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write quiz export {path}: {exc.strerror or exc}") from None
    return text.count("\n")
