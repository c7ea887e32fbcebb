"""The Learn tab in Chromium against `allguide serve`: a 5-item quiz taken end to end.

The page draws a fresh seed; the test reads it and computes the same quiz with `make_quiz`,
so it knows each key without trusting the page. Screenshots go to tests/artifacts/; with
ALLGUIDE_UPDATE_SCREENSHOTS=1 the README's docs/screenshot-learn.png is redrawn too (a plain
run leaves the checkout clean).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from allguide.assistant import Assistant
from allguide.learn import QuizItem, make_quiz
from browser_support import WAIT_MS, browser, page, served, shoot
from conftest import REPO

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "served"]  # fixtures, used by name
SCREENSHOT = REPO / "docs" / "screenshot-learn.png"


def choose(page: Page, option: str) -> None:
    page.locator("#learn-options").get_by_role("radio", name=option, exact=True).check()


def wrong(item: QuizItem) -> str:
    return next(o for o in item.options if o != item.answer)


def test_a_five_item_quiz_grades_explains_cites_requeues_scores_and_exports(
    page: Page, assistant: Assistant
) -> None:
    page.get_by_role("tab", name="Learn").click()
    page.fill("#learn-length input", "5")
    page.fill("#learn-seed-input input", "five")
    page.click("#learn-start")
    expect(page.locator("#learn-note")).to_contain_text("The seed must be a whole number")
    page.fill("#learn-seed-input input", "")
    page.click("#learn-start")  # a blank seed: the page draws one and shows it
    expect(page.locator("#learn-seed")).to_have_text(re.compile(r"^\d+$"), timeout=WAIT_MS)
    expect(page.locator("#learn-note")).to_have_text("")
    seed = int(page.locator("#learn-seed").inner_text())
    items = make_quiz(assistant.chain.chunks, n=5, seed=seed, kind="mixed")
    expect(page.locator("#learn-header")).to_contain_text(f"allguide quiz --seed {seed} --n 5")
    question = page.locator("#learn-question .ag-learn-q")
    verdict = page.locator("#learn-feedback .ag-verdict")
    bar = page.locator("#learn-progress .ag-progress")

    expect(question).to_have_text(items[0].question)
    choose(page, wrong(items[0]))
    page.click("#learn-answer")
    expect(verdict).to_contain_text(f"Not quite: you chose “{wrong(items[0])}”")
    expect(verdict).to_contain_text(f"The answer is “{items[0].answer}”")
    explained = re.sub(r"\[(\d+)\]", r"\1", items[0].explanation)  # markers become chips
    expect(page.locator("#learn-feedback .ag-explanation")).to_have_text(explained)
    expect(bar).to_have_attribute("aria-valuenow", "0")
    page.locator("#learn-feedback .ag-learn-cites a.ag-chip").first.click()
    mark = page.locator("#ag-learn-src-1-1")
    expect(mark).to_have_text(f"{items[0].citations[0].quote}1")  # the quote and its number
    expect(mark).to_be_in_viewport()
    assert mark.evaluate("e => e.tagName") == "MARK"
    assert mark.evaluate("e => e.closest('details').open") is True
    if os.environ.get("ALLGUIDE_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    shoot(page, "learn-wrong-answer")

    # item 0 was missed: it comes back after three others, then the last item
    for step, index in enumerate([1, 2, 3, 0, 4], start=1):
        page.click("#learn-next")
        expect(question).to_have_text(items[index].question)
        again = page.locator("#learn-question b", has_text="again")
        expect(again).to_have_count(1 if index == 0 else 0)
        choose(page, items[index].answer)
        page.click("#learn-answer")
        expect(verdict).to_have_text("Right.")
        expect(bar).to_have_attribute("aria-valuenow", str(step))
    page.click("#learn-next")

    expect(page.locator("#learn-score")).to_have_text("Score: 4 of 5 right at the first try")
    per_topic = Counter(item.topic for item in items)
    for topic, total in per_topic.items():
        right = total - (topic == items[0].topic)
        row = page.locator(f'#learn-summary tr[data-topic="{topic}"] td')
        expect(row).to_have_text(f"{right} of {total}")
    page.click("#learn-review")
    missed = page.locator("#learn-missed li")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text(items[0].question)
    expect(page.locator("#learn-sources .ag-sources-head")).to_have_text("Sources for question 1")
    shoot(page, "learn-review")

    rows = list(csv.DictReader(io.StringIO(_download(page, "#learn-csv", ".csv"))))
    assert [(r["item_id"], r["correct"], r["try"]) for r in rows] == [
        (items[0].id, "False", "1"),
        *((items[i].id, "True", "1") for i in (1, 2, 3)),
        (items[0].id, "True", "2"),
        (items[4].id, "True", "1"),
    ]
    assert {r["seed"] for r in rows} == {str(seed)}
    assert rows[0]["choice"] == wrong(items[0]) and rows[0]["answer"] == items[0].answer
    data: dict[str, Any] = json.loads(_download(page, "#learn-json", ".json"))
    assert data["seed"] == seed and data["score"] == {"right": 4, "total": 5}
    assert data["by_topic"][items[0].topic]["right"] == per_topic[items[0].topic] - 1
    assert [i["id"] for i in data["items"]] == [i.id for i in items]
    assert data["items"][0]["citations"][0]["quote"] == items[0].citations[0].quote


def _download(page: Page, button: str, suffix: str) -> str:
    with page.expect_download(timeout=WAIT_MS) as info:
        page.click(button)
    download = info.value
    assert download.suggested_filename.endswith(suffix)
    return Path(download.path()).read_text(encoding="utf-8")
