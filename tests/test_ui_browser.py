"""The web UI in a real browser: Playwright driving Debian's Chromium against `allguide serve`.

Waits on elements, never on `networkidle` (Gradio keeps a connection open). Every request the
page makes is recorded and must stay on 127.0.0.1. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser_support import WAIT_MS, browser, page, served, shoot

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "served"]  # fixtures, used by name


def ask(page: Page, question: str, *, answers: int) -> None:
    """Type `question`, press Enter, wait until the chat shows `answers` replies."""
    page.fill("#ag-question textarea", question)
    page.press("#ag-question textarea", "Enter")
    replies = page.locator("#ag-chat .ag-msg:not(.ag-user)")
    expect(replies).to_have_count(answers, timeout=WAIT_MS)


def test_chat_answers_with_highlighted_sources_and_follows_up(page: Page) -> None:
    expect(page.locator("#ag-banner")).to_contain_text(
        "2015 NCCN ALL guideline text only · not medical advice · runs offline"
    )
    page.get_by_text("Which TKI is recommended for a T315I mutation?").click()
    expect(page.locator("#ag-question textarea")).to_have_value(
        "Which TKI is recommended for a T315I mutation?"
    )
    ask(page, "What is the threshold for MRD negativity?", answers=1)
    answer = page.locator("#ag-chat .ag-answer").first
    expect(answer).to_contain_text("MRD negativity")
    chips = answer.locator("a.ag-chip")
    assert chips.count() >= 1
    expect(page.locator("#ag-sources .ag-sources-head")).to_have_text("Sources for answer 1")
    mark = page.locator("#ag-src-1-1")
    expect(mark).to_have_count(1)
    assert mark.evaluate("el => el.tagName") == "MARK"
    assert mark.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    shoot(page, "chat-sources")
    page.locator("#ag-sources details.ag-source").first.locator("summary").click()
    expect(mark).not_to_be_visible()  # its passage folded away
    chips.first.click()  # the chip unfolds the passage and scrolls to the quote
    expect(mark).to_be_in_viewport()

    ask(page, "And in adults?", answers=2)
    expect(page.locator("#ag-chat .ag-answer").nth(1)).to_contain_text("MRD")
    expect(page.locator("#ag-sources .ag-sources-head")).to_have_text("Sources for answer 2")
    page.locator("#ag-chat .ag-answer").first.click()  # an older answer shows its sources again
    expect(page.locator("#ag-sources .ag-sources-head")).to_have_text("Sources for answer 1")
    shoot(page, "chat-follow-up")


def test_clarifications_refusals_tools_and_escaping_look_distinct(page: Page) -> None:
    ask(page, "What is the best pizza in Rome?", answers=1)
    refusal = page.locator("#ag-chat .ag-msg.ag-refusal > .ag-label")
    expect(refusal).to_have_text("Outside the guideline")
    ask(page, "CSF WBC 8/mcL with blasts, what is the CNS status?", answers=2)
    clarify = page.locator("#ag-chat .ag-msg.ag-clarify")
    expect(clarify.locator("> .ag-label")).to_have_text("Needs more information")
    tool = clarify.locator("details.ag-tool")
    expect(tool.locator("summary")).to_contain_text("Rule tool: CNS status")
    tool.locator("summary").click()
    expect(tool).to_contain_text("csf wbc per mcl")
    ask(page, "<script>window.pwned = 1</script> What defines CNS-3?", answers=3)
    expect(page.locator("#ag-chat .ag-user").nth(2)).to_contain_text("<script>window.pwned = 1")
    assert page.evaluate("() => window.pwned") is None
    shoot(page, "chat-kinds")
    page.click("#ag-clear")
    expect(page.locator("#ag-chat .ag-msg")).to_have_count(0)
    expect(page.locator("#ag-sources")).to_contain_text("Sources appear here")


def test_the_answer_engine_examples_read_right_in_the_browser(page: Page) -> None:
    """Issue 10: the defining line first, the CR row whole, an overview without references,
    an off-topic question refused with its reason."""
    ask(page, "How is CNS-2 status defined?", answers=1)
    first = page.locator("#ag-chat .ag-answer").nth(0)
    expect(first).to_contain_text("CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts.")
    expect(page.locator("#ag-src-1-1")).to_have_text(  # quote 1 is the defining line (+ its n)
        re.compile(r"^CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts\.1$")
    )
    ask(page, "What is the definition of complete remission?", answers=2)
    expect(page.locator("#ag-src-2-1")).to_contain_text(
        re.compile(r"No circulating blasts.*<5% blasts.*No recurrence for 4 weeks", re.S)
    )
    ask(page, "How is ALL diagnosed?", answers=3)
    overview = page.locator("#ag-chat .ag-answer").nth(2)
    assert overview.locator("a.ag-chip").count() >= 2
    expect(overview).not_to_contain_text("Gokbuget")
    ask(page, "What is the capital of France?", answers=4)
    refusal = page.locator("#ag-chat .ag-msg.ag-refusal").last
    expect(refusal.locator("> .ag-label")).to_have_text("Outside the guideline")
    expect(refusal).to_contain_text("None of the question's words occur")
    shoot(page, "chat-answer-engine")


def test_calculator_form_validates_next_to_the_field_and_cites_the_rule(page: Page) -> None:
    page.get_by_role("tab", name="Calculators").click()
    wbc = page.locator("#in-cns_status-csf_wbc_per_mcl textarea")
    note = page.locator("#err-cns_status-csf_wbc_per_mcl .ag-field-error")
    wbc.fill("-3")
    page.locator("#in-cns_status-csf_blasts_present label", has_text="yes").click()
    page.click("#run-cns_status")
    expect(note).to_have_text("csf_wbc_per_mcl: must be a finite number ≥ 0 (got -3.0)")
    field_box, note_box = _box(wbc), _box(note)
    assert 0 <= note_box["y"] - (field_box["y"] + field_box["height"]) < 60  # right under it
    assert abs(note_box["x"] - field_box["x"]) < 40
    shoot(page, "calculator-invalid")

    wbc.fill("12")
    page.click("#run-cns_status")
    result = page.locator("#result-cns_status")
    expect(result.locator(".ag-rule")).to_have_text(
        "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts."
    )
    expect(result.locator(".ag-kv")).to_contain_text("CNS-3")
    expect(result.locator(".ag-cite")).to_have_text("ALL-C · p. 1252 · all-c-029a2e051c")
    expect(note).to_have_count(0)
    shoot(page, "calculator-result")


def test_thumbs_down_with_comment_lands_in_the_feedback_file(
    page: Page, served: tuple[str, Path]
) -> None:
    ask(page, "What defines CNS-3?", answers=1)
    page.fill("#ag-comment textarea", "Answer 1 should lead with the CNS-3 definition")
    page.locator("#ag-chat button[aria-label='Dislike']").last.click()
    expect(page.locator("#ag-feedback-status")).to_contain_text(
        "thumbs down recorded for answer 1 with your comment"
    )
    expect(page.locator("#ag-comment textarea")).to_have_value("")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    expect(page.locator(".ag-banner")).to_be_in_viewport()  # the limits banner stays in view
    shoot(page, "feedback")
    lines = (served[1] / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record: dict[str, Any] = json.loads(lines[-1])
    assert record["question"] == "What defines CNS-3?"
    assert record["vote"] == "down"
    assert record["comment"] == "Answer 1 should lead with the CNS-3 definition"
    assert record["citations"] and record["history"] == []
    assert "[1]" in record["answer"]


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return dict(box)
