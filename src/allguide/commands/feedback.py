"""`allguide feedback export --out FILE`: the UI's thumbs-down answers as eval dataset items."""

from __future__ import annotations

import argparse
from pathlib import Path

from allguide.commands.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("feedback", help="work with the thumbs up/down recorded by the web UI")
    actions = p.add_subparsers(required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write thumbs-down answers as eval dataset items")
    export.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")


def run(args: argparse.Namespace) -> int:
    """`export`, the one action."""
    from allguide.feedback import export_feedback, feedback_path
    from allguide.settings import load_settings

    source = feedback_path(load_settings().home)
    count = export_feedback(source, args.out)
    print(f"exported {count} thumbs-down item(s) from {source} to {args.out}")
    return 0
