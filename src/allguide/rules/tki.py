"""TKI options by ABL kinase-domain mutation for relapsed/refractory Ph-positive ALL.

Source: the Discussion, "NCCN Recommendations for Ph-Positive ALL" (the rule), and ALL-D
footnotes e–h (dasatinib, nilotinib, bosutinib, ponatinib), quoted alongside. Decisions:
- A mutation the text names gets the drugs whose sentence names it; any other well-formed ABL1
  mutation gets the text's "all other mutations" answer (high-dose imatinib, dasatinib,
  nilotinib). `options` is what covers every mutation given; when nothing does, `options` is
  empty and a note says so plainly.
- T315I always carries the ponatinib vascular-events caution.
- `rule` is the first Discussion sentence applied (in text order); the other sentences applied
  and the ALL-D footnotes follow in `quotes`, one sentence each, so each sits in one chunk.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from allguide.rules.abl1 import parse_mutations
from allguide.rules.common import Allowed, RuleInput, RuleOutput, cited, parse_input

SOURCE = "Discussion › NCCN Recommendations for Ph-Positive ALL"
HIGH_DOSE_IMATINIB = "high-dose imatinib"
_E255 = ("E255K", "E255V")
_F317 = ("F317L", "F317V", "F317I", "F317C")
_F359 = ("F359V", "F359C", "F359I")

# The Discussion's sentences in text order: (drugs, mutations named) and the sentence.
SENTENCES: list[tuple[tuple[str, ...], frozenset[str], str]] = [
    (
        ("dasatinib",),
        frozenset({"Y253H", *_E255, *_F359}),
        (
            "Based on these published recommendations, dasatinib (if not administered during "
            "initial induction) could be considered for patients with relapsed/refractory "
            "Ph-positive disease that have the mutations Y253H, E255K/V, or F359V/C/I."
        ),
    ),
    (
        ("nilotinib",),
        frozenset({"V299L", "T315A", *_F317}),
        (
            "For patients with relapsed/refractory disease that have the mutations V299L, T315A, "
            "or F317L/V/I/C, nilotinib could be considered."
        ),
    ),
    (
        ("bosutinib",),
        frozenset({*_E255, *_F317, *_F359, "T315A", "Y253H"}),
        (
            "The TKI bosutinib has been added for patients with the mutations E255K/V, "
            "F317L/V/I/C, F359V/C/I, T315A, or Y253H."
        ),
    ),
    (
        ("ponatinib",),
        frozenset({"T315I"}),
        "Ponatinib has activity against and is effective in treating the T315I mutation.",
    ),
    (
        (),
        frozenset({"T315I"}),
        (
            "However, due to the high frequency of serious vascular events, the FDA indication "
            "is restricted to the treatment of patients with the T315I mutation or in patients "
            "with disease resistant to other TKI therapies."
        ),
    ),
]
ALL_OTHER = (
    "For all other mutations of the ABL gene, high-dose imatinib, dasatinib, or nilotinib may be "
    "considered."
)
OTHER_OPTIONS = (HIGH_DOSE_IMATINIB, "dasatinib", "nilotinib")
# ALL-D footnotes by drug: letter and text (e, f, g name mutations only; h is ponatinib's).
FOOTNOTES = {
    "dasatinib": ("e", "For patients with mutations Y253H, E255K/V, or F359V/C/I."),
    "nilotinib": ("f", "For patients with mutations F317L/V/I/C, T315A, or V299L."),
    "bosutinib": (
        "g",
        "For patients with mutations E255K/V, F317L/V/I/C, F359V/C/I, T315A, or Y253H.",
    ),
    "ponatinib": (
        "h",
        "Ponatinib has activity against T315I mutations and is effective in treating patients "
        "with resistant or progressive disease on multiple TKIs. However, it is associated with a "
        "high frequency of serious vascular events (eg, strokes, heart attacks, tissue ischemia).",
    ),
}
DRUG_ORDER = ("dasatinib", "nilotinib", "bosutinib", "ponatinib", HIGH_DOSE_IMATINIB)
NAMED = frozenset().union(*(named for _, named, _ in SENTENCES))


MutationList = Annotated[
    list[str],
    Field(min_length=1, max_length=50),
    Allowed('a list of 1 to 50 ABL1 mutation strings, e.g. ["T315I", "E255K/V"]'),
]


class TkiInput(RuleInput):
    """ABL1 kinase-domain mutations found on mutation testing."""

    mutations: MutationList = Field(
        description='ABL1 mutations, e.g. ["T315I"], ["p.E255K", "F317L/V"], ["Thr315Ile"].'
    )


class TkiOutput(RuleOutput):
    """Options covering every mutation, options per mutation, and the mutations not named."""

    mutations: list[str]
    options: list[str]
    per_mutation: dict[str, list[str]]
    unlisted: list[str]


def tki_by_mutation(mutations: list[str]) -> TkiOutput:
    """TKI options by ABL1 kinase-domain mutation in relapsed/refractory Ph-positive ALL (NCCN).

    Use when a patient's ABL1 (BCR-ABL1) mutations are given, e.g. ["T315I"], ["E255K/V"],
    ["p.Thr315Ile", "F317L"]. Returns options per mutation and the options covering all of
    them (empty when none does), with the ponatinib caution for T315I.
    """
    inp = parse_input(TkiInput, locals())
    found = parse_mutations(inp.mutations)
    per_mutation = {mutation: _options(mutation) for mutation in found}
    common = set.intersection(*(set(options) for options in per_mutation.values()))
    options = [drug for drug in DRUG_ORDER if drug in common]
    unlisted = [mutation for mutation in found if mutation not in NAMED]
    applied = [sentence for _, named, sentence in SENTENCES if named & set(found)]
    applied += [ALL_OTHER] if unlisted else []
    drugs = {drug for mutation in found if mutation in NAMED for drug in per_mutation[mutation]}
    footnoted = [drug for drug in DRUG_ORDER if drug in drugs]
    return TkiOutput(
        status="ok",
        mutations=found,
        options=options,
        per_mutation=per_mutation,
        unlisted=unlisted,
        source=SOURCE,
        notes=_notes(found, options, unlisted, footnoted),
        **cited(applied[0], [*applied[1:], *(FOOTNOTES[drug][1] for drug in footnoted)]),
    )


def _options(mutation: str) -> list[str]:
    """The drugs the text gives for `mutation`, in `DRUG_ORDER`."""
    if mutation in NAMED:
        drugs = {drug for given, muts, _ in SENTENCES if mutation in muts for drug in given}
    else:
        drugs = set(OTHER_OPTIONS)
    return [drug for drug in DRUG_ORDER if drug in drugs]


def _notes(
    found: list[str], options: list[str], unlisted: list[str], footnoted: list[str]
) -> list[str]:
    notes = ["For relapsed/refractory Ph-positive ALL after TKI-containing therapy."]
    if footnoted:
        letters = ", ".join(f"{FOOTNOTES[drug][0]} ({drug})" for drug in footnoted)
        notes.append(f"Quoted last: ALL-D footnotes {letters}.")
    if unlisted:
        notes.append(
            f"Not named in the guideline: {', '.join(unlisted)}; the text's answer for all other "
            "ABL mutations applies."
        )
    if "T315I" in found:
        notes.append(
            "Ponatinib for T315I carries the guideline's caution: a high frequency of "
            "serious vascular events."
        )
    if not options:
        notes.append(
            f"No single option named in the guideline covers all of {', '.join(found)}; "
            "see per_mutation."
        )
    return notes
