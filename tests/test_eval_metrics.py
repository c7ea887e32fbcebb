"""Evaluation metrics on hand-made cases, including raw-vs-cleaned evidence matching."""

from __future__ import annotations

import math

import pytest

from allguide.evaluation.metrics import (
    answer_body,
    citation_markers,
    citation_support,
    citation_validity,
    false_refusal_rate,
    is_reference_quote,
    keyword_accuracy,
    lead_accuracy,
    lead_sentence,
    mean,
    percentile,
    quote_units,
    refusal_scores,
    tool_accuracy,
)
from allguide.evaluation.retrieval_metrics import (
    context_chars,
    context_hit,
    evidence_covered,
    evidence_recall,
    first_hit_rank,
    hit_at,
    mrr,
    retrieval_scores,
    span_ranks,
    truncate_context,
)
from allguide.guidelines import NCCN_ALL_2015
from allguide.types import Answer, Chunk, Citation, ToolCall

# Real raw-corpus snippets and what the cleaner makes of them.
RAW_MRD = "MRD negativity: <1 X 10-4 (<0.01%) ALL cells"
CLEAN_MRD = "MRD negativity: <1 × 10⁻⁴ (<0.01%) ALL cells, by flow cytometry."
RAW_CITED = "outcomes remain poor in adults.1,6 Treatment generally comprises"
CLEAN_CITED = (
    "Cure rates have improved, yet outcomes remain poor in adults. Treatment generally comprises"
)
RAW_HYPHEN = "requires demon-\nstration of 20% or greater bone marrow lymphoblasts"
CLEAN_HYPHEN = "The diagnosis requires demonstration of ≥20% or greater bone marrow lymphoblasts."
CNS3 = "CNS-3: WBC 5/mcL in CSF with presence of lymphoblasts."
CNS2_CLEAN = "CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."
CNS3_CLEAN = "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts."


@pytest.mark.parametrize(
    ("gold", "passage"),
    [
        ("1 X 10-4 (<0.01%)", "below 1 × 10⁻⁴ (<0.01%) in the marrow"),
        (RAW_MRD, CLEAN_MRD),
        (RAW_CITED, CLEAN_CITED),
        ("in adults.1,6", "poor in adults. Treatment"),
        ("et al35 reported", "Smith et al reported"),
        ("OS of 55.8%19 (see", "an OS of 55.8% (see"),
        (RAW_HYPHEN, CLEAN_HYPHEN),
        (CNS3, CNS3_CLEAN),
        ("THE Diagnosis   of ALL", "the diagnosis of all"),
    ],
)
def test_raw_gold_is_covered_by_cleaned_passage(gold: str, passage: str) -> None:
    assert evidence_covered(gold, ["unrelated text", passage])


@pytest.mark.parametrize(
    ("gold", "passage"),
    [
        (CNS3, CNS2_CLEAN),  # letters-only matching would conflate these
        ("1.77 per 100,000", "1.7 per 100,000"),
        ("1 X 10-4", "1 × 10⁻³"),
        ("T315I mutation", "T315 mutation"),
        ("imatinib or dasatinib", "imatinib"),
    ],
)
def test_different_evidence_is_not_covered(gold: str, passage: str) -> None:
    assert not evidence_covered(gold, [passage])


def test_span_cut_by_a_chunk_boundary_counts_when_both_halves_are_retrieved() -> None:
    gold = "The entire brain and posterior half of the globe should be included."
    head = "Radiation fields. The entire brain and posterior half"
    tail = "of the globe should be included. The inferior border is C2."
    assert span_ranks([gold], ["x", tail, "y", head]) == [4]
    assert not evidence_covered(gold, [head, "other"])
    assert not evidence_covered(gold, [tail])


def test_first_hit_rank_needs_every_span() -> None:
    passages = ["nothing here", "alpha beta gamma", "delta epsilon", "alpha beta gamma again"]
    assert first_hit_rank(["beta gamma"], passages) == 2
    assert first_hit_rank(["beta gamma", "delta"], passages) == 3
    assert first_hit_rank(["beta gamma", "zeta"], passages) is None
    assert first_hit_rank([], passages) is None


