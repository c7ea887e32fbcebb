"""Network audit: `serve`, `ingest` and `ask` in a hostile environment talk to loopback only.

Each command runs as a subprocess with every telemetry, sharing and online switch turned on,
and with `tests/netaudit/sitecustomize.py` on PYTHONPATH: its audit hook logs every socket
connect, sendto and getaddrinfo target. Every logged address must be loopback or a unix socket.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from allguide.evaluation.ui_load import running_server
from conftest import REPO, free_port

pytestmark = pytest.mark.slow
AUDIT = REPO / "tests" / "netaudit"
HOSTILE = {
    "GRADIO_SHARE": "True",
    "GRADIO_ANALYTICS_ENABLED": "True",
    "HF_HUB_OFFLINE": "0",
    "TRANSFORMERS_OFFLINE": "0",
    "ANONYMIZED_TELEMETRY": "True",
    "HF_HUB_DISABLE_TELEMETRY": "0",
    "HF_DATASETS_OFFLINE": "0",
    "DO_NOT_TRACK": "0",
}


def hostile_env(home: Path, log: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # proxies are the user's routing, not the app's: leave them out for a stable audit
        if not k.startswith("ALLGUIDE_") and "proxy" not in k.lower()
    }
    path = [str(AUDIT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(HOSTILE, PYTHONPATH=os.pathsep.join(path), NETAUDIT_LOG=str(log))
    env["ALLGUIDE_HOME"] = str(home)
    return env


def audited(log: Path) -> list[dict[str, Any]]:
    """The logged events; fails unless the hook ran in at least one process."""
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert any(e["event"] == "start" for e in events), "the audit hook did not load"
    return [e for e in events if e["event"] != "start"]


def is_local(event: dict[str, Any]) -> bool:
    target = event["target"]
    if isinstance(target, str):  # AF_UNIX path (or abstract name)
        return True
    host = target[0] if target else None
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def assert_loopback_only(log: Path) -> list[dict[str, Any]]:
    events = audited(log)
    foreign = [e for e in events if not is_local(e)]
    assert not foreign, f"non-loopback network targets: {foreign[:10]}"
    return events


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allguide.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def home(built_home: Path, tmp_path: Path) -> Path:
    """A copy of the session index (up to date, so `ingest` has nothing to rebuild)."""
    target = tmp_path / "home"
    shutil.copytree(built_home, target)
    return target


def test_serve_and_one_question_stay_on_loopback(home: Path, tmp_path: Path) -> None:
    log = tmp_path / "net.jsonl"
    port = free_port()
    env = hostile_env(home, log)
    del env["GRADIO_SHARE"]  # a request to share is refused: the next test
    with running_server(home, port, log=tmp_path / "serve.log", env=env) as url:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        _, _, _, raw = client.predict("What defines CNS-3?", api_name="/ask")
        client.close()
    assert raw["citations"]
    events = assert_loopback_only(log)
    assert any(e["event"] == "socket.connect" for e in events)  # the hook saw the self-check
    assert "public URL" not in (tmp_path / "serve.log").read_text(encoding="utf-8")


def test_serve_asked_to_share_refuses_in_one_line_and_stays_on_loopback(
    home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "net.jsonl"
    done = run(["serve", "--port", str(free_port())], hostile_env(home, log))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("allguide: error: GRADIO_SHARE=True asks for a public share link")
    assert "Traceback" not in done.stderr
    assert_loopback_only(log)


def test_ingest_stays_on_loopback(home: Path, tmp_path: Path) -> None:
    log = tmp_path / "net.jsonl"
    done = run(["ingest"], hostile_env(home, log))
    assert done.returncode == 0, done.stderr
    assert "index up to date" in done.stdout
    assert_loopback_only(log)


def test_ask_stays_on_loopback(home: Path, tmp_path: Path) -> None:
    log = tmp_path / "net.jsonl"
    done = run(["ask", "What defines CNS-3?", "--json"], hostile_env(home, log))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["citations"]
    assert_loopback_only(log)
