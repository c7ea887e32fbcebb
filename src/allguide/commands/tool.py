"""`allguide tool NAME --input JSON`: run one rule tool and print its output."""

from __future__ import annotations

import argparse
import json

from allguide.commands.common import Subparsers
from allguide.errors import BadInputError
from allguide.validate import parse_json


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("tool", help="run one rule tool on JSON input")
    p.add_argument("name")
    p.add_argument("--input", required=True, help="JSON object of the tool's inputs")


def run(args: argparse.Namespace) -> int:
    from allguide.tools import run_tool

    payload = parse_json(args.input, what="--input")
    if not isinstance(payload, dict):
        raise BadInputError('--input must be a JSON object, e.g. \'{"mutations": ["T315I"]}\'')
    print(json.dumps(run_tool(args.name, payload), ensure_ascii=False, indent=2))
    return 0
