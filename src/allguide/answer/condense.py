"""Turn an elliptical follow-up plus history into a standalone query (offline, deterministic).

"And for adults?" after "Second-line options for an AYA with relapsed Ph-negative ALL?" becomes
"And for adults? Second-line options for an with relapsed Ph-negative ALL?": the earlier
question is carried along with its topic, drugs and mutations, minus whatever the follow-up
replaces (here the population: AYA → adults). A question that stands on its own is kept as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from allguide.answer.route import MUTATION
from allguide.text import DRUG_NAMES
from allguide.types import Message

# Slots a follow-up can replace; each pattern finds the slot's value in a question.
SLOTS: dict[str, re.Pattern[str]] = {
    "population": re.compile(
        r"\b(?:AYAs?|adolescents?(?: and young adults?)?|young adults?|adults?|children|kids?|"
        r"child|pediatric|paediatric|infants?|older(?: adults?| patients)?|elderly|"
        r"(?:patients? )?(?:aged |age )?(?:≥|>=|<|≤)?\s?\d{2}\+?(?: years?(?: old)?| y| or older|"
        r" and (?:under|older))|youngest ones)\b",
        re.IGNORECASE,
    ),
    # The spelled-out forms first: "Ph-" alone would leave "negative" of "Ph-negative" behind.
    "ph": re.compile(r"\bPh-(?:positive|negative|like)\b|\bPh\s?[+−-](?!like)", re.I),
    "mutation": MUTATION,
    "cns_class": re.compile(r"\bCNS-?[123]\b", re.I),
    "response": re.compile(r"\b(?:CRi|CRu|CR|PR|PD|NR|progression|relapse)\b"),
    "assay": re.compile(r"\b(?:flow(?: cytometry)?|RQ-PCR|PCR|NGS)\b", re.I),
    "drug": DRUG_NAMES,
}
_LEADING = re.compile(
    r"^(?:and|but|also|so|ok(?:ay)?|then|what about|how about|what if|and what about|and for|"
    r"and in|and with)\b[\s,]*",
    re.I,
)
_PRONOUN = re.compile(r"\b(?:it|its|that|this|those|these|they|them|there|same|one|ones)\b", re.I)
_CONTENT = re.compile(r"[A-Za-z][A-Za-z0-9+\-]{3,}")
_FOLLOWUP_STOP = frozenset(
    "what about how does that this with then also used when should which does apply approved "
    "compared other ones those they them more most after before first".split()
)


_DEFINITE = re.compile(
    r"\b(?:the|that|this)(?:\s+\w+){0,3}?\s+(?:study|trial|drug|agent|regimen|construct|test)\b",
    re.I,
)


def is_followup(question: str) -> bool:
    """Leaning on the context: a leading 'and/what about', a pronoun or 'the study' with few
    words, or next to no words of its own. A short self-contained question is not one."""
    words = [w for w in _CONTENT.findall(question) if w.lower() not in _FOLLOWUP_STOP]
    if _LEADING.match(question.strip()):
        return True
    leaning = bool(_PRONOUN.search(question) or _DEFINITE.search(question))
    return len(words) <= 1 or (leaning and len(words) <= 6)


def condense(question: str, history: Sequence[Message]) -> str:
    """A standalone query for `question` given earlier turns (user turns carry the topic)."""
    previous = [m.content for m in history if m.role == "user" and m.content.strip()]
    if not previous or not is_followup(question):
        return question
    context = previous[-1]
    if len(previous) > 1 and is_followup(context):
        context = f"{context} {previous[-2]}"  # a follow-up of a follow-up: go one turn further
    for pattern in SLOTS.values():
        if pattern.search(question):
            context = pattern.sub(" ", context)
    context = re.sub(r"\s{2,}", " ", context).strip()
    return f"{question.strip()} {context}".strip()
