"""The evaluation's tables (pure): retrieval, equal context, answers, per category.

`format_table` is what `allguide eval` prints; `markdown.py` puts the same tables into
`latest.md`. Every table reports the run's splits (`all`, `dev`, `test`, or the one split of a
restricted run) side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from allguide.evaluation.retrieval_metrics import HIT_DEPTHS

ANSWER_ROWS: tuple[tuple[str, str], ...] = (
    ("keyword_accuracy", "keyword accuracy (in-scope)"),
    ("lead_accuracy", "lead accuracy (first sentence has a keyword; in-scope)"),
    ("reference_quotes", "reference quotes (citations quoting a never-quoted unit; target 0)"),
    ("citation_validity", "citation validity (every [n] resolves, quotes verbatim)"),
    ("citation_support", "citation support (cited passages contain the gold evidence)"),
    ("refusal_precision", "refusal precision"),
    ("refusal_recall", "refusal recall"),
    ("false_refusal_rate", "false-refusal rate (refused in-scope / in-scope)"),
    ("tool_accuracy", "tool accuracy (vignettes)"),
    ("latency_ms_p50", "latency p50 (ms)"),
    ("latency_ms_p95", "latency p95 (ms)"),
)
# What the previous release's column shows (the rest need our chunks or this machine's clock).
PREVIOUS_ROWS = frozenset(
    {
        "keyword_accuracy",
        "lead_accuracy",
        "reference_quotes",
        "refusal_precision",
        "refusal_recall",
        "false_refusal_rate",
    }
)


def fmt(value: Any, digits: int = 3) -> str:
    """A table cell: floats to `digits` decimals, None as n/a."""
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def label(name: str, primary: str | None) -> str:
    """A retriever's name, marked `(ours)` when it is the primary one."""
    return f"{name} (ours)" if name == primary else name


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table, one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def splits(report: dict[str, Any]) -> list[str]:
    """The splits the report has, `all` first when present."""
    return list(report["meta"]["splits"])


def main_split(report: dict[str, Any]) -> str:
    """The split the plots and the one-line summaries use: `all`, or the run's only split."""
    return splits(report)[0]


def split_note(report: dict[str, Any]) -> str:
    names = splits(report)
    return "Cells with several values give " + " / ".join(names) + "." if len(names) > 1 else ""


def _retriever_rows(
    report: dict[str, Any], table: str, cells: Callable[[dict[str, Any]], list[str]]
) -> list[list[str]]:
    """One row per retriever and split of `table`: the retriever (on its first row), the split,
    n, then `cells` of its section."""
    primary = report["meta"]["primary"]
    return [
        [label(name, primary) if n == 0 else "", split, str(section["n"]), *cells(section)]
        for name in report["meta"]["retrievers"]
        for n, split in enumerate(splits(report))
        for section in [report["metrics"][split][table][name]]
    ]


def retrieval_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per retriever and split: hit@1/3/5/10, MRR, evidence recall."""

    def cells(s: dict[str, Any]) -> list[str]:
        return [*(fmt(s[f"hit@{r}"]) for r in HIT_DEPTHS), fmt(s["mrr"]), fmt(s["evidence_recall"])]

    return _retriever_rows(report, "retrieval", cells)


def retrieval_header(k: int) -> list[str]:
    hits = [f"hit@{r}" for r in HIT_DEPTHS]
    return ["retriever", "split", "n", *hits, "MRR@10", f"evidence recall@{k}"]


def equal_context_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per retriever and split: mean context characters and hits within B1 and Bk."""

    def cells(s: dict[str, Any]) -> list[str]:
        chars = [fmt(s["top1_chars"], 0), fmt(s["topk_chars"], 0)]
        return [*chars, fmt(s["hit@B1"]), fmt(s["hit@Bk"])]

    return _retriever_rows(report, "equal_context", cells)


def equal_context_header(report: dict[str, Any]) -> list[str]:
    b = report["meta"]["budgets"]
    k = b["k"]
    return [
        "retriever",
        "split",
        "n",
        "top-1 chars",
        f"top-{k} chars",
        f"hit within B1 = {b['B1']} chars",
        f"hit within B{k} = {b['Bk']} chars",
    ]


def equal_context_caption(report: dict[str, Any]) -> str:
    b = report["meta"]["budgets"]
    return (
        f"B1 and B{b['k']} are {b['from']}'s mean top-1 and top-{b['k']} passage lengths. "
        "Each retriever's ranked passages are joined in rank order and cut at the budget; an "
        "item is a hit when at least one of its gold spans lies whole within one kept passage "
        "(the matching rule of hit@k, without a span cut across two passages)."
    )


