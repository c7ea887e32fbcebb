"""What kind of question is this? Transparent rules, first match wins (pure).

The kind decides how the offline answer is composed (`answer/compose.py`):

| kind | example | the answer leads with |
|---|---|---|
| `comparison` | "ETP-ALL vs non-ETP ALL outcomes?" | the best unit naming both sides |
| `definition` | "How is CNS-2 status defined?", "What is CRi?" | the unit that defines the term |
| `criteria` | "What are the criteria for CR?" | the whole criteria row or list |
| `quantity` | "How common is ALL in adults?", "What dose…" | a unit stating a number |
| `options` | "Which TKIs are options for F317L?" | a list item, regimen or option |
| `recommendation` | "Should every patient get CNS prophylaxis?" | a recommendation + category |
| `overview` | "What is ALL?", "How is Ph+ ALL treated?" | a short overview, section by section |
| `factoid` | anything else | the best-scoring unit |

A vignette with lab values or mutations goes to the rule tools first (`answer/route.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

QuestionKind = Literal[
    "comparison",
    "definition",
    "criteria",
    "quantity",
    "options",
    "recommendation",
    "overview",
    "factoid",
]


@dataclass(frozen=True)
class Question:
    """The question's kind, the term it asks about (definitions) and the rule that fired."""

    kind: QuestionKind
    term: str = ""
    rule: str = ""


_I = re.I
_COMPARISON = re.compile(
    r"\b(?:compare[sd]?|comparison|difference between|differences? (?:in|of)|differ\w*|versus|"
    r"vs\.?|better than|worse than|compared (?:with|to))\b",
    _I,
)
# "How is CNS-2 status defined?", "What is the definition of X?", "Define X", "What does X
# mean?", "What is meant by X?", "What counts as X?"
_DEFINITION = (
    re.compile(
        r"\bhow (?:is|are|was|were) (?P<term>.+?) (?:defined|characteri[sz]ed|classified)\b", _I
    ),
    re.compile(r"\bdefinitions? (?:of|for) (?P<term>[^?.;,]+)", _I),
    re.compile(r"^\s*(?:please )?define (?P<term>[^?.;,]+)", _I),
    re.compile(r"\bwhat (?:does|do) (?P<term>.+?) (?:mean|stand for|refer to)\b", _I),
    re.compile(r"\bwhat is meant by (?P<term>[^?.;,]+)", _I),
    re.compile(r"\bwhat (?:defines|characteri[sz]es) (?P<term>[^?.;,]+)", _I),
    re.compile(
        r"\b(?:what|which) (?:counts|qualifies|is considered|is classified) as (?P<term>[^?.;,]+)",
        _I,
    ),
    re.compile(r"\bwhat is (?P<term>[^?.;,]+?) defined as\b", _I),
    re.compile(
        r"\bwhen (?:is|are|do we call|does one call) .+? (?:called|considered|classified as|"
        r"labell?ed|termed|declared) (?P<term>[^?.;,]+)",
        _I,
    ),
)
_CRITERIA = (
    re.compile(
        r"\bcriteri(?:a|on) (?:for|of|used for|to (?:define|declare|diagnose)) (?P<term>[^?.;,]+)",
        _I,
    ),
    re.compile(r"\b(?P<term>[\w+\-]+(?: [\w+\-]+){0,3}) criteria\b", _I),
    re.compile(
        r"\bwhat (?:is|are) (?:required|needed) (?:for|to (?:call|declare|define)) "
        r"(?P<term>[^?.;,]+)",
        _I,
    ),
)
_BROAD_TOPIC = re.compile(
    r"^(?:the )?(?:acute lymphoblastic leuk(?:a)?emia|ALL|adult ALL|leuk(?:a)?emia|this disease|"
    r"the disease)(?: \(ALL\))?$",
    _I,
)
_OVERVIEW = re.compile(
    r"\b(?:overview|summar\w+|tell me about|explain|describe|introduc\w+|basics of|"
    r"in general|big picture|key points|main points|what should i know|what do i need to know)\b|"
    r"^\s*how (?:is|are) (?:\w+[ -]?){0,6}(?:diagnosed|treated|managed|staged|worked up|"
    r"monitored|followed)(?: (?:in|for|among) [\w+ -]{1,40})?\s*\??\s*$|"
    r"\bwhat (?:is|are) the (?:treatment|management|approach|workup|work-up|standard of care|"
    r"therapy|therapies|treatments|role)\b(?! (?:dose|duration|rate))|"
    r"\bwhy (?:does|do|is|are) .+ (?:matter|important)\b|\band why\b|"
    r"\bwhat (?:is|are) the (?:risk factors|symptoms|signs|causes|prognosis|outlook|goals)\b|"
    r"\bhow (?:do|does|should) (?:you|we|one|clinicians) (?:treat|manage|approach|diagnose)\b",
    _I,
)
_QUANTITY = re.compile(
    r"\bhow (?:many|much|common|often|frequent\w*|long|soon|likely|high|low|old|large)\b|"
    r"\bwhat (?:percentage|proportion|fraction|share|rate|dose|dosage|age|level|threshold|"
    r"cut-?off|sensitivity|number|duration|frequency|interval|percent)\b|"
    r"\b(?:incidence|prevalence|survival rate|response rate|median|percentage|proportion|"
    r"threshold|cut-?off|how many|frequency of|rates?|dose|doses|Gy|years?|months?|OS|EFS|DFS|"
    r"RFS|survival|outcomes?|results?|efficacy|how well|response)\b",
    _I,
)
_OPTIONS = re.compile(
    r"\b(?:which|what) (?:\w+ ){0,2}(?:drugs?|agents?|TKIs?|regimens?|options?|therapies|"
    r"treatments|tests?|markers?|antigens?|choices|alternatives|studies|trials|methods|"
    r"mutations?|abnormalities|subtypes|factors|toxicities|time ?points)\b|"
    r"\b(?:list|options for|alternatives to|choices for)\b",
    _I,
)
_RECOMMENDATION = re.compile(
    r"\b(?:should|recommend\w*|advis\w+|indicated|preferred|is it (?:ok|safe|reasonable)|"
    r"what to do|what do (?:i|we|you) do|is there a role|when (?:is|are|should)|can .+ be used|"
    r"ought|must)\b",
    _I,
)
_WHAT_IS = re.compile(
    r"^\s*(?:so,? )?what(?:'s| is| are) (?:an? |the )?(?P<term>[^?.;,]+?)\s*\??\s*$", _I
)
_MAX_TERM_WORDS = 5


