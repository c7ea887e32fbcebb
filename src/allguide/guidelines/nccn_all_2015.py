"""The 2015 NCCN ALL guideline as a `Guideline` profile: its citation, layout and vocabulary.

This is data, not logic. The journal pages come from the text's own cross-references ("see
ALL-1, page 1242", "ALL-7, page 1248", "ALL-A, page 1249", "ALL-D 3 of 4, page 1254",
"ALL-F, page 1257", "Cytogenetic and Molecular Subtypes, page 1260") and the citation line
"J Natl Compr Canc Netw 2015;13:1240–1279". `corpus/documents.toml` selects this profile for
`nccn-all-2015.txt`; nothing is inferred from the text.
"""

from __future__ import annotations

import re

from allguide.corpus.layout import PageLayout, TableRows, Topic, mark, topic
from allguide.guidelines.profile import Guideline
from allguide.retrieval.expand import ABBREVIATIONS

# In page order; a mark only fires after the marks before it, so flowchart labels that merely
# name a later page ("Ph+ ALL (AYA)" on the workup page) do not open it.
_ALGORITHM_SECTIONS = (
    mark(r"^Clinical trials: NCCN believes", "ALL-1", "Diagnosis", 1242),
    mark(r"^WORKUP", "ALL-2", "Workup and risk stratification", 1243),
    mark(r"^TREATMENT INDUCTION", "ALL-3", "Ph-positive ALL (AYA): treatment", 1244),
    mark(r"^Ph\+ ALL \(Adult\) \(aged", "ALL-4", "Ph-positive ALL (adult): treatment", 1245),
    mark(r"^Ph- ALL \(AYA\) \(aged", "ALL-5", "Ph-negative ALL (AYA): treatment", 1246),
    mark(
        r"^Patients <65 years of age or patients with no",
        "ALL-6",
        "Ph-negative ALL (adult): treatment",
        1247,
    ),
    mark(r"^SURVEILLANCE", "ALL-7", "Surveillance and relapsed/refractory disease", 1248),
    mark(
        r"^TREATMENT TYPICAL IMMUNOPHENOTYPE|^TYPICAL IMMUNOPHENOTYPE",
        "ALL-A",
        "Typical immunophenotype by major ALL subtypes",
        1249,
    ),
    mark(r"^Best supportive care", "ALL-B", "Supportive care", 1250),
    mark(
        r"^There are two formulations of asparaginase",
        "ALL-B",
        "Supportive care: asparaginase toxicity management",
        1251,
    ),
    mark(
        r"^EVALUATION AND TREATMENT OF EXTRAMEDULLARY",
        "ALL-C",
        "Evaluation and treatment of extramedullary involvement",
        1252,
    ),
    mark(r"^PRINCIPLES OF CHEMOTHERAPY", "ALL-D", "Principles of chemotherapy", 1253),
    mark(
        r"^Dasatinib Nilotinib",
        "ALL-D",
        "Principles of chemotherapy: relapsed/refractory disease",
        1254,
    ),
    mark(r"^RESPONSE CRITERIA", "ALL-E", "Response criteria", 1256),
    mark(
        r"^MINIMAL RESIDUAL DISEASE ASSESSMENT",
        "ALL-F",
        "Minimal residual disease assessment",
        1257,
    ),
)

# The extraction's front pages: the Overview column (1240), its sidebar boxes (1240), the
# Overview's continuation (1241). The Discussion resumes on 1258 ("Text cont. from page 1241").
_FRONT_PAGES = (1240, 1240, 1241)
_DISCUSSION_FIRST_PAGE = 1258

_FRONT_SECTIONS = {
    "Overview": "Discussion › Overview",
    "Abstract": "Abstract",
    "NCCN Categories of Evidence and Consensus": "NCCN Categories of Evidence and Consensus",
    "Please Note": "Please Note",
    "Disclosures for the NCCN Acute Lymphoblastic": "Disclosures",
    "Leukemia Panel": "Disclosures",
}

_FURNITURE = re.compile(
    r"^\s*(?:(?:ALL-[0-9A-F]\s*)+|\d? ?(?:and )?\d* ?of \d|NCCN Clinical Practice Guidelines in"
    r" Oncology|Text cont\. from page \d+\.)\s*$"
)