def answer_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per answer metric: a column per split, then the previous release's."""
    names = splits(report)
    has_previous = report["meta"].get("previous") is not None
    rows = []
    for key, title in ANSWER_ROWS:
        row = [title] + [fmt(report["metrics"][s]["answer"][key]) for s in names]
        if has_previous:
            row += [
                fmt(report["metrics"][s]["previous"][key]) if key in PREVIOUS_ROWS else "–"
                for s in names
            ]
        rows.append(row)
    return rows


def answer_header(report: dict[str, Any]) -> list[str]:
    names = splits(report)
    header = ["metric", *names]
    if report["meta"].get("previous") is not None:
        header += [f"previous release {s}" for s in names]
    return header


def best_baseline(report: dict[str, Any]) -> str | None:
    """The non-primary retriever with the highest hit@5 (ties: first listed)."""
    primary = report["meta"]["primary"]
    ret = report["metrics"][main_split(report)]["retrieval"]
    others = [(n, s["hit@5"]) for n, s in ret.items() if n != primary]
    return max(others, key=lambda pair: pair[1])[0] if others else None


def format_table(report: dict[str, Any]) -> str:
    """The metrics tables printed by `allguide eval`."""
    meta = report["meta"]
    counts = ", ".join(f"{s} {meta['split_retrieval_items'][s]}" for s in splits(report))
    lines = [f"retrieval (items with gold evidence: {counts}; k={meta['k']})"]
    lines += table(retrieval_header(meta["k"]), retrieval_rows(report))
    lines += ["", "retrieval at equal context"]
    lines += table(equal_context_header(report), equal_context_rows(report))
    if meta["answers"]:
        counts = ", ".join(f"{s} {meta['split_items'][s]}" for s in splits(report))
        lines += ["", f"answers (offline ask; items: {counts})"]
        lines += table(answer_header(report), answer_rows(report))
        lines += ["", "per category (" + (split_note(report) or "one split") + ")"]
        lines += per_category(report, [meta["primary"]] if meta["primary"] else [], full=False)
    return "\n".join(lines)


def _category_value(section: dict[str, Any] | None, key: str) -> Any:
    """One metric of one category's aggregate; `refused` as a fraction of its items."""
    if not section:
        return None
    if key == "refused_share":
        return section["refused"] / section["n"] if section.get("n") else None
    return section.get(key)


# "refused" is the share of a category's items refused: its false-refusal rate when the
# category is in scope, its refusal recall for out_of_scope.
CATEGORY_ANSWER_COLUMNS = (
    ("keyword acc.", "keyword_accuracy"),
    ("lead acc.", "lead_accuracy"),
    ("citation support", "citation_support"),
    ("refused", "refused_share"),
)
CATEGORY_PREVIOUS_COLUMNS = (
    ("prev. keyword acc.", "keyword_accuracy"),
    ("prev. lead acc.", "lead_accuracy"),
    ("prev. refused", "refused_share"),
)
CATEGORY_CAPTION = (
    "refused = the share of the category's items refused (its false-refusal rate when it is in "
    "scope, its refusal recall for out_of_scope); – = no items of that category in the split."
)


def per_category(
    report: dict[str, Any], retrievers: Sequence[str], *, full: bool = True
) -> list[str]:
    """One row per category; every cell has a value per split ("all / dev / test"). Without
    `full` (the console), no citation support and no previous release."""
    names = splits(report)
    per = report["per_category"]
    columns: list[tuple[str, str, str]] = [(f"{n} hit@5", "retrieval", n) for n in retrievers]
    if report["meta"]["answers"]:
        columns += [
            (title, "answer", key)
            for title, key in CATEGORY_ANSWER_COLUMNS
            if full or key != "citation_support"
        ]
    if full and report["meta"].get("previous") is not None:
        columns += [(title, "previous", key) for title, key in CATEGORY_PREVIOUS_COLUMNS]
    categories = sorted({item["category"] for item in report["items"]})
    rows = []
    for c in categories:
        counts = [
            sum(i["category"] == c and s in ("all", i["split"]) for i in report["items"])
            for s in names
        ]
        row = [c, " / ".join(map(str, counts))]
        for _, section, key in columns:
            values = []
            for s in names:
                if section == "retrieval":
                    got = per[s]["retrieval"][key].get(c)
                    values.append(fmt(got["hit@5"]) if got else "–")
                elif c not in per[s][section]:
                    values.append("–")
                else:
                    values.append(fmt(_category_value(per[s][section][c], key)))
            row.append(" / ".join(values))
        rows.append(row)
    return table(["category", "items", *[title for title, _, _ in columns]], rows)