def classify(question: str) -> Question:
    """The kind of `question` and, for definitions and criteria, the term it asks about."""
    text = " ".join(question.split())
    if _COMPARISON.search(text):
        return Question("comparison", rule="names two things to compare")
    for pattern in _DEFINITION:
        if m := pattern.search(text):
            return Question("definition", _term(m.group("term")), rule="asks how a term is defined")
    for pattern in _CRITERIA:
        if m := pattern.search(text):
            return Question("criteria", _term(m.group("term")), rule="asks for criteria")
    if _OVERVIEW.search(text):
        return Question("overview", rule="asks for an overview")
    what = _WHAT_IS.match(text)
    if what and _BROAD_TOPIC.match(_term(what.group("term"))):
        return Question("overview", "ALL", rule="asks what the disease is")
    if _OPTIONS.search(text):
        return Question("options", rule="asks which options")
    if _QUANTITY.search(text):
        return Question("quantity", rule="asks for a number")
    if _RECOMMENDATION.search(text):
        return Question("recommendation", rule="asks what should be done")
    if what and len(what.group("term").split()) <= _MAX_TERM_WORDS:
        return Question("definition", _term(what.group("term")), rule="asks what a term is")
    return Question("factoid", rule="no other rule matched")


def _term(raw: str) -> str:
    """The asked-about term without articles, 'status'-like fillers and trailing words."""
    term = re.sub(r"^(?:an?|the)\s+", "", raw.strip(), flags=_I)
    term = re.sub(
        r"\s+(?:in (?:ALL|adults|children|the guideline)|according to .+)$", "", term, flags=_I
    )
    return term.strip(" ?.")
