"""The UI's pure HTML: chips, highlighted passages, escaping, message kinds, tool blocks, forms."""

from __future__ import annotations

import re
from functools import cache
from html import escape

import pytest

from allguide.answer.chain import EDITION_NOTE
from allguide.assistant import Assistant
from allguide.corpus.pipeline import default_build
from allguide.errors import ToolInputError
from allguide.tools import RULES, run_tool
from allguide.types import Answer, Chunk, Citation, ToolCall
from allguide.ui.forms import form_fields, form_payload, parse_number
from allguide.ui.render import (
    answer_kind,
    highlight,
    render_answer,
    render_sources,
    render_tool_call,
    render_tool_result,
    render_user,
)

CNS_CHUNK = "all-c-029a2e051c"
CNS3 = "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts."
CNS2 = "CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."


@cache
def chunks() -> dict[str, Chunk]:
    return {chunk.chunk_id: chunk for chunk in default_build().chunks}


def cite(n: int, quote: str, chunk_id: str = CNS_CHUNK) -> Citation:
    chunk = chunks()[chunk_id]
    return Citation.of(chunk, n=n, quote=quote)


def make_answer(text: str, citations: list[Citation], **extra: object) -> Answer:
    fields: dict[str, object] = {"tool_calls": [], "refused": False, "latency_ms": 1.0}
    fields.update(extra)
    return Answer.model_validate(
        {"answer": text, "note": EDITION_NOTE, "citations": citations, **fields}
    )


def test_markers_become_chips_linking_to_their_sources() -> None:
    answer = make_answer(f"{CNS3} [1] {CNS2} [2] Stray [7].", [cite(1, CNS3), cite(2, CNS2)])
    html = render_answer(answer, turn=3, chunks=chunks())
    assert re.findall(r'href="#ag-src-3-(\d)"', html) == ["1", "2"]
    assert 'title="ALL-C, p. 1252">1</a>' in html
    assert "Stray [7]." in html  # a marker without a citation stays text
    assert "[1]" not in html
    assert html.index("ag-chip") < html.index(f'<p class="ag-note">{escape(EDITION_NOTE)}</p>')


def test_quote_is_highlighted_once_at_its_offset() -> None:
    text = "Alpha beta. Gamma <delta> beta. Beta again."
    html = highlight(text, [(4, "Gamma <delta> beta.")], turn=2)
    assert html.count("<mark") == 1
    before, marked = html.split('<mark class="ag-mark" id="ag-src-2-4">')
    assert before == escape(text[: text.find("Gamma")])
    assert marked.startswith("Gamma &lt;delta&gt; beta.<sup>4</sup></mark> Beta again.")


def test_first_occurrence_is_the_one_highlighted() -> None:
    html = highlight("x beta y beta", [(1, "beta")], turn=1)
    assert html.startswith('x <mark class="ag-mark" id="ag-src-1-1">beta')
    assert html.count("<mark") == 1


def test_overlapping_quotes_keep_an_anchor_but_one_mark() -> None:
    html = highlight("one two three four", [(1, "two three"), (2, "three four")], turn=1)
    assert html.count("<mark") == 1
    assert '<span class="ag-anchor" id="ag-src-1-2"></span>' in html


def test_sources_panel_groups_quotes_by_passage_and_highlights_each() -> None:
    answer = make_answer(f"{CNS3} [1] {CNS2} [2]", [cite(1, CNS3), cite(2, CNS2)])
    html = render_sources(answer, turn=1, chunks=chunks())
    assert html.count('<details class="ag-source"') == 1
    assert "ALL-C · p. 1252 · algorithm" in html
    marks = re.findall(r'<mark class="ag-mark" id="ag-src-1-(\d)">(.*?)<sup>', html)
    assert marks == [("2", escape(CNS2)), ("1", escape(CNS3))]  # in passage order
    assert CNS_CHUNK in html


def test_real_answer_quotes_are_highlighted_verbatim(assistant: Assistant) -> None:
    answer = assistant.ask("What is the threshold for MRD negativity?")
    html = render_sources(answer, turn=1, chunks=assistant.chain.chunks)
    assert answer.citations
    for citation in answer.citations:
        marked = re.search(rf'id="ag-src-1-{citation.n}">(.*?)<sup>', html)
        assert marked is not None
        assert marked.group(1) == escape(citation.quote)


def test_user_and_model_text_is_escaped() -> None:
    html = render_user('<script>alert("x")</script> & <b>bold</b>')
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    answer = make_answer("<img src=x onerror=alert(1)> [1]", [cite(1, CNS2)])
    assert "<img" not in render_answer(answer, turn=1, chunks=chunks())
    assert "WBC &lt;5/mcL" in render_sources(answer, turn=1, chunks=chunks())


