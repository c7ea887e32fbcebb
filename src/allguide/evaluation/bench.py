"""`make bench`: ingest, warm retrieve/ask latency, cold start, memory and scale → bench.md.

A latency is measured over sweeps of distinct dataset questions: each sweep times every question
once and takes its p50 and p95; the report gives the median of those over all sweeps. "Novel"
clears the in-process query-embedding cache before each call (a question never seen before);
"repeat" leaves it (the same question again). Run on an otherwise idle machine: the load average
is printed, since other processes on 2 cores slow MiniLM a lot.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from allguide.assistant import Assistant
from allguide.corpus.pipeline import build_chunks
from allguide.errors import AllguideError
from allguide.evaluation.baselines import VanillaRetriever
from allguide.evaluation.dataset import EvalItem, load_dataset
from allguide.evaluation.metrics import percentile
from allguide.evaluation.report import SPEED_TARGETS
from allguide.evaluation.runner import DEFAULT_DATASET
from allguide.evaluation.synthetic import render_scale, run_scale
from allguide.evaluation.ui_load import render_soak, ui_soak
from allguide.index.embed import Embedder
from allguide.learn.timing import quiz_row, quiz_seconds
from allguide.settings import load_settings

RESULTS = DEFAULT_DATASET.parent / "results" / "bench.md"
RUNS = 20
QUESTIONS = 24
COLD_RUNS = 3
INGEST_RUNS = 3
TARGETS = SPEED_TARGETS


@dataclass(frozen=True)
class Latency:
    """Median over sweeps of each sweep's p50 and p95, in milliseconds."""

    p50: float
    p95: float


def pick_questions(items: Sequence[EvalItem], n: int) -> list[str]:
    """`n` distinct standalone in-scope questions: one per category in turn, by id order."""
    pool = sorted((i for i in items if not i.history and not i.expect_refusal), key=lambda i: i.id)
    by_cat: dict[str, list[str]] = {}
    for item in pool:
        by_cat.setdefault(item.category, []).append(item.question)
    picked: list[str] = []
    while len(picked) < n and any(by_cat.values()):
        for questions in by_cat.values():
            if questions and len(picked) < n:
                picked.append(questions.pop(0))
    return picked


Timed = tuple[Callable[[str], object], bool]  # the call, and whether to clear caches first


def sweep_latency(
    calls: Mapping[str, Timed], questions: Sequence[str], runs: int
) -> dict[str, Latency]:
    """Time every call on every question, interleaved (so all see the same machine load), in
    `runs` sweeps after one untimed warm-up sweep."""
    for q in questions:
        for fn, _ in calls.values():
            fn(q)
    samples: dict[str, list[list[float]]] = {name: [] for name in calls}
    for _ in range(runs):
        for sweep in samples.values():
            sweep.append([])
        for q in questions:
            for name, (fn, novel) in calls.items():
                if novel:
                    Embedder.clear_query_cache()
                started = time.perf_counter()
                fn(q)
                samples[name][-1].append((time.perf_counter() - started) * 1000)
    return {
        name: Latency(
            statistics.median(percentile(x, 50) for x in sweeps),
            statistics.median(percentile(x, 95) for x in sweeps),
        )
        for name, sweeps in samples.items()
    }


def bench_ingest(corpus_dir: Path, runs: int) -> dict[str, float]:
    """Median wall seconds of `runs` `allguide ingest` processes, each into a fresh home."""
    seconds, rss = [], 0.0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="allguide-bench-") as home:
            env = {**os.environ, "ALLGUIDE_HOME": home, "ALLGUIDE_CORPUS_DIR": str(corpus_dir)}
            took, peak = run_cli(["ingest"], env)
            seconds.append(took)
            rss = max(rss, peak)
    return {"seconds": statistics.median(seconds), "rss_mib": rss}


def bench_warm(assistant: Assistant, questions: Sequence[str], runs: int) -> dict[str, Any]:
    """Warm retrieve latency per retriever (novel and repeat) and warm `ask`, interleaved."""
    calls: dict[str, Timed] = {}
    for mode in ("hybrid", "dense", "bm25"):
        search = partial(assistant.search, k=5, mode=mode)
        calls[mode] = (search, True)
        calls[f"{mode} repeat"] = (search, False)
    calls["ask"] = (assistant.ask, True)
    calls["ask repeat"] = (assistant.ask, False)
    vanilla: VanillaRetriever | str
    try:
        vanilla = VanillaRetriever(assistant.settings.corpus_dir, assistant.embedder)
        calls["vanilla"] = (partial(vanilla.search, k=5), True)
    except AllguideError as exc:
        vanilla = exc.message
    out: dict[str, Any] = dict(sweep_latency(calls, questions, runs))
    if isinstance(vanilla, VanillaRetriever):
        vanilla.close()
    else:
        out["vanilla"] = vanilla  # the reason it could not run
    return out


