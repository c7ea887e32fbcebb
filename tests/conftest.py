"""Shared fixtures: every test gets its own ALLGUIDE_HOME; integration tests share one index."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from allguide.assistant import Assistant
from allguide.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
RAW = (CORPUS / "nccn-all-2015.txt").read_text(encoding="utf-8")
# The CR row of ALL-E (blood and bone marrow response), criterion by criterion.
CR_CRITERIA = (
    "No circulating blasts",
    "<5% blasts",
    ">1000/microL",
    ">100,000/microL",
    "No recurrence for 4 weeks",
)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ALLGUIDE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ALLGUIDE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedded index of the real corpus, built once per test session."""
    home = tmp_path_factory.mktemp("index-home")
    Assistant(Settings(home=home, corpus_dir=CORPUS)).ingest()
    return home


@pytest.fixture(scope="session")
def assistant(built_home: Path) -> Assistant:
    return Assistant(Settings(home=built_home, corpus_dir=CORPUS))


@pytest.fixture(scope="module")
def server(assistant: Assistant) -> Iterator[str]:
    """The app served in this process, one per test module (the browser tests run `allguide
    serve` instead)."""
    from allguide.ui import serve

    port = free_port()
    app = serve(assistant, port=port, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def connect(url: str) -> Any:
    """A `gradio_client.Client` for `url`: one browser session, no analytics, no downloads."""
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_binary(path: str) -> str:
    """The path of a binary a test needs; in CI a missing one fails the test, never skips it."""
    found = shutil.which(path) or (path if Path(path).exists() else None)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is required in CI but is not installed")
    pytest.skip(f"{path} is not installed here (CI installs it)")
    raise AssertionError  # unreachable


@contextmanager
def chroma_server(data: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real `chroma run` server storing under `data`; yields its URL and process."""
    binary = require_binary(str(Path(sys.executable).with_name("chroma")))
    port = free_port()
    data.mkdir(parents=True, exist_ok=True)
    with (data / "server.log").open("w") as log:
        proc = subprocess.Popen(
            [binary, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                        break
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail(f"chroma run exited: {(data / 'server.log').read_text()}")
                    if time.monotonic() > deadline:
                        pytest.fail("chroma server did not start within 60 s")
                    time.sleep(0.3)
            yield url, proc
        finally:
            proc.send_signal(signal.SIGCONT)  # a test may have stopped it
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the corpus folder."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    yield target
