"""The question classifier: transparent rules, one kind per question."""

from __future__ import annotations

import pytest

from allguide.answer.classify import classify


@pytest.mark.parametrize(
    ("question", "kind", "term"),
    [
        ("How is CNS-2 status defined?", "definition", "CNS-2 status"),
        ("What is the definition of complete remission?", "definition", "complete remission"),
        ("What defines CNS-3?", "definition", "CNS-3"),
        ("What is CRi?", "definition", "CRi"),
        ("When is ALL called refractory?", "definition", "refractory"),
        ("What are the criteria for CR?", "criteria", "CR"),
        ("What is acute lymphoblastic leukemia?", "overview", "ALL"),
        ("What is ALL?", "overview", "ALL"),
        ("How is ALL diagnosed?", "overview", ""),
        ("How is Ph-positive ALL treated in adults?", "overview", ""),
        ("Give me an overview of supportive care in ALL", "overview", ""),
        ("What is minimal residual disease and why does it matter?", "overview", ""),
        ("How common is ETP-ALL?", "quantity", ""),
        ("What is the median age at diagnosis?", "quantity", ""),
        ("Which TKIs are options for F317L?", "options", ""),
        ("Should every patient receive CNS prophylaxis?", "recommendation", ""),
        ("How does ETP-ALL compare with non-ETP ALL?", "comparison", ""),
        ("Is lymphoblastic lymphoma the same entity as ALL?", "factoid", ""),
    ],
)
def test_classify(question: str, kind: str, term: str) -> None:
    q = classify(question)
    assert (q.kind, q.term) == (kind, term)
    assert q.rule  # every decision names the rule that made it
