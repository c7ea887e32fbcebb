"""The evaluation dataset (`evals/*.jsonl`): categories, loader and evidence normalization.

The item model (`EvalItem`) and the JSON Lines reader live in `allguide.eval_format`, shared
with `allguide.feedback`; they are re-exported here. Format and category vocabulary are
documented in `evals/README.md` and `docs/design.md`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from allguide.errors import BadInputError
from allguide.eval_format import EvalItem, ExpectTool, Split, parse_jsonl, split_of

__all__ = [
    "CATEGORIES",
    "EvalItem",
    "ExpectTool",
    "Split",
    "load_dataset",
    "normalize_evidence",
    "parse_dataset",
    "parse_jsonl",
    "split_of",
]

CATEGORIES: dict[str, str] = {
    "overview": "broad trainee or patient-education questions answered from a whole section",
    "epidemiology": "overview, incidence, survival, risk factors, categories of evidence",
    "diagnosis": "presentation, diagnostic criteria, workup, lymphoblastic lymphoma",
    "immunophenotype": "flow cytometric subtypes and markers, MPAL",
    "cytogenetics": "cytogenetic and molecular risk groups, WBC risk, Table 1 frequencies",
    "ph_like": "Philadelphia-like (BCR-ABL1-like) ALL",
    "etp": "early T-cell precursor ALL",
    "ikzf1": "Ikaros (IKZF1) alterations",
    "treatment_ph_pos": "frontline treatment of Ph-positive ALL, AYA and adult",
    "treatment_ph_neg": "frontline treatment of Ph-negative ALL, AYA and adult",
    "relapsed_refractory": "relapsed/refractory disease: outcomes and second-line options",
    "tki_mutations": "TKIs and ABL kinase-domain mutations",
    "immunotherapy": "blinatumomab, CAR T cells, inotuzumab ozogamicin",
    "novel_agents": "nelarabine, clofarabine, VSLI and other relapse regimens",
    "hct": "allogeneic and autologous hematopoietic cell transplantation",
    "supportive_care": "infections, asparaginase toxicity, steroids, methotrexate, TPMT",
    "cns": "CNS status, prophylaxis and treatment; testicular disease",
    "response_criteria": "blood/marrow, CNS and mediastinal response definitions",
    "definition": "definitions and criteria: CNS status, response, MRD negativity, subtypes, ages",
    "mrd": "MRD methods, thresholds, timing and study results (childhood and adult)",
    "surveillance": "follow-up after completion of therapy",
    "followup": "elliptical follow-up questions that need the conversation history",
    "vignette": "cases with lab values that need a rule tool",
    "near_miss": "in-scope questions that sound out of scope (CML, lymphoma, other specialties)",
    "out_of_scope": "questions the 2015 ALL guideline does not answer; expect a refusal",
}


def normalize_evidence(text: str) -> str:
    """Fold (NFKC: `10⁻⁴` -> `10-4`), lower-case, keep letters and digits: case, spacing and
    punctuation then do not count, so repairs made by cleaning do not break a match."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def parse_dataset(text: str, *, source: str = "<dataset>") -> list[EvalItem]:
    """Parse JSON Lines into items; a malformed line or a repeated id raises `BadInputError`."""
    items = parse_jsonl(text, EvalItem, source=source)
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if item.id in seen:
            raise BadInputError(f"{source} item {number}: duplicate id {item.id!r}")
        seen.add(item.id)
    return items


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read and validate an evaluation dataset file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read eval dataset {path}: {exc}") from None
    return parse_dataset(text, source=str(path))
