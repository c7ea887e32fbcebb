"""`allguide retrieve QUERY`: the best passages, as lines or as the `Passage` JSON contract."""

from __future__ import annotations

import argparse
import json

from allguide.commands.common import Subparsers, add_k, assistant


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("retrieve", help="print the passages that best match a query")
    p.add_argument("query")
    add_k(p)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON (docs/design.md contract)")


def run(args: argparse.Namespace) -> int:
    from allguide.types import page_label

    passages = assistant().retrieve(args.query, args.k, mode=args.mode)
    if args.json:
        print(json.dumps([p.model_dump() for p in passages], ensure_ascii=False))
        return 0
    for rank, p in enumerate(passages, start=1):
        where = f"{p.section} · {page_label(p.page)} · {p.kind}"
        print(f"[{rank}] {where} · score {p.score:.4f} · {p.chunk_id}")
        print(f"    {p.text[:300].replace(chr(10), ' ')}{'…' if len(p.text) > 300 else ''}")
    return 0
