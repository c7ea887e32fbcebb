"""Should the offline answerer refuse? Pure checks, calibrated on evals/qa.jsonl.

The 2015 text cannot answer questions about later years, costs or billing, vaccines, other
diseases, drugs it never names, drug doses it never states, or topics far from it. Each check
gives the one-line reason the user sees, in this order:

1. a year after 2015; 2. costs, billing, coverage; 3. topics the guideline never covers
(vaccination, pregnancy); 4. another disease (AML, Hodgkin lymphoma, solid tumors, pneumonia…)
named without anything ALL-specific; 5. a drug-like name (…mab, …nib, …cel, …ase) the text
never uses; 6. a dose question whose retrieved passages state no dose of what is asked
("cranial irradiation of 18 Gy" answers "what cranial RT dose"); 7. the question's best cosine
similarity to any guideline *sentence* below `similarity_threshold`
(Settings.answer.refusal_threshold = 0.22). On evals/qa.jsonl the in-scope questions score
0.24–0.90 and clearly off-topic ones (Kubernetes, sourdough) 0.17–0.21; chunk-level
similarity separated them worse (in-scope questions went as low as 0.11), which is why the
check uses sentences.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from allguide.retrieval.lexical import STOPWORDS

_LATER_YEAR = re.compile(r"\b(201[6-9]|20[2-9]\d)\b")
_MONEY = re.compile(
    r"\b(?:costs?|price[sd]?|pricing|reimburs\w*|billing|bill(?:ed)?|CPT|ICD-?(?:9|10)|"
    r"insurance|copay\w*|out-of-pocket)\b",
    re.I,
)
_DOSE_QUESTION = re.compile(
    r"(?<![-\w])(?:doses?|dosing|dosage)\b(?!-)|\bhow (?:many|much) (?:mg|milligrams?|units?)\b|"
    r"\bmg/(?:m2|m²|kg)\b|\bmg per\b",
    re.I,
)
_NEVER_COVERED = re.compile(
    r"\b(?:vaccin\w*|immuni[sz]ation|COVID(?:-19)?|SARS-CoV-2|influenza|pregnan\w*|gestational|"
    r"breast-?feeding|lactation|fertility preservation|recipes?)\b",
    re.I,
)
_OTHER_DISEASE = re.compile(
    r"\b(?:AML|acute myeloid|CML|chronic myeloid|CLL|chronic lymphocytic|(?<!non-)(?<!non )"
    r"Hodgkin|myeloma|myelodysplastic|MDS|myelofibrosis|(?:breast|lung|colon|colorectal|prostate|"
    r"pancreatic|ovarian|cervical|gastric|thyroid|bladder|renal|liver|skin) cancer|melanoma|"
    r"glioma|glioblastoma|sarcoma|hepatocellular|community-acquired|pneumonia|hypertension|asthma|"
    r"COPD|heart failure|HIV)\b",
    re.I,
)
_ALL_ANCHOR = re.compile(
    r"\bALL\b|lymphoblast|\bPh[+\- ]|Ph-(?:positive|negative|like)|asparaginase|pegaspargase|"
    r"\bCNS-?\d|\bMRD\b|Pneumocystis|steroid-induced|blinatumomab|\bTKIs?\b",
    re.I,
)
_DRUG_LIKE = re.compile(
    r"\b[a-z]{4,}(?:mab|nib|cel|ase|stat|limus|parin|cillin|mycin|platin|taxel|rubicin|"
    r"ciclib|lisib|tide|sertib|rafenib)\b",
    re.I,
)
_DOSE_STATEMENT = re.compile(r"\d+(?:\.\d+)?\s*(?:mg|Gy|g/m|units?|IU|mcg|µg)\b")
_DOSE_WORDS = frozenset(
    "dose doses dosing dosage daily day per many much mg milligrams should receive given give "
    "used use adult adults patient patients cycle kg recommended what which how".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")


@dataclass(frozen=True)
class GateDecision:
    """Refuse or not, with the reason shown to the user."""

    refuse: bool
    reason: str = ""


def content_words(text: str) -> list[str]:
    """Lower-case words of 3+ letters that are not stopwords."""
    return [w.lower() for w in _WORD.findall(text) if len(w) >= 3 and w.lower() not in STOPWORDS]


def decide(
    question: str,
    *,
    best_similarity: float,
    passages: Sequence[str],
    vocabulary: Collection[str],
    similarity_threshold: float,
) -> GateDecision:
    """The first check that fails, or no refusal.

    `best_similarity` is the best cosine similarity of the question to a guideline sentence.
    """
    year = _LATER_YEAR.search(question)
    if year:
        return GateDecision(
            True,
            f"The question is about {year.group(1)}, after this 2015 guideline text; "
            "allguide cannot speak to later events or approvals.",
        )
    if _MONEY.search(question):
        return GateDecision(True, "Costs, billing and coverage are not part of the guideline text.")
    topic = _NEVER_COVERED.search(question)
    if topic:
        return GateDecision(
            True, f"The 2015 NCCN ALL guideline text says nothing about {topic.group(0)}."
        )
    disease = _OTHER_DISEASE.search(question)
    if disease and not _ALL_ANCHOR.search(question):
        return GateDecision(
            True,
            f"allguide covers only acute lymphoblastic leukemia; {disease.group(0)} is outside "
            "the 2015 NCCN ALL guideline.",
        )
    unknown_drugs = [
        m.group(0) for m in _DRUG_LIKE.finditer(question) if m.group(0).lower() not in vocabulary
    ]
    if unknown_drugs:
        return GateDecision(
            True, f"The 2015 NCCN ALL guideline text does not mention {unknown_drugs[0]}."
        )
    if _DOSE_QUESTION.search(question) and not _dose_stated(question, passages):
        return GateDecision(
            True,
            "The 2015 guideline text does not state this dose; allguide will not supply one "
            "(see the regimen's protocol or prescribing information).",
        )
    if best_similarity < similarity_threshold:
        return GateDecision(
            True, "The 2015 NCCN ALL guideline text does not appear to address this question."
        )
    return GateDecision(False)


def _dose_stated(question: str, passages: Sequence[str]) -> bool:
    """A retrieved passage states a dose right after naming what the question asks about
    ("cranial irradiation of 18 Gy", "Testicular total dose should be 24 Gy")."""
    subject = {w for w in content_words(question) if w not in _DOSE_WORDS}
    for passage in passages:
        for dose in _DOSE_STATEMENT.finditer(passage):
            window = passage[max(0, dose.start() - 60) : dose.start()]
            if subject & set(content_words(window)):
                return True
    return False
