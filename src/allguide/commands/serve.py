"""`allguide serve`: the web UI, after a preflight that fails fast (unsafe bind, busy port)."""

from __future__ import annotations

import argparse

from allguide.commands.common import Subparsers, assistant, port


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("serve", help="serve the web UI (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to bind (default ALLGUIDE_HOST or 127.0.0.1)")
    p.add_argument("--port", type=port, help="port (default ALLGUIDE_PORT or 7860)")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="allow a non-loopback --host without ALLGUIDE_AUTH (anyone reaching it can use it)",
    )


def run(args: argparse.Namespace) -> int:
    from allguide.settings import load_settings
    from allguide.ui.guard import preflight

    settings = load_settings()
    host, bind_port = args.host or settings.host, args.port or settings.port
    # Before Gradio and the index load: an unsafe bind or a busy port fails in a second.
    auth = bool(settings.auth and settings.auth.get_secret_value())
    preflight(host, bind_port, auth=auth, insecure_no_auth=args.insecure_no_auth)

    from allguide.ui import serve

    serve(assistant(), host=host, port=bind_port, insecure_no_auth=args.insecure_no_auth)
    return 0