def test_refusal_and_clarification_are_styled_apart_from_answers() -> None:
    refusal = make_answer("The 2015 guideline does not address this.", [], refused=True)
    waiting = ToolCall(
        name="cns_status",
        input={"csf_wbc_per_mcl": 8.0},
        output={"status": "needs_input", "missing": ["csf_blasts_present"], "question": "Q?"},
    )
    clarify = make_answer("Were lymphoblasts seen in the CSF?", [], tool_calls=[waiting])
    plain = make_answer(f"{CNS3} [1]", [cite(1, CNS3)])
    assert [answer_kind(a) for a in (refusal, clarify, plain)] == ["refusal", "clarify", "answer"]
    refusal_html = render_answer(refusal, turn=1, chunks=chunks())
    clarify_html = render_answer(clarify, turn=1, chunks=chunks())
    plain_html = render_answer(plain, turn=1, chunks=chunks())
    assert refusal_html.startswith('<div class="ag-msg ag-refusal"><div class="ag-label">Outside')
    assert clarify_html.startswith('<div class="ag-msg ag-clarify"><div class="ag-label">Needs')
    assert plain_html.startswith('<div class="ag-msg ag-answer"><p')
    assert "cites no passages" in render_sources(refusal, turn=1, chunks=chunks())


def test_tool_block_shows_tool_inputs_result_and_cited_rule() -> None:
    payload = {"csf_wbc_per_mcl": 12.0, "csf_blasts_present": True}
    call = ToolCall(name="cns_status", input=payload, output=run_tool("cns_status", payload))
    html = render_tool_call(call, chunks())
    assert html.startswith('<details class="ag-tool"><summary>Rule tool: CNS status')
    assert "(cns_status) · CNS-3</span>" in html
    assert "<th>csf wbc per mcl</th><td>12</td>" in html
    assert "<th>csf blasts present</th><td>yes</td>" in html
    assert f'<blockquote class="ag-rule">{escape(CNS3)}</blockquote>' in html
    assert f"ALL-C · p. 1252 · {CNS_CHUNK}" in html


def test_a_failed_tool_call_says_so() -> None:
    output = {"status": "error", "error": "mutations: 'Q999' is not an ABL1 point mutation"}
    call = ToolCall(name="tki_by_mutation", input={"mutations": ["Q999"]}, output=output)
    html = render_tool_call(call, chunks())
    assert "(tki_by_mutation) · could not run</span>" in html
    assert "<th>error</th><td>mutations: &#x27;Q999&#x27; is not" in html


def test_needs_input_result_shows_the_question() -> None:
    output = run_tool("mrd_status", {"mrd_pct": 0.005})
    html = render_tool_result(output, chunks())
    assert 'class="ag-clarify"' in html
    assert escape(output["question"]) in html
    assert "assay sensitivity pct" in html


def test_forms_follow_the_input_models() -> None:
    for name, (_, model) in RULES.items():
        assert [f.name for f in form_fields(model)] == list(model.model_fields), name
    cns = {f.name: f for f in form_fields(RULES["cns_status"][1])}
    assert (cns["csf_wbc_per_mcl"].kind, cns["csf_wbc_per_mcl"].required) == ("number", True)
    assert cns["csf_blasts_present"].kind == "yes_no"
    assert (cns["traumatic_tap"].kind, cns["traumatic_tap"].default) == ("flag", False)
    assert cns["csf_wbc_per_mcl"].label == "CSF white cells per mcL"
    assert cns["csf_rbc_per_mcl"].info == "csf_rbc_per_mcl · optional"
    status = form_fields(RULES["cns_response"][1])[0]
    assert (status.kind, status.choices) == ("choice", ("CNS-1", "CNS-2", "CNS-3"))
    assert form_fields(RULES["tki_by_mutation"][1])[0].kind == "list"


def test_form_values_become_the_tool_payload() -> None:
    fields = form_fields(RULES["cns_status"][1])
    values = ["1,200", "yes", True, " ", "2e4", None, False, False]
    assert form_payload(fields, values) == {
        "csf_wbc_per_mcl": 1200.0,
        "csf_blasts_present": True,
        "traumatic_tap": True,
        "blood_wbc_per_mcl": 20000.0,
        "peripheral_blasts": False,
        "cranial_nerve_palsy": False,
    }
    tki = form_fields(RULES["tki_by_mutation"][1])
    assert form_payload(tki, ["T315I, E255K/V;  F317L"]) == {
        "mutations": ["T315I", "E255K/V", "F317L"]
    }


def test_a_gene_prefixed_mutation_stays_one_item_and_runs() -> None:
    tki = form_fields(RULES["tki_by_mutation"][1])
    payload = form_payload(tki, ["BCR-ABL1 T315I, ABL1 p.E255K"])
    assert payload == {"mutations": ["BCR-ABL1 T315I", "ABL1 p.E255K"]}
    result = run_tool("tki_by_mutation", payload)
    assert result["per_mutation"] == {"T315I": ["ponatinib"], "E255K": ["dasatinib", "bosutinib"]}


def test_numbers_are_read_as_the_chat_reads_them() -> None:
    fields = form_fields(RULES["response"][1])
    names = [f.name for f in fields]
    values = [None] * len(fields)
    values[names.index("platelets_per_mcl")] = "120k"
    values[names.index("anc_per_mcl")] = "1,200"
    assert form_payload(fields, values) == {"platelets_per_mcl": 120000.0, "anc_per_mcl": 1200.0}
    assert parse_number("mrd_fraction", "1e-4") == 0.0001


def test_a_non_number_names_its_field() -> None:
    fields = form_fields(RULES["cns_status"][1])
    with pytest.raises(ToolInputError) as caught:
        form_payload(fields, ["twelve", "yes", False, None, None, None, False, False])
    assert caught.value.field == "csf_wbc_per_mcl"
    assert caught.value.message == "csf_wbc_per_mcl: must be a number (got 'twelve')"
