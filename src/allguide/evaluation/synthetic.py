"""A synthetic corpus N× the guideline, for scale benchmarks (written to a temp dir, never kept).

Each copy is a cleaned document with a distinct source name and perturbed wording: seeded,
deterministic synonym swaps and number jitter, and every paragraph tagged with its copy number
(marker tables have no words to swap, and the pipeline drops chunks whose text repeats), so
the corpus keeps the guideline's length and style with N times its chunks.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

# Swapped both ways where both forms are listed; each occurrence swaps with SWAP_RATE.
SYNONYMS: dict[str, str] = {
    "patients": "individuals",
    "treatment": "therapy",
    "therapy": "treatment",
    "recommended": "advised",
    "associated": "linked",
    "significantly": "markedly",
    "however": "nevertheless",
    "higher": "greater",
    "lower": "reduced",
    "showed": "demonstrated",
    "reported": "described",
    "received": "were given",
    "including": "such as",
    "study": "trial",
    "studies": "trials",
    "outcomes": "results",
    "improved": "better",
    "approximately": "about",
    "compared with": "versus",
    "should": "ought to",
    "evaluated": "assessed",
    "rate": "proportion",
    "rates": "proportions",
    "response": "reply",
    "disease": "illness",
}
SWAP_RATE = 0.5
JITTER_RATE = 0.3
_WORDS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
# Plain integers of 2–4 digits, not part of a name such as CNS-3, T315I, CD19 or 10⁻⁴.
_NUMBER = re.compile(r"(?<![\w.\-⁻])(\d{2,4})(?![\w\-⁻]|\.\d)")


def _keep_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def perturb(text: str, rng: random.Random) -> str:
    """Swap synonyms and jitter numbers, each occurrence decided by `rng` (deterministic)."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= SWAP_RATE:
            return word
        return _keep_case(word, SYNONYMS[word.lower()])

    def jitter(match: re.Match[str]) -> str:
        if rng.random() >= JITTER_RATE:
            return match.group(0)
        return str(max(10, int(match.group(1)) + rng.choice((-2, -1, 1, 2))))

    return _NUMBER.sub(jitter, _WORDS.sub(swap, text))


def synthesize(
    documents: Mapping[str, str], copies: int, *, seed: int = 0
) -> Iterator[tuple[str, str]]:
    """(source name, text) for `copies` perturbed copies of every document, in a fixed order."""
    for copy in range(copies):
        for source, text in sorted(documents.items()):
            stem = Path(source).stem
            rng = random.Random(f"{seed}:{copy}:{source}")
            header = f"Synthetic copy {copy + 1} of {stem} (seed {seed}).\n\n"
            body = perturb(text, rng).split("\n\n")
            tagged = "\n\n".join(f"{p} (copy {copy + 1})" if p.strip() else p for p in body)
            yield f"synthetic-{copy + 1:04d}-{stem}.txt", header + tagged


def write_corpus(
    target: Path, documents: Mapping[str, str], copies: int, *, seed: int = 0
) -> list[Path]:
    """Write the synthetic corpus into `target` (created); the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source, text in synthesize(documents, copies, seed=seed):
        path = target / source
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
