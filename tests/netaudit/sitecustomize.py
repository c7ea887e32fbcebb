"""Injected through PYTHONPATH by tests/test_hardening_network.py: log every network target.

An audit hook records each `socket.connect`, `socket.sendto` and `socket.getaddrinfo` of
this process (and of its children, which inherit PYTHONPATH) as a JSON line in $NETAUDIT_LOG.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

_LOG = Path(os.environ["NETAUDIT_LOG"]) if os.environ.get("NETAUDIT_LOG") else None
_EVENTS = {"socket.connect", "socket.sendto", "socket.getaddrinfo"}


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, str | int) else repr(value)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:
        return
    if event == "socket.getaddrinfo":
        target: Any = [args[0], args[1]]
        family = None
    else:
        target = args[1]
        family = int(getattr(args[0], "family", -1))
    line = json.dumps(
        {"event": event, "target": _plain(target), "family": family, "pid": os.getpid()}
    )
    if _LOG is None:
        return
    with _LOG.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


if _LOG is not None:
    with _LOG.open("a", encoding="utf-8") as out:
        out.write(
            json.dumps({"event": "start", "argv": getattr(sys, "argv", []), "pid": os.getpid()})
            + "\n"
        )
    sys.addaudithook(_hook)
