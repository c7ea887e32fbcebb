"""A synthetic corpus N× the guideline, for scale benchmarks (written to a temp dir, never kept).

Each copy is a cleaned document with a distinct source name and perturbed wording: seeded,
deterministic synonym swaps and number jitter, and every paragraph tagged with its copy number
(marker tables have no words to swap, and the pipeline drops chunks whose text repeats), so
the corpus keeps the guideline's length and style with N times its chunks.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from allguide.corpus.pipeline import build_chunks

if TYPE_CHECKING:
    from allguide.assistant import Assistant
    from allguide.index.build import IngestReport
    from allguide.settings import Settings

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


# -- scale benchmark (used by `make bench`) ---------------------------------------------------

SCALES = (10, 100)
FULL_INGEST_BUDGET_S = 15 * 60
SAMPLE_FRACTION = 0.2
CACHE_ROOT = Path(tempfile.gettempdir()) / "allguide-bench-cache"
Measure = Callable[[Callable[[str], object]], tuple[float, float]]


@dataclass(frozen=True)
class ScaleResult:
    """Ingest throughput and hybrid query latency for one synthetic corpus size."""

    copies: int
    chunks: int
    chunks_per_s: float
    throughput_from: str
    query_p50_ms: float
    query_p95_ms: float
    note: str


def _ingest(settings: Settings, corpus: Path, home: Path) -> tuple[Assistant, IngestReport]:
    from allguide.assistant import Assistant

    assistant = Assistant(settings.model_copy(update={"home": home, "corpus_dir": corpus}))
    return assistant, assistant.ingest(show_progress=True)


def _scale_one(
    documents: Mapping[str, str], settings: Settings, copies: int, work: Path, rate: float | None
) -> tuple[Assistant, int, float, str, str]:
    corpus = work / f"corpus-{copies}x"
    write_corpus(corpus, documents, copies)
    build = build_chunks(corpus, settings.chunking)
    chunks = len(build.chunks)
    if rate is None or chunks / rate <= FULL_INGEST_BUDGET_S:
        assistant, report = _ingest(settings, corpus, work / f"home-{copies}x")
        return assistant, chunks, chunks / report.seconds, "full ingest, this run", ""
    home = CACHE_ROOT / f"{copies}x"  # ingest rebuilds it when the fingerprint differs
    assistant, report = _ingest(settings, corpus, home)
    log = home / "bench-ingest.txt"
    if report.rebuilt:
        log.write_text(f"{report.seconds:.0f}", encoding="utf-8")
    took = log.read_text(encoding="utf-8") if log.exists() else "?"
    sample = max(1, round(copies * SAMPLE_FRACTION))
    write_corpus(work / "sample", documents, sample)
    _, sampled = _ingest(settings, work / "sample", work / "home-sample")
    how = f"full ingest of a {sample}-copy sample ({sampled.chunks} chunks), this run"
    note = (
        f"estimated {chunks / rate / 60:.0f} min > {FULL_INGEST_BUDGET_S // 60} min: index "
        f"embedded once ({took} s) and cached in {home}, rebuilt when its fingerprint changes; "
        + ("built this run" if report.rebuilt else "reused")
    )
    return assistant, chunks, sampled.chunks / sampled.seconds, how, note


def run_scale(
    documents: Mapping[str, str], settings: Settings, measure: Measure
) -> list[ScaleResult]:
    """Ingest each synthetic size (caching the largest when too slow) and time hybrid queries."""
    results: list[ScaleResult] = []
    rate: float | None = None
    with tempfile.TemporaryDirectory(prefix="allguide-scale-") as tmp:
        for copies in SCALES:
            assistant, chunks, rate, how, note = _scale_one(
                documents, settings, copies, Path(tmp), rate
            )
            p50, p95 = measure(partial(assistant.search, k=5, mode="hybrid"))
            results.append(ScaleResult(copies, chunks, rate, how, p50, p95, note))
    return results


def render_scale(results: Sequence[ScaleResult], target_ms: float) -> list[str]:
    """Markdown table rows for bench.md."""
    lines = [
        "| corpus | chunks | ingest throughput | measured by | query p50 / p95 (ms) | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = ""
        if r.copies == max(SCALES):
            met = r.query_p50_ms <= target_ms
            mark = f"target p50 ≤ {target_ms:g} ms: " + (
                "met" if met else f"missed by {r.query_p50_ms - target_ms:.1f} ms"
            )
        note = "; ".join(x for x in (mark, r.note) if x)
        lines.append(
            f"| {r.copies}× | {r.chunks} | {r.chunks_per_s:.1f} chunks/s | {r.throughput_from} "
            f"| {r.query_p50_ms:.1f} / {r.query_p95_ms:.1f} | {note} |"
        )
    return lines
