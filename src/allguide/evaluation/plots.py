"""The two PNG plots beside the report: hit@k per retriever, hit@5 per category.

matplotlib is imported inside each function (with the Agg backend), so nothing else pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allguide.evaluation.retrieval_metrics import HIT_DEPTHS
from allguide.evaluation.tables import best_baseline, label, main_split


def plot_hit_at_k(report: dict[str, Any], path: Path) -> None:
    """hit@k curves, one line per retriever."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    primary = report["meta"]["primary"]
    split = main_split(report)
    for name, s in report["metrics"][split]["retrieval"].items():
        ax.plot(
            HIT_DEPTHS,
            [s[f"hit@{r}"] for r in HIT_DEPTHS],
            marker="o",
            linewidth=2.5 if name == primary else 1.5,
            label=label(name, primary),
        )
    ax.set(xlabel="k (passages)", ylabel="hit@k", xticks=list(HIT_DEPTHS), ylim=(0, 1.02))
    n = report["meta"]["split_retrieval_items"][split]
    ax.set_title(f"hit@k on {report['meta']['dataset']} ({split}, {n} items)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_per_category(report: dict[str, Any], path: Path) -> None:
    """Per-category hit@5 bars: ours vs the best baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = report["meta"]["primary"]
    rival = best_baseline(report)
    per = report["per_category"][main_split(report)]["retrieval"]
    names = [n for n in (primary, rival) if n is not None]
    categories = sorted(per[primary]) if primary else []
    labels = [f"{c} ({per[primary][c]['n']})" for c in categories]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(categories) + 1.5), dpi=120)
    height = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        ys = [i + j * height for i in range(len(categories))]
        ax.barh(ys, [per[name][c]["hit@5"] for c in categories], height, label=label(name, primary))
    ax.set_yticks([i + height * (len(names) - 1) / 2 for i in range(len(categories))], labels)
    ax.invert_yaxis()
    ax.set(xlabel="hit@5 (items per category in brackets)", xlim=(0, 1.0))
    ax.set_title("hit@5 per category: ours vs the best baseline")
    fig.legend(loc="lower center", ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
