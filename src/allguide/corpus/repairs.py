"""Text repairs the guideline itself proves: lost symbols, superscripts, displaced labels.

Every repair is one row of a table (name, pattern, replacement, the evidence in the text) so
the list is explicit, testable and reported in the ingest summary. Citation numbers are
removed by `strip_citations`, which never touches the words around them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from allguide.corpus.pages import Tally


@dataclass(frozen=True)
class Repair:
    """A regex substitution with the reason the guideline text justifies it."""

    name: str
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]
    evidence: str

    def apply(self, text: str, tally: Tally) -> str:
        new, n = self.pattern.subn(self.replacement, text)
        tally.add(self.name, n)
        return new


def _r(
    name: str, pattern: str, replacement: str | Callable[[re.Match[str]], str], evidence: str
) -> Repair:
    return Repair(name, re.compile(pattern), replacement, evidence)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_of_ten(match: re.Match[str]) -> str:
    """'10' followed by the exponent captured in the match's last non-empty group."""
    exponent = next(g for g in reversed(match.groups()) if g)
    return "10" + exponent.translate(_SUPERSCRIPT)


# Repairs of the algorithm pages (ALL-1 … ALL-F), whose symbols and superscripts were lost.
ALGORITHM_REPAIRS: tuple[Repair, ...] = (
    _r(
        "ge_cns3_wbc",
        r"\bWBC (5/mcL in CSF)",
        r"WBC ≥\1",
        "CNS-2 is 'WBC <5/mcL', so CNS-3 (and the traumatic-tap rule) is WBC ≥5/mcL",
    ),
    _r(
        "mrd_threshold_exponent",
        r"<1 × 10\s+\(<0\.01%\)",
        "<1 × 10⁻⁴ (<0.01%)",
        "(<0.01%) is 1 × 10⁻⁴; the stray '-4' superscript sits beside it",
    ),
    _r(
        "ge_marrow_blasts",
        r"demonstration of (20% bone marrow)",
        r"demonstration of ≥\1",
        "Discussion: 'demonstration of 20% or greater bone marrow lymphoblasts'",
    ),
    _r(
        "mnc_flow_exponent",
        r"at least 1 × 10 (MNCs\s+for analysis)",
        r"at least 1 × 10⁶ \1",
        "Discussion: 'At least 1 × 106 MNCs are required for analysis'",
    ),
    _r(
        "mnc_pcr_exponent",
        r"at least 1 × 10 (MNCs for initial)",
        r"at least 1 × 10⁷ \1",
        "Discussion: 'At least 1 × 107 MNCs are required for initial marker characterization'",
    ),
    _r(
        "mnc_followup_exponent",
        r"1 × 10 (MNCs are sufficient)",
        r"1 × 10⁶ \1",
        "Discussion: '1 × 106 MNCs are sufficient for follow-up analysis'",
    ),
    _r(
        "high_wbc_threshold",
        r"\( ?30 x 10 /L for B lineage or 100 x 10 /L for T lineage\)",
        "(≥30 × 10⁹/L for B lineage or ≥100 × 10⁹/L for T lineage)",
        "Discussion: standard risk is 'WBC count less than 30 × 109/L for B-cell lineage ALL "
        "or less than 100 × 109/L for T-cell'; the stray '9 9' superscripts sit beside it",
    ),
    _r(
        "ge_age_40",
        r"\baged (40 (?:y|years)\b)",
        r"aged ≥\1",
        "Discussion: 'Adult Patients (Age ≥40 Years)'; AYA are aged 15–39",
    ),
    _r(
        "ge_age_65",
        r"\bPatients (65\s+years\s+of\s+age)",
        r"Patients ≥\1",
        "the other branch of the same node is 'Patients <65 years of age'",
    ),
    _r(
        "le_age_21",
        r"\bage(d?) (21 y)\b",
        r"age\1 ≤\2",
        "Discussion: clofarabine is approved for 'pediatric patients (aged 1–21 years)'",
    ),
    _r(
        "le_bilirubin",
        r"For direct bilirubin (3\.0 mg/dL)",
        r"For direct bilirubin ≤\1",
        "the next rule starts at 'direct bilirubin 3.1–5.0 mg/dL'",
    ),
    _r(
        "ge_vsli_therapies",
        r"progression after (2 therapies)",
        r"progression after ≥\1",
        "Discussion: VSLI is for disease that 'progressed after 2 or more therapies'",
    ),
    _r(
        "displaced_cns_remission_ref",
        r"CNS-1 status \( in a",
        "CNS-1 status (see ALL-C) in a",
        "the parenthesis' text 'see ALL-C)' was extracted on a line of its own",
    ),
    _r(
        "displaced_bcr_abl1_subtype",
        r"t\(9;22\)\(q34;q11\.2\)\[ \]",
        "t(9;22)(q34;q11.2)[BCR-ABL1]",
        "Discussion: 't(9;22)(q34;q11.2), BCR-ABL1'; the label was extracted apart",
    ),
    _r(
        "displaced_bcr_abl_example",
        r"\(eg, \)\. (Other fusions that describe Ph-like ALL)BCR-ABL",
        r"(eg, BCR-ABL). \1",
        "the italic 'BCR-ABL' was extracted after the sentence",
    ),
    _r(
        "displaced_bcr_abl1_mrd",
        r"fusion genes \(eg, \)",
        "fusion genes (eg, BCR-ABL1)",
        "the italic 'BCR-ABL1' was extracted on a line of its own on the same page",
    ),
    _r(
        "displaced_bcr_abl1_phenotype",
        r"t\(9;22\)\(q34;q11\.2\); :",
        "t(9;22)(q34;q11.2); BCR-ABL1:",
        "the other rows read 'translocation; gene: markers'; 'BCR-ABL1' sits below the table",
    ),
    _r(
        "displaced_abl_testing",
        r"\bConsider gene mutation testing",
        "Consider ABL gene mutation testing",
        "Discussion: 'Mutation testing for the ABL gene should be considered'",
    ),
    _r(
        "glued_footnote_cr",
        r"\bCRp\b",
        "CR",
        "on the algorithm pages 'CRp' is 'CR' with footnote p (See Response Criteria)",
    ),
)

