"""Reference questions: the section that answers each must be among the top 5 passages."""

from __future__ import annotations

import pytest

from allguide.assistant import Assistant

REFERENCE = [
    ("What is the definition of CNS-2?", "ALL-C"),
    (
        "How is the CNS classified after a traumatic lumbar puncture with blasts in the blood?",
        "ALL-C",
    ),
    ("What radiation dose is given for testicular disease not resolved after induction?", "ALL-C"),
    ("Response criteria for mediastinal disease: what is CRu?", "ALL-E"),
    ("What platelet and neutrophil counts are required for a complete response?", "ALL-E"),
    ("How is CNS relapse defined?", "ALL-E"),
    ("What is the minimal limit of assay sensitivity to declare MRD negativity?", "ALL-F"),
    ("How many mononuclear cells are needed for MRD by flow cytometry?", "ALL-F"),
    (
        "Which TKI has activity against the T315I mutation?",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
    ),
    (
        "Which mutations make dasatinib an option at relapse?",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
    ),
    ("Typical immunophenotype of ETP T-ALL", "ALL-A"),
    ("Which tests are part of the initial workup of ALL?", "ALL-2"),
    ("What defines good-risk and poor-risk cytogenetics?", "ALL-1"),
    ("How should asparaginase-associated pancreatitis be managed?", "ALL-B"),
    ("When should glucarpidase be considered for methotrexate toxicity?", "ALL-B"),
    ("Antifungal prophylaxis after allogeneic HCT: how long?", "ALL-B"),
    ("Which regimens combine TKIs with hyper-CVAD for induction?", "ALL-D"),
    ("Blinatumomab warnings: cytokine release syndrome and neurotoxicity", "ALL-D"),
    ("How often is follow-up done in the first year of surveillance?", "ALL-7"),
    (
        "What is Ph-like ALL and which pathways are involved?",
        "Discussion › Cytogenetic and Molecular Subtypes",
    ),
    (
        "How frequent are IKZF1 mutations in BCR-ABL positive ALL?",
        "Discussion › Cytogenetic and Molecular Subtypes",
    ),
    ("ETP-ALL outcomes compared with non-ETP T-ALL", "Discussion › Immunophenotyping"),
    (
        "What CR rate did CAR T cells achieve in relapsed B-ALL?",
        "Discussion › Treatment of Relapsed Ph-Negative ALL",
    ),
    (
        "Results of the RALLY study of vincristine sulfate liposome injection",
        "Discussion › Treatment of Relapsed Ph-Negative ALL",
    ),
    (
        "How did MRD at day 19 of induction predict relapse in children?",
        "Discussion › MRD Assessment in Childhood ALL",
    ),
    (
        "MRD after consolidation in adults and the benefit of allogeneic HCT (GMALL)",
        "Discussion › MRD Assessment in Adult ALL",
    ),
    (
        "How many MNCs does RQ-PCR need for initial marker characterization?",
        "Discussion › NCCN Recommendations for MRD Assessment",
    ),
]


@pytest.mark.parametrize(("question", "section"), REFERENCE)
def test_reference_question_finds_its_section(
    assistant: Assistant, question: str, section: str
) -> None:
    sections = [p.section for p in assistant.retrieve(question, 5)]
    assert section in sections, f"{question!r}: got {sections}"


def test_the_three_retrievers_all_work(assistant: Assistant) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        passages = assistant.retrieve("CNS-3 definition", 5, mode=mode)
        assert len(passages) == 5
        assert passages[0].score >= passages[-1].score
    with pytest.raises(ValueError, match="unknown retriever"):
        assistant.retriever.search("x", 3, mode="sparse")  # type: ignore[arg-type]
