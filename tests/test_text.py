"""The one sentence splitter: it ends sentences where the guideline does, and nowhere else."""

from __future__ import annotations

import pytest

from allguide.text import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # author initials are not sentence ends; the title after them stays attached
            "Gokbuget N, Hoelzer D. Treatment of adult acute lymphoblastic leukemia. Hematology "
            "Am Soc Hematol Educ Program 2006:133-141.",
            [
                "Gokbuget N, Hoelzer D. Treatment of adult acute lymphoblastic leukemia.",
                "Hematology Am Soc Hematol Educ Program 2006:133-141.",
            ],
        ),
        (
            "Stock W, Douer D, DeAngelo DJ, et al. Prevention and management of toxicities.",
            ["Stock W, Douer D, DeAngelo DJ, et al. Prevention and management of toxicities."],
        ),
        (
            "Triple IT (eg. Methotrexate) is used. Zhang et al. Found mutations. Dasatinib vs. "
            "Imatinib was compared.",
            [
                "Triple IT (eg. Methotrexate) is used.",
                "Zhang et al. Found mutations.",
                "Dasatinib vs. Imatinib was compared.",
            ],
        ),
        (
            "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts. If the CSF ratio is at least "
            "two-fold greater, then it is CNS-3.",
            [
                "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts.",
                "If the CSF ratio is at least two-fold greater, then it is CNS-3.",
            ],
        ),
        (
            "MRD below 0.01% (1 × 10⁻⁴) is negative. Patients in first CR. Then HCT.",
            ["MRD below 0.01% (1 × 10⁻⁴) is negative.", "Patients in first CR.", "Then HCT."],
        ),
        (  # citation markers stay with the sentence they follow; a line break always ends one
            "Testicular dose is 24 Gy. [2] Cranial dose is 18 Gy [all-c-1].\nA new line",
            ["Testicular dose is 24 Gy. [2]", "Cranial dose is 18 Gy [all-c-1].", "A new line"],
        ),
        (
            "eg, methotrexate, cytarabine. lower case goes on",
            ["eg, methotrexate, cytarabine. lower case goes on"],
        ),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert _split(text) == expected


def test_spans_are_trimmed_and_in_order() -> None:
    text = "  One sentence here.   Two sentences here.  "
    spans = split_sentences(text)
    assert spans == sorted(spans)
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
