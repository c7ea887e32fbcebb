"""TKI options by ABL1 mutation: every mutation the guideline names, parsing, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allguide.errors import ToolInputError
from allguide.rules.abl1 import GUIDELINE_RESIDUES, ONE_LETTER
from allguide.rules.tki import ALL_OTHER, FOOTNOTES, SENTENCES, SOURCE, tki_by_mutation

# Read off the Discussion ("NCCN Recommendations for Ph-Positive ALL") and ALL-D footnotes e–h.
NAMED_IN_TEXT = {
    "Y253H": ["dasatinib", "bosutinib"],
    "E255K": ["dasatinib", "bosutinib"],
    "E255V": ["dasatinib", "bosutinib"],
    "F359V": ["dasatinib", "bosutinib"],
    "F359C": ["dasatinib", "bosutinib"],
    "F359I": ["dasatinib", "bosutinib"],
    "F317L": ["nilotinib", "bosutinib"],
    "F317V": ["nilotinib", "bosutinib"],
    "F317I": ["nilotinib", "bosutinib"],
    "F317C": ["nilotinib", "bosutinib"],
    "T315A": ["nilotinib", "bosutinib"],
    "V299L": ["nilotinib"],
    "T315I": ["ponatinib"],
}
OTHER = ["dasatinib", "nilotinib", "high-dose imatinib"]
VASCULAR = "high frequency of serious vascular events"


@pytest.mark.parametrize(("mutation", "drugs"), NAMED_IN_TEXT.items())
def test_every_named_mutation(mutation: str, drugs: list[str]) -> None:
    out = tki_by_mutation([mutation])
    assert (out.mutations, out.options, out.per_mutation) == ([mutation], drugs, {mutation: drugs})
    assert (out.unlisted, out.source) == ([], SOURCE)
    assert mutation[:4] in out.rule
    assert out.quotes[-len(drugs) :] == [FOOTNOTES[drug][1] for drug in drugs]


def test_t315i_carries_the_ponatinib_caution() -> None:
    out = tki_by_mutation(["T315I"])
    assert out.rule.startswith("Ponatinib has activity against")
    assert sum(VASCULAR in quote for quote in out.quotes) == 2  # Discussion and ALL-D footnote h
    assert any("vascular" in note for note in out.notes)


@pytest.mark.parametrize("mutation", ["M244V", "G250E", "Q252H", "E255R", "T315V", "H396R"])
def test_unlisted_abl1_mutations_get_the_all_other_answer(mutation: str) -> None:
    out = tki_by_mutation([mutation])
    assert (out.options, out.unlisted, out.rule) == (OTHER, [mutation], ALL_OTHER)
    assert out.quotes == []


@pytest.mark.parametrize(
    ("given_as", "parsed"),
    [
        ("T315I", ["T315I"]),
        ("p.T315I", ["T315I"]),
        ("Thr315Ile", ["T315I"]),
        ("p.Thr315Ile", ["T315I"]),
        ("t315i", ["T315I"]),
        ("  T 315 I ", ["T315I"]),
        ("ABL1 T315I", ["T315I"]),
        ("BCR-ABL1 p.T315I", ["T315I"]),
        ("BCR::ABL1 T315I", ["T315I"]),
        ("E255K/V", ["E255K", "E255V"]),
        ("Glu255Lys/Val", ["E255K", "E255V"]),
        ("F317L/V/I/C", ["F317L", "F317V", "F317I", "F317C"]),
        ("f359v/c/i", ["F359V", "F359C", "F359I"]),
        ("T315I, E255K", ["T315I", "E255K"]),
        ("Y253H and V299L", ["Y253H", "V299L"]),
        ("T315A; M244V", ["T315A", "M244V"]),
        ("T315I E255K", ["T315I", "E255K"]),
    ],
)
def test_accepted_spellings(given_as: str, parsed: list[str]) -> None:
    assert tki_by_mutation([given_as]).mutations == parsed


def test_repeats_are_merged() -> None:
    assert tki_by_mutation(["T315I", "p.Thr315Ile", "t315i"]).mutations == ["T315I"]


@pytest.mark.parametrize(
    ("mutations", "options"),
    [
        (["E255K", "F317L"], ["bosutinib"]),
        (["Y253H", "F359C"], ["dasatinib", "bosutinib"]),
        (["Y253H", "M244V"], ["dasatinib"]),
        (["V299L", "M244V"], ["nilotinib"]),
        (["F317L/V"], ["nilotinib", "bosutinib"]),
    ],
)
def test_options_covering_all_mutations(mutations: list[str], options: list[str]) -> None:
    assert tki_by_mutation(mutations).options == options


@pytest.mark.parametrize("mutations", [["T315I", "E255K"], ["V299L", "Y253H"], ["T315I", "G250E"]])
def test_says_plainly_when_no_option_covers_all(mutations: list[str]) -> None:
    out = tki_by_mutation(mutations)
    assert out.options == []
    assert any(note.startswith("No single option") for note in out.notes)
    assert all(out.per_mutation[m] for m in out.mutations)


def test_rule_is_the_first_sentence_applied_and_the_rest_are_quoted() -> None:
    out = tki_by_mutation(["T315I", "M244V", "Y253H"])
    assert out.rule == SENTENCES[0][2]  # dasatinib, for Y253H
    assert out.quotes == [
        SENTENCES[2][2],  # bosutinib, for Y253H
        SENTENCES[3][2],  # ponatinib, for T315I
        SENTENCES[4][2],  # its vascular-events caution
        ALL_OTHER,  # for M244V
        FOOTNOTES["dasatinib"][1],
        FOOTNOTES["bosutinib"][1],
        FOOTNOTES["ponatinib"][1],
    ]
    assert "Quoted last: ALL-D footnotes e (dasatinib), g (bosutinib), h (ponatinib)." in out.notes


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("JAK2 V617F", "names gene JAK2"),
        ("FLT3 D835Y", "names gene FLT3"),
        ("T315", "not an ABL1 point mutation"),
        ("banana", "not an ABL1 point mutation"),
        ("X999Y", "not an ABL1 point mutation"),
        ("T315*", "not an ABL1 point mutation"),
        ("Thr315Xaa", "not an ABL1 point mutation"),
        ("T1131I", "outside ABL1"),
        ("M0V", "outside ABL1"),
        ("Y315I", "reference residue is T"),
        ("K255E", "reference residue is E"),
        ("T315T", "does not change the residue"),
    ],
)
def test_malformed_mutations_are_refused_by_name(bad: str, reason: str) -> None:
    with pytest.raises(ToolInputError, match=reason) as err:
        tki_by_mutation(["T315I", bad])
    assert repr(bad) in err.value.message
    assert err.value.field == "mutations"


@pytest.mark.parametrize("mutations", [[], [""], [" , "], "T315I", [315]])
def test_empty_or_mistyped_lists_are_refused(mutations: object) -> None:
    with pytest.raises(ToolInputError, match=r"^mutations: "):
        tki_by_mutation(mutations)  # type: ignore[arg-type]


unlisted = st.builds(
    lambda ref, pos, alt: f"{ref}{pos}{alt}",
    st.sampled_from(ONE_LETTER),
    st.integers(1, 1130).filter(lambda pos: pos not in GUIDELINE_RESIDUES),
    st.sampled_from(ONE_LETTER),
).filter(lambda m: m[0] != m[-1])


@given(unlisted)
def test_any_valid_unlisted_abl1_mutation_gets_the_all_other_answer(mutation: str) -> None:
    out = tki_by_mutation([mutation])
    assert (out.options, out.rule) == (OTHER, ALL_OTHER)


@given(st.text(max_size=12))
def test_arbitrary_text_is_parsed_or_refused_never_crashes(text: str) -> None:
    outcome: object
    try:
        outcome = tki_by_mutation([text]).mutations
    except ToolInputError as err:
        outcome = err.field
    assert outcome == "mutations" or (isinstance(outcome, list) and len(outcome) > 0)