def run_cli(args: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `allguide ARGS…` process."""
    exe = Path(sys.executable).with_name("allguide")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "allguide.cli"]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")  # drain, then reap with its rusage
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise AllguideError(f"allguide {args[0]} failed ({proc.returncode}): {err.strip()[-300:]}")
    return seconds, usage.ru_maxrss / 1024


def bench_cold(questions: Sequence[str], runs: int) -> dict[str, float]:
    """A primer run (may build on-disk caches), then `runs` timed fresh processes."""
    primer, _ = run_cli(["ask", questions[0], "--json"])
    timed = [run_cli(["ask", q, "--json"]) for q in questions[1 : runs + 1]]
    return {
        "primer_s": primer,
        "cold_s": statistics.median(s for s, _ in timed),
        "rss_mib": max(r for _, r in timed),
    }


def _row(name: str, value: str, target: str = "", note: str = "") -> str:
    return f"| {name} | {value} | {target} | {note} |"


def _lat(lat: Any, target: float | None = None, p95: float | None = None) -> list[str]:
    """Value, target and mark cells of one latency row (targets: p50, and p95 when given)."""
    if isinstance(lat, str):
        return [f"unavailable: {lat}", "", ""]
    pairs = (("p50", lat.p50, target), ("p95", lat.p95, p95))
    goals = [(name, got, goal) for name, got, goal in pairs if goal is not None]
    missed = [f"{name} missed by {got - goal:.1f} ms" for name, got, goal in goals if got > goal]
    wanted = " and ".join(f"{name} ≤ {goal:g} ms" for name, _, goal in goals)
    mark = ("; ".join(missed) or "met") if goals else ""
    return [f"{lat.p50:.1f} / {lat.p95:.1f}", wanted, mark]


def render(r: dict[str, Any]) -> str:
    """bench.md from the collected results."""
    warm, cold, env, ui = r["warm"], r["cold"], r["env"], r["ui"]
    ingest = r["ingest"]
    over = ingest["seconds"] - TARGETS["ingest_s"]
    ingest_mark = "met" if over <= 0 else f"missed by {over:.1f} s"
    lines = [
        "# allguide benchmarks",
        "",
        f"Machine: {env['cpus']} CPUs, Python {env['python']}, torch threads {env['threads']}; "
        f"load average {env['load_start']} at start, {env['load_end']} at end. "
        f"{RUNS} sweeps of {len(r['questions'])} distinct dataset questions per latency; "
        "values are medians over the sweeps of each sweep's p50 / p95. Reproduce: `make bench`.",
        "",
        "| measure | value | target | note |",
        "|---|---|---|---|",
        _row(
            f"`allguide ingest` into a fresh home, wall time (median of {INGEST_RUNS})",
            f"{ingest['seconds']:.1f} s ({r['chunks']} chunks)",
            f"≤ {TARGETS['ingest_s']:g} s",
            ingest_mark + "; includes interpreter start, imports and model load",
        ),
    ]
    for name, key, target, p95 in (
        ("retrieve hybrid, novel question (ms p50 / p95)", "hybrid", TARGETS["retrieve_ms"], None),
        ("retrieve hybrid, repeated question", "hybrid repeat", None, None),
        ("retrieve dense only, novel", "dense", None, None),
        ("retrieve BM25 only", "bm25", None, None),
        ("retrieve vanilla LangChain (raw splitter + Chroma)", "vanilla", None, None),
        (
            "offline ask, novel question (ms p50 / p95)",
            "ask",
            TARGETS["ask_ms"],
            TARGETS["ask_p95_ms"],
        ),
        ("offline ask, repeated question", "ask repeat", None, None),
    ):
        lines.append(_row(name, *_lat(warm[key], target, p95)))
    lines += [_row(n, v, "", "") for n, v in _ratios(warm)]
    late = cold["cold_s"] - TARGETS["cold_s"]
    cold_mark = "met" if late <= 0 else f"missed by {late:.2f} s"
    lines += [
        _row(
            f"cold start to first answer (fresh `allguide ask --json`, median of {COLD_RUNS})",
            f"{cold['cold_s']:.2f} s",
            f"≤ {TARGETS['cold_s']:g} s",
            cold_mark,
        ),
        _row(
            "primer: the first `allguide ask` process (builds on-disk caches if missing)",
            f"{cold['primer_s']:.2f} s",
        ),
        _row("peak RSS of an `allguide ask` process", f"{cold['rss_mib']:.0f} MiB"),
        _row("peak RSS of an `allguide ingest` process", f"{ingest['rss_mib']:.0f} MiB"),
        _row(
            "peak RSS of the bench process (all retrievers, scale indexes)",
            f"{r['rss_mib']:.0f} MiB",
        ),
        _row(*quiz_row(r["quiz_s"])),
        *render_soak(ui),
        "",
        "## Scale (synthetic corpus: perturbed copies, hybrid retrieval)",
        "",
        *render_scale(r["scale"], TARGETS["q100_ms"]),
    ]
    return "\n".join(lines) + "\n"


def _ratios(warm: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [("hybrid", "dense"), ("hybrid", "vanilla"), ("ask", "dense"), ("ask", "vanilla")]
    return [
        (f"ratio {ours} / {other} retrieve (p50)", f"{warm[ours].p50 / warm[other].p50:.2f}×")
        for ours, other in pairs
        if isinstance(warm[other], Latency)
    ]


def main() -> None:
    """Run everything, write `evals/results/bench.md` and print it."""
    env = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    settings = load_settings()
    questions = pick_questions(load_dataset(DEFAULT_DATASET), QUESTIONS)
    print(f"bench: {len(questions)} questions, {RUNS} sweeps", file=sys.stderr)
    ingest = bench_ingest(settings.corpus_dir, INGEST_RUNS)
    assistant = Assistant(settings)
    chunks = assistant.ingest().chunks
    import torch

    env["threads"] = torch.get_num_threads()
    warm = bench_warm(assistant, questions, RUNS)
    cold = bench_cold(questions, COLD_RUNS)
    load = ui_soak(settings.home)
    documents = build_chunks(settings.corpus_dir, settings.chunking).documents

    def measure(fn: Callable[[str], object]) -> tuple[float, float]:
        lat = sweep_latency({"query": (fn, True)}, questions, RUNS)["query"]
        return lat.p50, lat.p95

    scale = run_scale(documents, settings, measure)
    env["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = {"env": env, "questions": questions, "ingest": ingest, "chunks": chunks}
    results.update({"warm": warm, "cold": cold, "scale": scale, "rss_mib": rss, "ui": load})
    results["quiz_s"] = quiz_seconds(assistant.chain.chunks)
    text = render(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
