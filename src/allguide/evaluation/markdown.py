"""`latest.md`: the evaluation report as Markdown (pure).

Ours vs each baseline per split, retrieval at equal context, the answer metrics beside the
previous release's, the targets, per category, reference quotes, retrieval misses and tool
mismatches.
"""

from __future__ import annotations

from typing import Any

from allguide.evaluation.tables import (
    CATEGORY_CAPTION,
    answer_header,
    answer_rows,
    equal_context_caption,
    equal_context_header,
    equal_context_rows,
    main_split,
    per_category,
    retrieval_header,
    retrieval_rows,
    split_note,
    splits,
    table,
)
from allguide.evaluation.targets import target_rows


def _misses(report: dict[str, Any]) -> list[str]:
    primary = report["meta"]["primary"]
    lines = []
    for item in report["items"]:
        got = item["metrics"]["retrieval"].get(primary)
        if got is not None and (got["rank"] is None or got["rank"] > 5):
            rank = "not in top 10" if got["rank"] is None else f"rank {got['rank']}"
            lines.append(f"- `{item['id']}` ({item['split']}, {rank}): {item['question']}")
    return lines


def _tool_problems(report: dict[str, Any]) -> list[str]:
    lines = []
    for item in report["items"]:
        tool = (item["metrics"]["answer"] or {}).get("tool")
        if tool and not tool["ok"]:
            lines.append(f"- `{item['id']}`: " + "; ".join(tool["mismatches"]))
    return lines


def _reference_quotes(report: dict[str, Any], section: str) -> list[str]:
    """`- id (split): [n], …` for every item whose answer (`answer` or `previous`) has one."""
    lines = []
    for item in report["items"]:
        checks = item["metrics"].get(section) or {}
        cited = checks.get("reference_quotes") or []
        if cited:
            marks = ", ".join(f"[{n}]" for n in cited)
            lines.append(f"- `{item['id']}` ({item['split']}): {marks}")
    return lines


def format_markdown(report: dict[str, Any]) -> str:
    """`latest.md`: ours vs each baseline per split, equal context, answer metrics beside the
    previous release's, targets, per category, reference quotes, misses."""
    meta = report["meta"]
    names = splits(report)
    counts = ", ".join(
        f"{s} {meta['split_items'][s]} ({meta['split_retrieval_items'][s]} with gold evidence)"
        for s in names
    )
    out = [
        "# allguide evaluation",
        "",
        f"Dataset `{meta['dataset']}` (run split `{meta['split']}`): {counts}; gold-evidence items "
        f"get the retrieval metrics. k = {meta['k']}, {meta['depth']} passages retrieved per "
        f"query. Index {meta['index_fingerprint']} ({meta['model']}). Follow-ups are retrieved "
        f"with the query of {meta['followup_query']}. Reproduce with `make eval`. The split of an "
        "item is a hash of its id (`evals/README.md`): tune on dev, report test. Timings vary "
        "from run to run; Chroma's approximate (HNSW) search can swap near-ties, which moved "
        "hybrid hit@10 by 0.003 between repeated runs; every other number is deterministic.",
        "",
        "## Retrieval: ours vs the baselines",
        "",
        *table(retrieval_header(meta["k"]), retrieval_rows(report)),
        "",
        "An item is a hit at r when every gold evidence span is covered by the top-r passages "
        "(`evaluation/retrieval_metrics.py` states the matching rule). `dense` and `bm25` "
        "search our cleaned chunks with one list only; `vanilla` is LangChain's "
        "RecursiveCharacterTextSplitter(1000, 200) over the raw text, the same MiniLM and Chroma, "
        "no cleaning; `vanilla-bm25` is our BM25 over those same raw chunks.",
        "",
        "## Retrieval at equal context",
        "",
        *table(equal_context_header(report), equal_context_rows(report)),
        "",
        equal_context_caption(report),
    ]
    if meta["answers"]:
        main = report["metrics"][main_split(report)]["answer"]
        previous = meta.get("previous")
        out += [
            "",
            f"## Answers (`ask`, backend `{meta['llm']}`)",
            "",
            *table(answer_header(report), answer_rows(report)),
            "",
            f"{split_note(report)} In {main_split(report)}: {main['refused']} refusals for "
            f"{main['expected_refusals']} out-of-scope items ({main['false_refusals']} of "
            f"{main['in_scope']} in-scope items refused); {main['tool_items']} vignettes with an "
            f"expected tool; {main['errors']} errors. Lead accuracy: the answer's first sentence "
            "(its edition note aside) contains one of the item's keywords. A reference quote is "
            "a citation whose quote overlaps only units of the cited chunk that are never quoted "
            "(`allguide.corpus.units`: reference, heading, label, boilerplate, URL, and the "
            "evidence legend unless the question mentions categories or evidence).",
        ]
        if previous:
            old = report["metrics"][main_split(report)]["previous"]
            out += [
                "",
                f"The previous release's answers are read from `{previous}` and scored by the "
                f"same functions; {old['n']} items scored, {old['missing']} missing (not "
                f"scored), {old['errors']} errors.",
            ]
    out += ["", "## Targets (issues 6 and 10)", ""]
    out += table(["target", "goal", *names], target_rows(report))
    out += ["", "## Per category", "", f"{split_note(report)} {CATEGORY_CAPTION}".strip(), ""]
    out += per_category(report, meta["retrievers"])
    if meta["answers"]:
        refs = _reference_quotes(report, "answer")
        out += ["", f"## Reference quotes ({len(refs)} items)", "", *refs]
    if meta.get("previous"):
        refs = _reference_quotes(report, "previous")
        old = report["metrics"][main_split(report)]["previous"]
        out += ["", f"## Reference quotes of the previous release ({len(refs)} items)", ""]
        out += refs
        if old["missing_items"]:
            out += ["", f"Missing from `{meta['previous']}`: "]
            out[-1] += ", ".join(f"`{i}`" for i in old["missing_items"])
    misses = _misses(report)
    out += ["", f"## Retrieval misses of {meta['primary']} at 5 ({len(misses)})", "", *misses]
    problems = _tool_problems(report)
    if meta["answers"]:
        out += ["", f"## Tool mismatches ({len(problems)})", "", *problems]
    return "\n".join(out) + "\n"
