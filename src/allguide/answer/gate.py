"""Should the offline answerer refuse? Pure checks, calibrated on the dev split of
evals/qa.jsonl.

The 2015 text cannot answer nonsense, instructions aimed at the system, general-knowledge
questions, questions about later years, costs or billing, vaccines, other diseases, drugs it
never names, drug doses it never states, or topics far from it. Each check gives the one-line
reason the user sees, in this order:

1. no words at all (emoji, symbols); 1b. written in another language (mostly another script,
"¿"/"¡", or two function words of Spanish, French, German or Portuguese: allguide answers
English, evals/results/scorer.md has the measurement); 2. no word of the question occurs in the
guideline (a keyboard mash, most general knowledge); 3. an instruction to the system ("ignore
previous instructions", "print your system prompt", "you are now…"); 4. a year after 2015; 5.
costs, billing, coverage; 6. topics the guideline never covers (vaccination, pregnancy); 7.
another disease (AML, CML-only care such as treatment-free remission, APL, lymphomas, myeloma,
solid tumors, pneumonia…) named without anything that makes it an ALL question (ALL,
lymphoblastic, Ph+ ALL, Ph-like, CNS-2…; a TKI or MRD alone does not); 8. a drug-like name
(…mab, …nib, …cel, …ase) the text never uses; 9. a dose question whose retrieved passages state
no dose of what is asked ("cranial irradiation of 18 Gy" answers "what cranial RT dose"); 10.
most of the question's words are not the guideline's and nothing in it is ALL-specific; 11. the
question's best cosine similarity to any guideline unit below `similarity_threshold`
(Settings.embedding.refusal_threshold = 0.22, calibrated for MiniLM). On evals/qa.jsonl the
in-scope questions score 0.24–0.90 and clearly off-topic ones (Kubernetes, sourdough)
0.17–0.21; chunk-level similarity separated them worse (in-scope questions went as low as 0.11),
which is why the check uses sentences.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from allguide.text import STOPWORDS

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
    r"\b(?:AML|acute myeloid|acute promyelocytic|APL|CML|chronic myeloid|chronic myelogenous|"
    r"CLL|chronic lymphocytic|(?<!non-)(?<!non )Hodgkin|myeloma|myelodysplastic|MDS|"
    r"myelofibrosis|polycythemia|(?:breast|lung|colon|colorectal|prostate|pancreatic|ovarian|"
    r"cervical|gastric|thyroid|bladder|renal|liver|skin|head and neck) cancer|melanoma|"
    r"glioma|glioblastoma|sarcoma|hepatocellular|solid tumou?rs?|carcinoma|DLBCL|"
    r"diffuse large B-cell lymphoma|"
    r"follicular lymphoma|mantle cell|marginal zone|Waldenstr\w+|T-cell lymphoma|"
    r"B-cell lymphoma|non-Hodgkin lymphoma|treatment-free remission|TFR|chronic phase|"
    r"community-acquired|pneumonia|hypertension|asthma|COPD|heart failure|HIV|diabetes|sepsis)\b",
    re.I,
)
# What makes a question about ALL even when it names another disease or a shared drug.
_ALL_ANCHOR = re.compile(
    r"\bALL\b|\b[BT]-ALL\b|lymphoblast|\bPh[+\- ]|Ph-(?:positive|negative|like)|asparaginase|"
    r"pegaspargase|\bCNS-?\d|Pneumocystis|steroid-induced|\bETP\b|\bMPAL\b|mixed phenotype|"
    r"IKZF1|ikaros",
    re.I,
)
# Words that make a question clinical and ALL-related without naming another disease.
_SOFT_ANCHOR = re.compile(r"\bMRD\b|blinatumomab|\bTKIs?\b|leuk[a]?emi|\bHCT\b|\bCNS\b", re.I)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|prompts?|rules?|"
    r"guidelines?|previous|above|everything|system)\b|"
    r"\b(?:system|hidden|initial|original) (?:prompt|message|instructions?)\b|"
    r"\b(?:print|reveal|show|repeat|output|leak) (?:your|the) (?:\w+ ){0,2}(?:prompt|"
    r"instructions?|configuration|rules)\b|"
    r"\byou are (?:now|no longer)\b|\bpretend (?:to be|you)\b|\bact as\b|\bjailbreak|"
    r"\bDAN\b|developer mode|\bas an ai\b|\broleplay\b|\brole-play\b|"
    r"\b(?:recommend|give|invent|make up) (?:any|a random|whatever) (?:dose|dosing)\b|"
    r"\btell me a (?:joke|story)\b",
    re.I,
)
_LETTER = re.compile(r"[^\W\d_]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_NON_LATIN_SHARE = 0.3  # of a question's letters: Chinese, Cyrillic, Arabic… (not one "α")
_INVERTED_MARK = re.compile(r"[¿¡]")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Function and common words of Spanish, French, German and Portuguese that English clinical
# text does not use as words; two of them mark a question written in another language.
_FOREIGN_WORDS = frozenset(
    "qué cómo cuál cuáles cuándo cuánto cuánta dónde el los las una es por para con se debe "
    "puede pacientes paciente tratamiento enfermedad leucemia según cuando como qual quais "
    "não são doença tratamento chez les des une avec dans quel quelle quels traite traitement "
    "maladie wie wird werden bei und ist für nicht welche behandlung patienten".split()
)
_VOCABULARY_SHARE = 0.5  # below this share of guideline words, an un-anchored question is off
# …unless it is `vocabulary_similarity` close to some unit (Settings.embedding, model-calibrated)
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
    suggest: bool = False  # the nearest sections of the text are worth naming


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
    vocabulary_similarity: float,
) -> GateDecision:
    """The first check that fails, or no refusal.

    `best_similarity` is the best cosine similarity of the question to a guideline unit.
    """
    if not _LETTER.search(question):
        return GateDecision(
            True,
            "The question has no words to look up; ask about the 2015 NCCN ALL guideline in "
            "words (for example: How is CNS-2 status defined?).",
        )
    if _foreign_language(question):
        return GateDecision(
            True,
            "allguide answers questions in English only: the 2015 guideline text and its models "
            "are English, and a question in another language finds the wrong passages. Please "
            "ask in English (for example: How is CNS-2 status defined?).",
        )
    words = content_words(question)
    known = [w for w in words if w in vocabulary]
    if words and not known:
        return GateDecision(
            True,
            "None of the question's words occur in the 2015 NCCN ALL guideline text; allguide "
            "answers questions about acute lymphoblastic leukemia in English.",
        )
    if _INJECTION.search(question):
        return GateDecision(
            True,
            "allguide only answers questions about the 2015 NCCN ALL guideline and does not take "
            "instructions; it never changes its rules, shows its configuration or makes up "
            "doses.",
        )
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
    anchored = _ALL_ANCHOR.search(question) or _SOFT_ANCHOR.search(question)
    share = len(known) / len(words) if words else 1.0
    if share < _VOCABULARY_SHARE and best_similarity < vocabulary_similarity and not anchored:
        return GateDecision(
            True,
            "The question is outside the 2015 NCCN ALL guideline text (most of its words never "
            "occur there); allguide answers questions about acute lymphoblastic leukemia.",
        )
    if best_similarity < similarity_threshold:
        return GateDecision(
            True,
            "The 2015 NCCN ALL guideline text does not appear to address this question.",
            suggest=True,
        )
    return GateDecision(False)


def _foreign_language(question: str) -> bool:
    """Written in another language: mostly letters of another script, Spanish ¿ or ¡, or two
    distinct function words of Spanish, French, German or Portuguese."""
    letters = _LETTER.findall(question)
    other_script = sum(1 for ch in letters if not _LATIN_LETTER.match(ch))
    if letters and other_script / len(letters) >= _NON_LATIN_SHARE:
        return True
    if _INVERTED_MARK.search(question):
        return True
    tokens = {t.lower() for t in _TOKEN.findall(question)}
    parts = {p for t in tokens for p in re.split(r"['’-]", t)}  # traite-t-on, l'adulte
    return len((tokens | parts) & _FOREIGN_WORDS) >= 2


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