_TABLES = (
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

_PH_POS = r"(?:Ph\s?\+|Ph-positive|Philadelphia[- ](?:chromosome[- ])?positive|BCR-ABL)"
_PH_NEG = r"(?:Ph\s?-(?!like)|Ph-negative|Philadelphia[- ](?:chromosome[- ])?negative)"
_RELAPSE = r"(?:relaps\w*|refractory|second-line|salvage)"
# First match wins: the more specific topics come first.
_TOPICS: tuple[Topic, ...] = (
    topic(
        rf"{_RELAPSE}.*{_PH_POS}|{_PH_POS}.*{_RELAPSE}",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
        "Discussion › Treatment of Relapsed Ph-Positive ALL",
    ),
    topic(
        rf"{_RELAPSE}.*{_PH_NEG}|{_PH_NEG}.*{_RELAPSE}",
        "Discussion › NCCN Recommendations for Ph-Negative ALL",
        "Discussion › Treatment of Relapsed Ph-Negative ALL",
    ),
    topic(
        _RELAPSE,
        "ALL-7",
        "Discussion › NCCN Recommendations for Ph-Negative ALL",
        "Discussion › NCCN Recommendations for Ph-Positive ALL",
    ),
    # Transplant is discussed throughout: an overview follows retrieval, not a section.
    topic(r"transplant|\bHCT\b|\bSCT\b|\bBMT\b|stem cell"),
    topic(r"\bMRD\b|minimal residual", "Discussion › Role of MRD Evaluation", "ALL-F"),
    topic(_PH_POS, "ALL-3", "ALL-4", "Discussion › NCCN Recommendations for Ph-Positive ALL"),
    topic(_PH_NEG, "ALL-5", "ALL-6", "Discussion › NCCN Recommendations for Ph-Negative ALL"),
    topic(r"\bCNS\b|central nervous|intrathecal|extramedullary|testicular", "ALL-C"),
    topic(r"supportive care|infection|transfusion|toxicit|asparaginase|tumor lysis", "ALL-B"),
    topic(
        r"immunophenotyp|flow cytometr|\bmarkers?\b|\bantigens?\b", "Discussion › Immunophenotyping"
    ),
    topic(
        r"cytogenetic|molecular|genetic|risk group|karyotyp|chromosom|prognos",
        "Discussion › Cytogenetic and Molecular Subtypes",
        "ALL-1",
    ),
    topic(
        r"diagnos|work-?up|present\w*|symptoms?|signs",
        "Discussion › Clinical Presentation and Diagnosis",
        "ALL-1",
        "ALL-2",
    ),
    topic(r"surveillance|follow-?up|after (?:completion of )?(?:therapy|treatment)", "ALL-7"),
    topic(r"response criteria|response assessment", "ALL-E"),
    topic(r"regimens?|chemotherapy", "ALL-D"),
    topic(r"\btreat\w*|\btherap\w*|\bmanag\w*", "Discussion › Overview", "ALL-D"),
    topic(
        r"risk factors?|epidemiolog|incidence|how common|surviv|outcomes?|\bwhat is (?:ALL|acute "
        r"lymphoblastic)|\babout (?:ALL|acute lymphoblastic)|\bALL\b",
        "Discussion › Overview",
    ),
)

LAYOUT = PageLayout(
    algorithm_start=re.compile(r"^ Clinical trials: NCCN believes"),
    discussion_start=re.compile(r"^ ?Text cont\. from page \d+\."),
    algorithm_sections=_ALGORITHM_SECTIONS,
    front_pages=_FRONT_PAGES,
    discussion_first_page=_DISCUSSION_FIRST_PAGE,
    front_sections=_FRONT_SECTIONS,
    furniture=_FURNITURE,
    displaced_labels=frozenset({"BCR-ABL1", "BCR-ABL", "ABL", "see ALL-C)", "Al"}),
    tables=_TABLES,
    boilerplate_sections=frozenset({"Please Note", "Disclosures"}),
)

NCCN_ALL_2015 = Guideline(
    id="nccn-all-2015",
    title=(
        "NCCN Clinical Practice Guidelines in Oncology: Acute Lymphoblastic Leukemia, Version 2015"
    ),
    name="2015 NCCN ALL guideline",
    long_name=(
        "2015 NCCN Clinical Practice Guidelines in Oncology for Acute Lymphoblastic Leukemia (ALL)"
    ),
    edition="Version 2015",
    year=2015,
    citation="J Natl Compr Canc Netw 2015;13:1240–1279",
    note=(
        "Based on the 2015 NCCN ALL guideline text; recommendations may have changed — "
        "check the current version."
    ),
    layout=LAYOUT,
    topics=_TOPICS,
    abbreviations=ABBREVIATIONS,
    rules=(
        "cns_status",
        "response",
        "cns_response",
        "mediastinal_response",
        "mrd_status",
        "tki_by_mutation",
    ),
)
