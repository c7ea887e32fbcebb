"""Reciprocal-rank fusion and query expansion (pure)."""

from __future__ import annotations

import pytest

from allguide.retrieval.expand import expand_abbreviations, no_expansion
from allguide.retrieval.fusion import fuser, minmax_fusion, reciprocal_rank_fusion
from allguide.retrieval.lexical import clinical_tokens


def test_rrf_scores_are_the_sum_of_reciprocal_ranks() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["d"] == pytest.approx(1 / 63)
    assert [item for item, _ in reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]])] == [
        "b",
        "c",
        "a",
        "d",
    ]


def test_rrf_weights_and_ties() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([["a"], ["b"]], [1.0, 2.0])] == ["b", "a"]
    assert [i for i, _ in reciprocal_rank_fusion([["a"], ["b"]])] == ["a", "b"]  # tie: first seen
    assert reciprocal_rank_fusion([]) == []


def test_rrf_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be"):
        reciprocal_rank_fusion([["a"]], k=0)
    with pytest.raises(ValueError, match="one weight per ranking"):
        reciprocal_rank_fusion([["a"], ["b"]], [1.0])
    with pytest.raises(ValueError, match="unknown fusion"):
        fuser("borda")
    assert fuser("rrf", k=1)([[("a", 9.0), ("b", 1.0)]], [1.0])[0] == ("a", 0.5)


def test_minmax_fusion_rescales_each_list() -> None:
    fused = dict(minmax_fusion([[("a", 10.0), ("b", 5.0), ("c", 0.0)], [("c", 0.9), ("d", 0.1)]]))
    assert fused == pytest.approx({"a": 1.0, "b": 0.5, "c": 1.0, "d": 0.0})
    # a list that is sure of one passage carries it past items seen weakly by both
    ranked = minmax_fusion(
        [[("x", 1.0), ("y", 0.5), ("z", 0.0)], [("z", 30.0), ("y", 1.0), ("x", 0.0)]], [1.0, 2.0]
    )
    assert [item for item, _ in ranked] == ["z", "x", "y"]
    assert minmax_fusion([[], [("a", 2.0)]]) == [("a", 1.0)]
    assert fuser("minmax") is minmax_fusion


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ph+ AYA induction", "Philadelphia chromosome-positive"),
        ("Ph- adults relapse", "Ph-negative"),
        ("allo-SCT in CR1", "allogeneic HCT"),
        ("HSCT for T-ALL", "hematopoietic cell transplantation"),
        ("IT chemo schedule", "intrathecal"),
        ("which TKI", "tyrosine kinase inhibitor"),
        ("MRD after induction", "minimal residual disease"),
        ("CRi definition", "incomplete blood count recovery"),
        ("LP timing", "lumbar puncture"),
        ("CSF cell count", "cerebrospinal fluid"),
        ("ETP immunophenotype", "early T-cell precursor"),
        ("CAR-T results", "chimeric antigen receptor"),
        ("CAR T results", "chimeric antigen receptor"),
        ("blina toxicity", "blinatumomab"),
        ("cns3 treatment", "CNS-3"),
    ],
)
def test_abbreviations_are_expanded(query: str, expected: str) -> None:
    expanded = expand_abbreviations(query)
    assert expanded.startswith(query)
    assert expected in expanded


def test_expansion_leaves_plain_queries_alone_and_is_injectable() -> None:
    assert expand_abbreviations("testicular radiation dose") == "testicular radiation dose"
    assert no_expansion("Ph+") == "Ph+"
    assert (
        expand_abbreviations("Ph+ disease", {r"\bdisease\b": "illness"}) == "Ph+ disease (illness)"
    )
    assert "Ph-like" in expand_abbreviations("Ph-like ALL")
    assert "Ph-negative" not in expand_abbreviations("Ph-like ALL")


def test_clinical_tokens_keep_compounds_and_parts() -> None:
    tokens = clinical_tokens("CNS-3 with BCR-ABL1 and CD10+ T315I")
    for token in ("cns-3", "cns", "3", "bcr-abl1", "bcr", "abl1", "cd10+", "t315i"):
        assert token in tokens
    assert "with" not in tokens and "and" not in tokens
