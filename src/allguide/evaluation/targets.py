"""The quality and speed targets, and the table that checks a report against them (pure).

The quality targets are issue 6's and 10's; the speed targets issue 2's, 4's and 10's (issue 10
relaxed ingest and ask for the quotable units it embeds and scores; `bench.py` reports speed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allguide.evaluation.tables import fmt, splits

TARGETS = {
    "hit@5": 0.95,
    "mrr": 0.85,
    "margin": 0.15,
    "hit@1": 0.70,
    "refusal_precision": 0.9,
    "refusal_recall": 1.0,
    "false_refusal_rate": 0.03,
    "validity": 1.0,
    "reference_quotes": 0,
    "keyword_accuracy": 0.90,
    "lead_accuracy": 0.85,
    "followup_keyword_accuracy": 0.85,
}
SPEED_TARGETS = {
    "ingest_s": 30.0,
    "retrieve_ms": 30.0,
    "ask_ms": 100.0,
    "ask_p95_ms": 250.0,
    "cold_s": 10.0,
    "q100_ms": 100.0,
}
RIVALS = ("bm25", "vanilla", "vanilla-bm25")


_Get = Callable[[str], float | None]  # a split's name -> the value


def target_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per target: its goal and, per split, the value and whether it is met."""
    primary = report["meta"]["primary"]
    names = splits(report)
    rows: list[list[str]] = []

    def add(name: str, get: _Get, target: float, *, at_most: bool = False) -> None:
        cells = []
        for s in names:
            value = get(s)
            met = value is not None and (value <= target if at_most else value >= target)
            cells.append("n/a" if value is None else f"{fmt(value)} ({'yes' if met else 'no'})")
        rows.append([name, f"{'≤' if at_most else '≥'} {target:g}", *cells])

    def metric(*path: str) -> _Get:
        def get(s: str) -> float | None:
            value: Any = report["metrics"][s]
            for key in path:
                value = value[key]
            return None if value is None else float(value)

        return get

    if primary == "hybrid":
        add("hybrid hit@1", metric("retrieval", "hybrid", "hit@1"), TARGETS["hit@1"])
        add("hybrid hit@5", metric("retrieval", "hybrid", "hit@5"), TARGETS["hit@5"])
        add("hybrid MRR", metric("retrieval", "hybrid", "mrr"), TARGETS["mrr"])
        rivals = [n for n in RIVALS if n in report["meta"]["retrievers"]]
        if rivals:

            def lead_over(table: str, key: str) -> _Get:
                def get(s: str) -> float:
                    got = report["metrics"][s][table]
                    return float(got["hybrid"][key] - max(got[n][key] for n in rivals))

                return get

            best = "/".join(rivals)
            add(
                f"hit@5 margin over the best of {best}",
                lead_over("retrieval", "hit@5"),
                TARGETS["margin"],
            )
            add(f"hit@1 lead over the best of {best}", lead_over("retrieval", "hit@1"), 0.0)
            add(
                f"hit within B1 (equal context) lead over the best of {best}",
                lead_over("equal_context", "hit@B1"),
                0.0,
            )
    if report["meta"]["answers"]:

        def followup(s: str) -> float | None:
            per = report["per_category"][s]["answer"].get("followup")
            return None if per is None else float(per["keyword_accuracy"])

        # (row, metric of the answer section or a getter, target, the target is a ceiling)
        answer_targets: tuple[tuple[str, str | _Get, float, bool], ...] = (
            ("keyword accuracy (in-scope)", "keyword_accuracy", TARGETS["keyword_accuracy"], False),
            ("lead accuracy (in-scope)", "lead_accuracy", TARGETS["lead_accuracy"], False),
            ("follow-up keyword accuracy", followup, TARGETS["followup_keyword_accuracy"], False),
            ("refusal precision", "refusal_precision", TARGETS["refusal_precision"], False),
            ("refusal recall", "refusal_recall", TARGETS["refusal_recall"], False),
            ("false-refusal rate", "false_refusal_rate", TARGETS["false_refusal_rate"], True),
            ("citation validity", "citation_validity", TARGETS["validity"], False),
            ("reference quotes", "reference_quotes", TARGETS["reference_quotes"], True),
            (
                "offline ask p50 (ms; this run, see bench.md)",
                "latency_ms_p50",
                SPEED_TARGETS["ask_ms"],
                True,
            ),
        )
        for name, key, target, ceiling in answer_targets:
            get = metric("answer", key) if isinstance(key, str) else key
            add(name, get, target, at_most=ceiling)
    return rows
