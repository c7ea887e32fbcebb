"""`allguide ingest [--rebuild]`: build or refresh the index and say what it holds."""

from __future__ import annotations

import argparse

from allguide.commands.common import Subparsers, assistant


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("ingest", help="build or refresh the index")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if the index is current")


def run(args: argparse.Namespace) -> int:
    report = assistant().ingest(rebuild=args.rebuild, show_progress=True)
    state = "built" if report.rebuilt else "up to date"
    print(
        f"index {state}: {report.documents} document(s), {report.chunks} chunks, "
        f"{report.seconds:.1f} s (fingerprint {report.fingerprint})"
    )
    repairs = ", ".join(f"{name} {count}" for name, count in report.repairs.items())
    print(f"cleaning repairs: {repairs}")
    return 0
