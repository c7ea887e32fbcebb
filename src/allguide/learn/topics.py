"""Quiz topics and the guideline sections each one draws recall items from.

A topic gets recall items only from its sections (`in_topic`); `ALL-E` is shared between
`cns` (its "Response Criteria for CNS Disease" table) and `response` (the blood/marrow and
mediastinal tables), told apart by the heading a unit sits under.
"""

from __future__ import annotations

from allguide.errors import BadInputError

TOPICS: tuple[str, ...] = (
    "cns",
    "response",
    "mrd",
    "tki",
    "diagnosis",
    "cytogenetics",
    "relapsed",
    "supportive",
)
TOPIC_LABELS: dict[str, str] = {
    "cns": "CNS status and CNS response",
    "response": "Response criteria (blood, marrow, mediastinum)",
    "mrd": "Minimal residual disease",
    "tki": "TKIs by ABL1 mutation",
    "diagnosis": "Diagnosis and immunophenotype",
    "cytogenetics": "Cytogenetic and molecular risk",
    "relapsed": "Relapsed disease and treatment regimens",
    "supportive": "Supportive care",
}
# topic → (section, heading it must sit under or "" for any); a section may serve one topic
# per heading.
SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "cns": (("ALL-C", ""), ("ALL-E", "Response Criteria for CNS Disease")),
    "response": (
        ("ALL-E", "Response Criteria for Blood and Bone Marrow"),
        ("ALL-E", "Response Criteria for Mediastinal Disease"),
    ),
    "mrd": (
        ("ALL-F", ""),
        ("Discussion › Role of MRD Evaluation", ""),
        ("Discussion › MRD Assessment in Childhood ALL", ""),
        ("Discussion › MRD Assessment in Adult ALL", ""),
        ("Discussion › NCCN Recommendations for MRD Assessment", ""),
    ),
    "tki": (
        ("Discussion › Treatment of Relapsed Ph-Positive ALL", ""),
        ("Discussion › NCCN Recommendations for Ph-Positive ALL", ""),
    ),
    "diagnosis": (
        ("ALL-1", ""),
        ("ALL-A", ""),
        ("Discussion › Clinical Presentation and Diagnosis", ""),
        ("Discussion › Immunophenotyping", ""),
    ),
    "cytogenetics": (
        ("Discussion › Cytogenetic and Molecular Subtypes", ""),
        ("Discussion › Table 1", ""),
        ("ALL-2", ""),
    ),
    "relapsed": (
        ("ALL-D", ""),
        ("Discussion › Treatment of Relapsed Ph-Negative ALL", ""),
        ("Discussion › NCCN Recommendations for Ph-Negative ALL", ""),
    ),
    "supportive": (("ALL-B", ""),),
}

DESCRIPTIVE: frozenset[str] = frozenset({"Discussion › Cytogenetic and Molecular Subtypes"})
"""Discussion sections that describe the disease rather than report studies: their rules and
the frequencies they state ("the most common subtype among adults (25%)") are clozed."""


def in_topic(topic: str, section: str, heading: str) -> bool:
    """Whether a unit of `section`, under `heading`, belongs to `topic`."""
    return any(section == name and heading.startswith(under) for name, under in SECTIONS[topic])


def check_topic(topic: str | None) -> None:
    """Raise `BadInputError` for a topic id not in `TOPICS` (None means every topic)."""
    if topic is not None and topic not in TOPICS:
        raise BadInputError(f"unknown quiz topic {topic!r} (known: {', '.join(TOPICS)})")