def test_hit_at_and_mrr() -> None:
    assert hit_at(1, 1) and hit_at(3, 5) and not hit_at(6, 5) and not hit_at(None, 10)
    assert mrr([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert mrr([]) == 0.0


def test_evidence_recall_is_the_fraction_of_spans_in_top_k() -> None:
    passages = ["one two", "three four", "five six"]
    assert evidence_recall(["two", "four", "six", "eight"], passages, k=2) == 0.5
    assert evidence_recall(["six"], passages, k=3) == 1.0
    assert evidence_recall([], passages, k=1) == 1.0


def test_retrieval_scores_aggregate() -> None:
    s = retrieval_scores([1, 3, None, 7], [1.0, 1.0, 0.0, 0.5])
    assert s.n == 4
    assert s.hit == {1: 0.25, 3: 0.5, 5: 0.5, 10: 0.75}
    assert s.mrr == pytest.approx((1 + 1 / 3 + 1 / 7) / 4)
    assert s.evidence_recall == 0.625


def test_keyword_accuracy_is_case_and_comparator_insensitive() -> None:
    answer = "CNS-3 is WBC ≥5/mcL with lymphoblasts; MRD < 1 × 10⁻⁴ [1]."
    assert keyword_accuracy(answer, ["cns-3", "WBC 5/mcL"])
    assert keyword_accuracy(answer, ["WBC ≥ 5/mcL", "1 × 10-4"])
    assert keyword_accuracy("ANC >= 1000/mcL", ["ANC ≥1000/mcL"])
    assert not keyword_accuracy(answer, ["CNS-3", "CNS-2"])
    assert keyword_accuracy("anything", [])


def _answer(text: str, *cites: tuple[int, str, str], refused: bool = False) -> Answer:
    return Answer(
        answer=text,
        citations=[
            Citation(
                n=n,
                chunk_id=c,
                source="nccn-all-2015.txt",
                source_title=NCCN_ALL_2015.title,
                section="ALL-C",
                page=1,
                quote=q,
            )
            for n, c, q in cites
        ],
        tool_calls=[],
        refused=refused,
        latency_ms=1.0,
    )


CHUNKS = {
    "c1": "Classification of CNS status. " + CNS3_CLEAN + " " + CNS2_CLEAN,
    "c2": "CNS remission: Achievement of CNS-1 status.",
}


def test_citation_markers() -> None:
    assert citation_markers("a [1] b [2, 3] c [12]") == [1, 2, 3, 12]
    assert citation_markers("no markers") == []


def test_citation_validity() -> None:
    good = _answer(
        "CNS-3 needs blasts [1]. Remission [2].", (1, "c1", CNS3_CLEAN), (2, "c2", "CNS remission")
    )
    assert citation_validity(good, CHUNKS)
    dangling = _answer("CNS-3 [1] and [3].", (1, "c1", CNS3_CLEAN))
    assert not citation_validity(dangling, CHUNKS)
    not_verbatim = _answer("CNS-3 [1].", (1, "c1", CNS3))  # the raw text lacks '≥' in the chunk
    assert not citation_validity(not_verbatim, CHUNKS)
    unknown_chunk = _answer("x [1].", (1, "zz", "CNS"))
    assert not citation_validity(unknown_chunk, CHUNKS)
    assert citation_validity(_answer("Not in the 2015 text.", refused=True), CHUNKS)


def test_citation_support_uses_whole_cited_chunks() -> None:
    ans = _answer("CNS-3 [1].", (1, "c1", "Classification of CNS status."))
    assert citation_support(ans, [CNS3], CHUNKS)
    assert citation_support(ans, [CNS3, "CNS-2: WBC <5/mcL"], CHUNKS)
    assert not citation_support(ans, ["CNS remission"], CHUNKS)
    assert not citation_support(_answer("no citations"), [CNS3], CHUNKS)
    assert not citation_support(ans, [], CHUNKS)


def test_refusal_scores() -> None:
    s = refusal_scores([(True, True), (True, False), (False, True), (False, False), (True, True)])
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert (s.refused, s.expected) == (3, 3)
    assert (s.false_refusals, s.in_scope, s.false_refusal_rate) == (1, 2, 0.5)
    none = refusal_scores([(False, False)])
    assert none.precision is None and none.recall is None
    assert none.false_refusal_rate == 0.0


def test_false_refusal_rate_counts_refused_in_scope_items_only() -> None:
    # Three in-scope items, one refused; the refused out-of-scope item does not count.
    pairs = [(False, True), (False, False), (False, False), (True, True), (True, False)]
    assert false_refusal_rate(pairs) == pytest.approx(1 / 3)
    assert false_refusal_rate([(True, True)]) is None
    assert false_refusal_rate([]) is None


EDITION = "Based on the 2015 NCCN ALL guideline text; recommendations may have changed."


@pytest.mark.parametrize(
    ("answer", "lead"),
    [
        (
            f"CNS-3 is WBC ≥5/mcL with blasts. [1] Treat it. [2]\n\n{EDITION}",
            "CNS-3 is WBC ≥5/mcL with blasts. [1]",
        ),
        (
            f"It was 20% (CR + CRi). [1, 2] Later it was 31%.\n\n{EDITION}",
            "It was 20% (CR + CRi). [1, 2]",
        ),
        ("One paragraph, no note. Second.", "One paragraph, no note."),
        (f"Overview of CNS:\n- CNS-1 [1]\n\nMore. [2]\n\n{EDITION}", "Overview of CNS:"),
        (f"\n\n{EDITION}", EDITION),
        ("", ""),
    ],
)
def test_lead_sentence_keeps_its_markers_and_ignores_the_edition_note(
    answer: str, lead: str
) -> None:
    assert lead_sentence(answer) == lead


def test_answer_body_drops_only_the_last_paragraph() -> None:
    assert answer_body(f"A. [1]\n\nB. [2]\n  \n{EDITION}") == "A. [1]\n\nB. [2]"
    assert answer_body("Just one.") == "Just one."


def test_lead_accuracy_needs_a_keyword_in_the_first_sentence() -> None:
    answer = f"CNS-3 means WBC ≥ 5/mcL with blasts. [1] CNS-2 is fewer. [2]\n\n{EDITION}"
    assert lead_accuracy(answer, ["WBC 5/mcL", "nothing"])  # at least one, folded
    assert lead_accuracy(answer, ["cns-3"])
    assert not lead_accuracy(answer, ["CNS-2"])  # only in the second sentence
    assert not lead_accuracy(answer, ["2015 NCCN"])  # only in the edition note
    assert not lead_accuracy("The rate was 20%. [12]", ["12"])  # the marker is not text
    assert lead_accuracy("anything", [])


def _chunk(text: str, section: str = "Discussion › Overview") -> Chunk:
    kind = "algorithm" if section.startswith("ALL-") else "discussion"
    return Chunk(
        chunk_id="c9",
        text=text,
        source="nccn-all-2015.txt",
        source_title=NCCN_ALL_2015.title,
        profile="nccn-all-2015",
        section=section,
        title="t",
        page=1241,
        kind=kind,
        start=0,
        end=len(text),
    )


BIBLIOGRAPHY = _chunk(
    "Outcomes remain poor in adults.\n\n"
    "Gokbuget N, Hoelzer D. Treatment of adult acute lymphoblastic leukemia. "
    "Semin Hematol 2009;46:64-75.\n\n"
    "Category 1: Based upon high-level evidence, there is uniform NCCN consensus that the "
    "intervention is appropriate.\n\n"
    "CLASSIFICATION OF CNS STATUS"
)
DEFINITIONS = _chunk(
    "Classification of CNS status:\n\n"
    "CNS-1: No lymphoblasts in CSF regardless of WBC count.\n\n" + CNS2_CLEAN,
    section="ALL-C",
)


def test_a_bibliography_quote_is_a_reference_quote() -> None:
    quote = "Treatment of adult acute lymphoblastic leukemia."
    assert [u.kind for u in quote_units(quote, BIBLIOGRAPHY)] == ["reference"]
    assert is_reference_quote(quote, BIBLIOGRAPHY, "What is ALL?")
    assert is_reference_quote("CLASSIFICATION OF CNS STATUS", BIBLIOGRAPHY, "What is CNS-3?")


def test_a_definition_quote_is_not_a_reference_quote() -> None:
    assert not is_reference_quote(CNS2_CLEAN, DEFINITIONS, "What is CNS-2?")
    assert not is_reference_quote("CNS-1: No lymphoblasts", DEFINITIONS, "What is CNS-1?")
    assert not is_reference_quote("Outcomes remain poor in adults.", BIBLIOGRAPHY, "Outcomes?")


def test_a_quote_is_a_reference_quote_only_when_every_unit_it_overlaps_is() -> None:
    across = "adults.\n\nGokbuget N"  # a statement's end and a reference's start
    assert {u.kind for u in quote_units(across, BIBLIOGRAPHY)} == {"statement", "reference"}
    assert not is_reference_quote(across, BIBLIOGRAPHY, "What is ALL?")
    assert not is_reference_quote("not in the chunk", BIBLIOGRAPHY, "What is ALL?")
    assert quote_units("", BIBLIOGRAPHY) == []


def test_the_legend_is_a_reference_quote_unless_the_question_asks_about_categories() -> None:
    legend = "Category 1: Based upon high-level evidence"
    assert is_reference_quote(legend, BIBLIOGRAPHY, "How is Ph+ ALL treated?")
    assert not is_reference_quote(legend, BIBLIOGRAPHY, "What does category 1 mean?")
    assert not is_reference_quote(legend, BIBLIOGRAPHY, "Which categories are there?")
    assert not is_reference_quote(legend, BIBLIOGRAPHY, "How strong is the Evidence for this?")


def test_truncate_context_cuts_the_last_passage_at_the_budget() -> None:
    passages = ["a" * 5, "b" * 5, "c" * 5]
    assert truncate_context(passages, 7) == ["aaaaa", "bb"]
    assert truncate_context(passages, 10) == ["aaaaa", "bbbbb"]
    assert truncate_context(passages, 100) == passages
    assert truncate_context(passages, 3) == ["aaa"]
    assert truncate_context(passages, 0) == []
    assert context_chars(passages, 2) == 10 and context_chars(passages, 10) == 15


def test_context_hit_at_equal_context() -> None:
    long = "x" * 40 + " CNS-3: WBC 5/mcL in CSF with presence of lymphoblasts."
    short = [CNS3_CLEAN]
    assert context_hit([CNS3], short, len(CNS3_CLEAN))
    assert not context_hit([CNS3], short, 30)  # the span is cut by the budget
    assert context_hit([CNS3], ["filler " * 3, long], 21 + len(long))
    assert not context_hit([CNS3], ["filler " * 3, long], 21 + 60)
    # Any one gold span is enough; the raw-vs-cleaned rule of evidence_covered applies.
    assert context_hit(["zeta", RAW_MRD], ["x", CLEAN_MRD], 1000)
    assert not context_hit(["zeta"], ["x", CLEAN_MRD], 1000)


def test_context_hit_does_not_join_a_span_across_two_passages() -> None:
    gold = "The entire brain and posterior half of the globe should be included."
    head = "Radiation fields. The entire brain and posterior half"
    tail = "of the globe should be included. The inferior border is C2."
    assert span_ranks([gold], [head, tail]) == [2]  # hit@k accepts the straddle
    assert not context_hit([gold], [head, tail], 10_000)


def _call(name: str, **output: object) -> ToolCall:
    return ToolCall(name=name, input={}, output=dict(output))


def test_tool_accuracy_compares_expected_keys_only() -> None:
    ok = tool_accuracy(
        "cns_status", {"cns_status": "CNS-3"}, [_call("cns_status", cns_status="cns-3", rule="…")]
    )
    assert ok.ok and ok.mismatches == ()
    tki = tool_accuracy(
        "tki_by_mutation",
        {"options": ["dasatinib", "ponatinib"]},
        [_call("tki_by_mutation", options=["Ponatinib", "dasatinib"])],
    )
    assert tki.ok


def test_tool_accuracy_reports_mismatches() -> None:
    renamed = tool_accuracy(
        "mrd_status", {"mrd_status": "negative"}, [_call("mrd_status", mrd="negative")]
    )
    assert not renamed.ok
    assert "missing key 'mrd_status'" in renamed.mismatches[0] and "mrd" in renamed.mismatches[0]
    wrong = tool_accuracy(
        "cns_response",
        {"cns_response": "remission"},
        [_call("cns_response", cns_response="cns_remission")],
    )
    assert wrong.mismatches == ("cns_response: expected 'remission', got 'cns_remission'",)
    fewer = tool_accuracy(
        "tki_by_mutation", {"options": ["a", "b"]}, [_call("tki_by_mutation", options=["a"])]
    )
    assert not fewer.ok
    absent = tool_accuracy(
        "response", {"response": "CR"}, [_call("cns_status", cns_status="CNS-1")]
    )
    assert absent.mismatches == ("tool 'response' not called (called: cns_status)",)


def test_tool_accuracy_accepts_any_matching_call_of_that_name() -> None:
    calls = [_call("response", response="CRi"), _call("response", response="CR")]
    assert tool_accuracy("response", {"response": "CR"}, calls).ok


def test_percentile_interpolates() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    assert percentile([5.0], 95) == 5.0
    assert math.isnan(percentile([], 50))


def test_mean() -> None:
    assert mean([True, False, True, True]) == 0.75
    assert mean([0.5, 1.0]) == 0.75
    assert mean([]) is None
