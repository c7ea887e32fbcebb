"""Where things are in the 2015 NCCN ALL extraction: regions, journal pages, algorithm sections.

This is data, not logic: the page numbers come from the text's own cross-references
("see ALL-1, page 1242", "ALL-7, page 1248", "ALL-A, page 1249", "ALL-D 3 of 4, page 1254",
"ALL-F, page 1257", "Cytogenetic and Molecular Subtypes, page 1260") and the citation line
"J Natl Compr Canc Netw 2015;13:1240–1279".
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SectionMark:
    """A paragraph start that opens a section of the algorithm pages."""

    pattern: re.Pattern[str]
    section: str
    title: str
    page: int


def _m(pattern: str, section: str, title: str, page: int) -> SectionMark:
    return SectionMark(re.compile(pattern), section, title, page)


# In page order; a mark only fires after the marks before it, so flowchart labels that merely
# name a later page ("Ph+ ALL (AYA)" on the workup page) do not open it.
ALGORITHM_SECTIONS: tuple[SectionMark, ...] = (
    _m(r"^Clinical trials: NCCN believes", "ALL-1", "Diagnosis", 1242),
    _m(r"^WORKUP", "ALL-2", "Workup and risk stratification", 1243),
    _m(r"^TREATMENT INDUCTION", "ALL-3", "Ph-positive ALL (AYA): treatment", 1244),
    _m(r"^Ph\+ ALL \(Adult\) \(aged", "ALL-4", "Ph-positive ALL (adult): treatment", 1245),
    _m(r"^Ph- ALL \(AYA\) \(aged", "ALL-5", "Ph-negative ALL (AYA): treatment", 1246),
    _m(
        r"^Patients <65 years of age or patients with no",
        "ALL-6",
        "Ph-negative ALL (adult): treatment",
        1247,
    ),
    _m(r"^SURVEILLANCE", "ALL-7", "Surveillance and relapsed/refractory disease", 1248),
    _m(
        r"^TREATMENT TYPICAL IMMUNOPHENOTYPE|^TYPICAL IMMUNOPHENOTYPE",
        "ALL-A",
        "Typical immunophenotype by major ALL subtypes",
        1249,
    ),
    _m(r"^Best supportive care", "ALL-B", "Supportive care", 1250),
    _m(
        r"^There are two formulations of asparaginase",
        "ALL-B",
        "Supportive care: asparaginase toxicity management",
        1251,
    ),
    _m(
        r"^EVALUATION AND TREATMENT OF EXTRAMEDULLARY",
        "ALL-C",
        "Evaluation and treatment of extramedullary involvement",
        1252,
    ),
    _m(r"^PRINCIPLES OF CHEMOTHERAPY", "ALL-D", "Principles of chemotherapy", 1253),
    _m(
        r"^Dasatinib Nilotinib",
        "ALL-D",
        "Principles of chemotherapy: relapsed/refractory disease",
        1254,
    ),
    _m(r"^RESPONSE CRITERIA", "ALL-E", "Response criteria", 1256),
    _m(
        r"^MINIMAL RESIDUAL DISEASE ASSESSMENT",
        "ALL-F",
        "Minimal residual disease assessment",
        1257,
    ),
)

FIRST_PAGE = 1240
# The extraction's front pages: the Overview column (1240), its sidebar boxes (1240), the
# Overview's continuation (1241). The Discussion resumes on 1258 ("Text cont. from page 1241").
FRONT_PAGES = (1240, 1240, 1241)
DISCUSSION_FIRST_PAGE = 1258

FRONT_SECTIONS = {
    "Overview": "Discussion › Overview",
    "Abstract": "Abstract",
    "NCCN Categories of Evidence and Consensus": "NCCN Categories of Evidence and Consensus",
    "Please Note": "Please Note",
    "Disclosures for the NCCN Acute Lymphoblastic": "Disclosures",
    "Leukemia Panel": "Disclosures",
}

_ALGORITHM_START = re.compile(r"^ Clinical trials: NCCN believes")
_DISCUSSION_START = re.compile(r"^ ?Text cont\. from page \d+\.")


def is_nccn_layout(page_first_lines: list[str]) -> bool:
    """True when the pages look like the NCCN ALL journal extraction this profile describes."""
    return any(_ALGORITHM_START.match(x) for x in page_first_lines) and any(
        _DISCUSSION_START.match(x) for x in page_first_lines
    )


def regions(page_first_lines: list[str]) -> list[str]:
    """Region of each page: 'front' before the algorithm, 'algorithm', then 'discussion'."""
    out: list[str] = []
    region = "front"
    for line in page_first_lines:
        if region == "front" and _ALGORITHM_START.match(line):
            region = "algorithm"
        elif _DISCUSSION_START.match(line):
            region = "discussion"
        out.append(region)
    return out


FURNITURE = re.compile(
    r"^\s*(?:(?:ALL-[0-9A-F]\s*)+|\d? ?(?:and )?\d* ?of \d|NCCN Clinical Practice Guidelines in"
    r" Oncology|Text cont\. from page \d+\.)\s*$"
)
DISPLACED_LABELS = frozenset({"BCR-ABL1", "BCR-ABL", "ABL", "see ALL-C)", "Al"})


@dataclass(frozen=True)
class TableRows:
    """A table of the algorithm pages whose rows the extraction flattened into paragraphs.

    `style="row"`: a row is its label, a space and the cell ("CR No circulating blasts …"),
    which may go on over several paragraphs; `style="definition"`: each row is a "label: …"
    line. Answers quote a row whole, under its table heading.
    """

    section: str
    heading: str
    style: str
    labels: tuple[str, ...]


TABLES: tuple[TableRows, ...] = (
    TableRows(
        "ALL-E",
        "Response Criteria for Blood and Bone Marrow",
        "row",
        (
            "CR",
            "CR with incomplete blood count recovery (CRi)",
            "Overall response rate (ORR = CR + CRi)",
            "Refractory disease",
            "Progressive disease (PD)",
            "Relapsed disease",
        ),
    ),
    TableRows(
        "ALL-E", "Response Criteria for CNS Disease", "definition", ("CNS remission", "CNS relapse")
    ),
    TableRows(
        "ALL-E",
        "Response Criteria for Mediastinal Disease",
        "definition",
        ("CR", "CR Unconfirmed (CRu)", "PR", "PD", "No Response (NR)", "Relapse"),
    ),
    TableRows(
        "ALL-C",
        "Classification of CNS status",
        "definition",
        ("CNS-1", "CNS-2", "CNS-3"),
    ),
)


@dataclass(frozen=True)
class Topic:
    """The sections a broad question about a topic maps to, in the order an overview reads."""

    pattern: re.Pattern[str]
    sections: tuple[str, ...]


def _t(pattern: str, *sections: str) -> Topic:
    return Topic(re.compile(pattern, re.I), sections)


_PH_POS = r"(?:Ph\s?\+|Ph-positive|Philadelphia[- ](?:chromosome[- ])?positive|BCR-ABL)"
_PH_NEG = r"(?:Ph\s?-(?!like)|Ph-negative|Philadelphia[- ](?:chromosome[- ])?negative)"
_RELAPSE = r"(?:relaps\w*|refractory|second-line|salvage)"
# First match wins: the more specific topics come first.
TOPICS: tuple[Topic, ...] = (
    _t(
        rf"{_RELAPSE}.*{_PH_POS}|{_PH_POS}.*{_RELAPSE}",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
        "Discussion › Treatment of Relapsed Ph-Positive ALL",
    ),
    _t(
        rf"{_RELAPSE}.*{_PH_NEG}|{_PH_NEG}.*{_RELAPSE}",
        "Discussion › NCCN Recommendations for Ph-Negative ALL",
        "Discussion › Treatment of Relapsed Ph-Negative ALL",
    ),
    _t(
        _RELAPSE,
        "ALL-7",
        "Discussion › NCCN Recommendations for Ph-Negative ALL",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
    ),
    # Transplant is discussed throughout: an overview follows retrieval, not a section.
    _t(r"transplant|\bHCT\b|\bSCT\b|\bBMT\b|stem cell"),
    _t(r"\bMRD\b|minimal residual", "Discussion › Role of MRD Evaluation", "ALL-F"),
    _t(_PH_POS, "ALL-3", "ALL-4", "Discussion › NCCN Recommendations for Ph-Positive ALL"),
    _t(_PH_NEG, "ALL-5", "ALL-6", "Discussion › NCCN Recommendations for Ph-Negative ALL"),
    _t(r"\bCNS\b|central nervous|intrathecal|extramedullary|testicular", "ALL-C"),
    _t(r"supportive care|infection|transfusion|toxicit|asparaginase|tumor lysis", "ALL-B"),
    _t(
        r"immunophenotyp|flow cytometr|\bmarkers?\b|\bantigens?\b", "Discussion › Immunophenotyping"
    ),
    _t(
        r"cytogenetic|molecular|genetic|risk group|karyotyp|chromosom|prognos",
        "Discussion › Cytogenetic and Molecular Subtypes",
        "ALL-1",
    ),
    _t(
        r"diagnos|work-?up|present\w*|symptoms?|signs",
        "Discussion › Clinical Presentation and Diagnosis",
        "ALL-1",
        "ALL-2",
    ),
    _t(r"surveillance|follow-?up|after (?:completion of )?(?:therapy|treatment)", "ALL-7"),
    _t(r"response criteria|response assessment", "ALL-E"),
    _t(r"regimens?|chemotherapy", "ALL-D"),
    _t(r"\btreat\w*|\btherap\w*|\bmanag\w*", "Discussion › Overview", "ALL-D"),
    _t(
        r"risk factors?|epidemiolog|incidence|how common|surviv|outcomes?|\bwhat is (?:ALL|acute "
        r"lymphoblastic)|\babout (?:ALL|acute lymphoblastic)|\bALL\b",
        "Discussion › Overview",
    ),
)


def topic_sections(question: str) -> tuple[str, ...]:
    """The sections of the first topic the question names (empty when none)."""
    for topic in TOPICS:
        if topic.pattern.search(question):
            return topic.sections
    return ()