# Repairs of the Discussion, where superscripts were flattened into the line.
DISCUSSION_REPAIRS: tuple[Repair, ...] = (
    _r("times_sign", r"(?<=\d) [xX] (?=10)", " × ", "'1 X 10-4' is the multiplication sign"),
    _r(
        "negative_exponent",
        r"(?:(?<=× )|(?<=\bof )|(?<=\bthan )|(?<=\())10(-[1-9])(?!\d)",
        _power_of_ten,
        "MRD levels: '1 × 10-4 (<0.01%)' is 1 × 10⁻⁴",
    ),
    _r(
        "unit_exponent",
        r"(?<=× )10([6-9])(?= ?(?:/L|MNCs?\b))",
        _power_of_ten,
        "'30 × 109/L', '1 × 106 MNCs' are powers of ten",
    ),
    _r(
        "cell_count_exponent",
        r"up to 1010 malignant",
        "up to 10¹⁰ malignant",
        "'a large number of leukemic cells … up to 1010' is 10¹⁰",
    ),
)


def apply_repairs(text: str, repairs: tuple[Repair, ...], tally: Tally) -> str:
    """Apply each repair in order."""
    for repair in repairs:
        text = repair.apply(text, tally)
    return text


_CITE = r"\d{1,3}(?:[,–-]\d{1,3})*"
_CITATIONS = (
    # after sentence punctuation that follows a word, %, ) or superscript: "adults.1,6 "
    re.compile(rf"(?<=[A-Za-z%)\]’”⁰¹²³⁴⁵⁶⁷⁸⁹])([.,;:])({_CITE})(?=\s|$)"),
    # after 'interleukin-6.': a hyphenated number followed by a full stop
    re.compile(rf"(?<=[a-z]-\d)(\.)({_CITE})(?=\s|$)"),
    # after a year that ends a sentence: "estimated in 2015.3 The median"
    re.compile(rf"(?<=\b(?:19|20)\d\d)(\.)({_CITE})(?=\s+[A-Z])"),
)
# glued to the word before: "et al35", "expression1,23,24,31", "ALL51,52 and", "55.8%19 (see"
_ATTACHED = (
    re.compile(rf"\b([a-z]{{2,}}|ALL)({_CITE})(?=[\s.,;)]|$)"),
    re.compile(rf"(%)({_CITE})(?=\s)"),
)


def strip_citations(text: str, tally: Tally) -> str:
    """Remove inline reference numbers (flattened superscripts) and nothing else."""
    for pattern in _CITATIONS:
        text, n = pattern.subn(r"\1", text)
        tally.add("citation_numbers", n)
    for pattern in _ATTACHED:
        text, n = pattern.subn(r"\1", text)
        tally.add("citation_numbers", n)
    return text
