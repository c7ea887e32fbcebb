"""What the browser tests share: the served app, headless Chromium, a page that must stay on
127.0.0.1, and screenshots under tests/artifacts/. Imported by the tests/test_ui_*browser.py
modules (pytest finds the fixtures among their names)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from allguide.assistant import Assistant
from allguide.evaluation.ui_load import LOAD_QUESTIONS, running_server
from conftest import REPO, free_port, require_binary

ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def served(
    assistant: Assistant, built_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The server's URL and its ALLGUIDE_HOME (a copy of the session index, cache warmed)."""
    assistant.ask(LOAD_QUESTIONS[0])
    home = tmp_path_factory.mktemp("ui-browser") / "home"
    shutil.copytree(built_home, home)
    with running_server(home, free_port(), log=home / "serve.log") as url:
        yield url, home


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = require_binary("/usr/bin/chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, served: tuple[str, Path]) -> Iterator[Page]:
    """A fresh 1280×800 page on the app; on exit, asserts nothing left 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    hosts: set[str] = set()
    opened.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    opened.goto(served[0])
    opened.wait_for_selector("#ag-question textarea", timeout=WAIT_MS)
    yield opened
    context.close()
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {sorted(hosts)}"


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
