"""Evaluation reports on disk: the JSON, and beside it `latest.md` and two PNG plots.

The pieces: the tables (`tables.py`, also the console table), the targets (`targets.py`), the
Markdown (`markdown.py`) and the plots (`plots.py`). `SPEED_TARGETS` is re-exported for
`bench.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from allguide.evaluation.markdown import format_markdown
from allguide.evaluation.plots import plot_hit_at_k, plot_per_category
from allguide.evaluation.targets import SPEED_TARGETS

__all__ = ["SPEED_TARGETS", "to_json", "write_reports"]


def to_json(report: dict[str, Any]) -> str:
    """The report as JSON: summary sections indented, one line per item (readable diffs)."""
    head = {k: v for k, v in report.items() if k != "items"}
    parts = [
        f" {json.dumps(k)}: " + json.dumps(v, ensure_ascii=False, indent=1).replace("\n", "\n ")
        for k, v in head.items()
    ]
    items = ",\n".join("  " + json.dumps(i, ensure_ascii=False) for i in report["items"])
    return "{\n" + ",\n".join([*parts, f' "items": [\n{items}\n ]']) + "\n}\n"


def write_reports(report: dict[str, Any], out: Path) -> list[Path]:
    """Write the JSON to `out` and, beside it, `<stem>.md`, hit_at_k.png and per_category.png."""
    out.parent.mkdir(parents=True, exist_ok=True)
    md = out.with_suffix(".md")
    hit_png = out.parent / "hit_at_k.png"
    cat_png = out.parent / "per_category.png"
    out.write_text(to_json(report), encoding="utf-8")
    md.write_text(format_markdown(report), encoding="utf-8")
    plot_hit_at_k(report, hit_png)
    plot_per_category(report, cat_png)
    return [out, md, hit_png, cat_png]
