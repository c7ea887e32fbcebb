"""`answers.md`: a fixed sample of this release's answers beside the previous release's.

The sample is chosen from the dataset alone, never from results: the items ordered test split
first, then by the SHA-256 of their id; the first item of every category in that order, then the
next items in that order, up to `SAMPLE_SIZE`. Each entry shows the question (and the history of
a follow-up), what a correct answer contains, both answers with their quotes (n, section, page,
quote) and the per-item checks (keywords, lead sentence, reference quotes, refusal).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from allguide.evaluation.dataset import EvalItem
from allguide.types import Answer, page_label

SAMPLE_SIZE = 40
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _sha(item_id: str) -> str:
    return hashlib.sha256(item_id.encode()).hexdigest()


def select_items(items: Sequence[EvalItem], n: int = SAMPLE_SIZE) -> list[EvalItem]:
    """`n` items (all of them if fewer), every category represented while `n` allows, test
    split first (module docstring); in that order."""
    order = sorted(items, key=lambda i: (i.split != "test", _sha(i.id)))
    chosen: list[str] = []
    categories: set[str] = set()
    for item in order:
        if len(chosen) < n and item.category not in categories:
            chosen.append(item.id)
            categories.add(item.category)
    for item in order:
        if len(chosen) >= n:
            break
        if item.id not in chosen:
            chosen.append(item.id)
    picked = set(chosen)
    return [i for i in order if i.id in picked]


def _cell(text: str) -> str:
    """Text for one Markdown table cell: pipes escaped, line breaks as <br>, no HTML tags."""
    return _TAG_START.sub("&lt;", text).replace("|", "\\|").replace("\n", "<br>")


def _mark(value: bool | None) -> str:
    return "–" if value is None else ("✓" if value else "✗")


def _answer_cell(row: Mapping[str, Any] | None, note: str) -> str:
    """One answer with its tools and quotes, or `note` when there is none."""
    if row is None:
        return f"*{note}*"
    if row.get("error"):
        return _cell(f"error: {row['error']}")
    parts = [_cell(str(row.get("answer") or ""))]
    tools = [str(t["name"]) for t in row.get("tool_calls") or []]
    if tools:
        parts.append("**Tools:** " + _cell(", ".join(tools)))
    citations = row.get("citations") or []
    if citations:
        quotes = [
            _cell(f"[{c['n']}] {c['section']}, {page_label(c['page'])}: “{c['quote']}”")
            for c in citations
        ]
        parts.append("**Quotes:**<br>" + "<br>".join(quotes))
    return "<br><br>".join(parts)


def _checks(row: Mapping[str, Any] | None, checks: Mapping[str, Any] | None) -> str:
    if row is None or checks is None:
        return "–"
    reference = checks.get("reference_quotes") or []
    cited = ", ".join(f"[{n}]" for n in reference) if reference else "none"
    return " · ".join(
        [
            f"keywords {_mark(checks.get('keywords'))}",
            f"lead {_mark(checks.get('lead'))}",
            f"refused {'yes' if row.get('refused') else 'no'}",
            f"reference quotes {cited}",
        ]
    )


def _pair(new: Mapping[str, Any] | None, old: Mapping[str, Any] | None, key: str) -> str:
    """One check of both releases: "✓ / ✗" ("–" where it does not apply or is missing)."""
    return f"{_mark(new.get(key)) if new else '–'} / {_mark(old.get(key)) if old else '–'}"


def _previous_row(got: tuple[Answer | None, str | None] | None) -> dict[str, Any] | None:
    if got is None:
        return None
    answer, error = got
    return {"error": error} if answer is None else answer.model_dump(mode="json")


def format_answers_md(
    items: Sequence[EvalItem],
    report: Mapping[str, Any],
    previous: Mapping[str, tuple[Answer | None, str | None]] | None,
    n: int = SAMPLE_SIZE,
) -> str:
    """The Markdown of `answers.md` for the items of `report` (with their answers)."""
    rows = {r["id"]: r for r in report["items"]}
    sample = select_items([i for i in items if i.id in rows], n)
    meta = report["meta"]
    source = f"`{meta['previous']}`" if meta.get("previous") else "none given (`--previous`)"
    missing = "not in the previous release's file"
    out = [
        "# Answers: this release beside the previous release",
        "",
        f"{len(sample)} items of `{meta['dataset']}` (run split `{meta['split']}`), chosen from "
        "the dataset alone: ordered test split first, then by SHA-256 of the id; the first item "
        "of every category, then the next ones in that order. Previous release's answers: "
        f"{source}. Checks: keywords = every answer keyword is in the answer; lead = the first "
        "sentence has one; reference quotes = the citations that quote a bibliography entry, "
        "heading, label, boilerplate, URL or (unasked) the evidence legend.",
        "",
        "| # | item | category | split | keywords (new / prev) | lead (new / prev) |",
        "|---|---|---|---|---|---|",
    ]
    entries: list[str] = []
    for number, item in enumerate(sample, 1):
        row = rows[item.id]
        new = row if row.get("answer") is not None or row.get("error") else None
        checks = row["metrics"]["answer"]
        old_checks = row["metrics"].get("previous")
        old = _previous_row(previous.get(item.id)) if previous is not None else None
        if old_checks is not None and old_checks.get("missing"):
            old_checks = None
        out.append(
            f"| {number} | [`{item.id}`](#{number}-{item.id}) | {item.category} | {item.split} "
            f"| {_pair(checks, old_checks, 'keywords')} | {_pair(checks, old_checks, 'lead')} |"
        )
        entries += ["", f"## {number}. {item.id}", ""]
        entries.append(f"*{item.category}, {item.split} split*")
        entries += ["", f"**Question:** {_cell(item.question)}"]
        if item.history:
            entries += ["", "**History:**", ""]
            entries += [f"- *{t.role}:* {_cell(t.content)}" for t in item.history]
        if item.expect_refusal:
            expected = "a refusal (out of scope)"
        else:
            expected = "keywords " + ", ".join(f"`{k}`" for k in item.answer_keywords)
        entries += ["", f"**Expected:** {expected}", ""]
        old_note = missing if previous is not None else "no previous release file given"
        entries += [
            "| this release | previous release |",
            "|---|---|",
            f"| {_answer_cell(new, 'no answer')} | {_answer_cell(old, old_note)} |",
            f"| {_checks(new, checks)} | {_checks(old, old_checks)} |",
        ]
    return "\n".join(out + entries) + "\n"


def write_answers_md(
    path: Path,
    items: Sequence[EvalItem],
    report: Mapping[str, Any],
    previous: Mapping[str, tuple[Answer | None, str | None]] | None,
) -> Path:
    """Write `answers.md` to `path` (its folder is created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_answers_md(items, report, previous), encoding="utf-8")
    return path
