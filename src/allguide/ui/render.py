"""Pure HTML for the web UI: answers with citation chips, highlighted passages, rule-tool blocks.

No Gradio here, so every piece is testable without a browser. All user, model and corpus text
goes through `html.escape`; the only markup is ours. Messages are single-line HTML (no blank
lines) so the chat component passes them through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Literal

from allguide.guidelines import NCCN_ALL_2015
from allguide.rules.common import verdict
from allguide.tools import LABELS, RULES
from allguide.types import Answer, Chunk, Citation, ToolCall, page_label

BANNER = f"{NCCN_ALL_2015.name} text only · not medical advice · runs offline"
Kind = Literal["answer", "clarify", "refusal", "error"]
TOOL_LABELS: Mapping[str, str] = LABELS
"""Tool name → label (calculator tab, tool block), read live from the rule registry."""
_LABELS: dict[Kind, str] = {
    "answer": "",
    "clarify": "Needs more information",
    "refusal": "Outside the guideline",
    "error": "Could not answer",
}
_MARKER = re.compile(r"\[(\d+)\]")


def answer_kind(answer: Answer) -> Kind:
    """Refusal, clarifying question (a tool needs input and nothing is cited) or answer."""
    if answer.refused:
        return "refusal"
    waiting = any(call.output.get("status") == "needs_input" for call in answer.tool_calls)
    return "clarify" if waiting and not answer.citations else "answer"


def text_html(text: str) -> str:
    """Escaped text with line breaks kept."""
    return escape(text).replace("\n", "<br>")


def chip(n: int, *, turn: int, title: str = "") -> str:
    """The clickable `[n]` marker: a link to citation n of answer `turn` in the sources panel."""
    hint = f' title="{escape(title)}"' if title else ""
    return f'<a class="ag-chip" href="#ag-src-{turn}-{n}"{hint}>{n}</a>'


def with_chips(text: str, citations: Sequence[Citation], *, turn: int) -> str:
    """Escaped `text` whose `[n]` markers (for known citations only) become chips."""
    known = {c.n: c for c in citations}

    def swap(match: re.Match[str]) -> str:
        cite = known.get(int(match.group(1)))
        if cite is None:
            return match.group(0)
        return chip(cite.n, turn=turn, title=f"{cite.section}, {page_label(cite.page)}")

    return _MARKER.sub(swap, text_html(text))


def render_user(question: str) -> str:
    """A user's question, shown as plain text."""
    return f'<div class="ag-msg ag-user">{text_html(question)}</div>'


def render_error(message: str) -> str:
    """A one-line problem (bad input, failure) shown in the chat instead of an answer."""
    return _message("error", f'<p class="ag-p">{text_html(message)}</p>')


def render_answer(answer: Answer, *, turn: int, chunks: Mapping[str, Chunk]) -> str:
    """The assistant's reply: paragraphs with chips, tool blocks, then `Answer.note`."""
    paras = (p.strip() for p in answer.answer.split("\n\n"))
    body = [f'<p class="ag-p">{with_chips(p, answer.citations, turn=turn)}</p>' for p in paras if p]
    body.extend(render_tool_call(call, chunks) for call in answer.tool_calls)
    note = f'<p class="ag-note">{escape(answer.note)}</p>' if answer.note else ""
    return _message(answer_kind(answer), "".join(body) + note)


def _message(kind: Kind, inner: str) -> str:
    label = _LABELS[kind]
    head = f'<div class="ag-label">{label}</div>' if label else ""
    return f'<div class="ag-msg ag-{kind}">{head}{inner}</div>'


def highlight(text: str, quotes: Sequence[tuple[int, str]], *, turn: int) -> str:
    """Escaped passage with each `(n, quote)` wrapped in `<mark id=ag-src-turn-n>` at its offset.

    A quote that overlaps an earlier one keeps its anchor (an empty span) but no second mark.
    """
    found = sorted(
        (start, n, quote) for n, quote in quotes if (start := text.find(quote)) >= 0 and quote
    )
    out: list[str] = []
    pos = 0
    for start, n, quote in found:
        anchor = f"ag-src-{turn}-{n}"
        if start < pos:
            out.append(f'<span class="ag-anchor" id="{anchor}"></span>')
            continue
        out.append(escape(text[pos:start]))
        out.append(f'<mark class="ag-mark" id="{anchor}">{escape(quote)}<sup>{n}</sup></mark>')
        pos = start + len(quote)
    out.append(escape(text[pos:]))
    return "".join(out)


def render_sources(answer: Answer | None, *, turn: int, chunks: Mapping[str, Chunk]) -> str:
    """The sources panel: one block per cited passage, the quoted spans highlighted."""
    if answer is None:
        return (
            '<div class="ag-sources ag-empty">Sources appear here. Ask a question, then click '
            "a numbered chip to jump to the passage it cites.</div>"
        )
    head = f'<div class="ag-sources-head">Sources for answer {turn}</div>'
    if not answer.citations:
        empty = '<p class="ag-empty">This reply cites no passages.</p>'
        return f'<div class="ag-sources">{head}{empty}</div>'
    groups: dict[str, list[Citation]] = {}
    for cite in answer.citations:
        groups.setdefault(cite.chunk_id, []).append(cite)
    # With more than one document in the index, each passage names the one it is from.
    named = len({c.source for c in chunks.values()}) > 1
    blocks = [
        _source_block(cites, chunks.get(cid), turn=turn, named=named)
        for cid, cites in groups.items()
    ]
    return f'<div class="ag-sources">{head}{"".join(blocks)}</div>'


def _source_block(
    cites: list[Citation], chunk: Chunk | None, *, turn: int, named: bool = False
) -> str:
    first = cites[0]
    numbers = "".join(chip(c.n, turn=turn) for c in cites)
    kind = f" · {chunk.kind}" if chunk else ""
    meta = f"{escape(first.section)} · {page_label(first.page)}{kind}"
    title = f'<div class="ag-title">{escape(chunk.title)}</div>' if chunk else ""
    if named:
        title = f'<div class="ag-doc">{escape(first.source_title)}</div>{title}'
    quotes = [(c.n, c.quote) for c in cites]
    if chunk is None:
        text = "".join(f"<p>{highlight(q, [(n, q)], turn=turn)}</p>" for n, q in quotes)
    else:
        text = re.sub(r"\n{2,}", "\n", highlight(chunk.text, quotes, turn=turn))
    return (
        f'<details class="ag-source" open><summary>{numbers} <span class="ag-meta">{meta}'
        f'</span></summary>{title}<div class="ag-passage">{text}</div>'
        f'<div class="ag-id">{escape(first.chunk_id)}</div></details>'
    )


def format_value(value: Any) -> str:
    """A result or input value as short escaped text (yes/no, lists, whole numbers)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "not given"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else repr(value)
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{escape(str(k))}: {format_value(v)}" for k, v in value.items())
    return escape(str(value))


def _rows(data: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{escape(k.replace('_', ' '))}</th><td>{format_value(v)}</td></tr>"
        for k, v in data.items()
    )
    return f'<table class="ag-kv">{rows}</table>'


def rule_citation(output: Mapping[str, Any], chunks: Mapping[str, Chunk]) -> str:
    """`section · p. N · chunk-id` for the chunk that holds the rule's text."""
    ids: list[str] = list(output.get("chunk_ids") or [])
    rule = str(output.get("rule", ""))
    holder = next((chunks[i] for i in ids if i in chunks and rule in chunks[i].text), None)
    if holder is None:
        return escape(str(output.get("source", "")))
    return f"{escape(holder.section)} · {page_label(holder.page)} · {escape(holder.chunk_id)}"


def render_tool_result(output: Mapping[str, Any], chunks: Mapping[str, Chunk]) -> str:
    """A rule tool's output: the verdict (or the question it needs answered), rule and notes."""
    parts: list[str] = []
    if output.get("status") == "needs_input":
        missing = format_value([m.replace("_", " ") for m in output.get("missing") or []])
        parts.append(
            f'<div class="ag-clarify"><div class="ag-label">Needs more information</div>'
            f"<p>{escape(str(output.get('question') or ''))}</p>"
            f'<p class="ag-small">Missing: {missing}</p></div>'
        )
    shown = {k: v for k, v in verdict(output).items() if v is not None}
    if shown:
        parts.append(_rows(shown))
    if output.get("rule"):
        parts.append(
            f'<blockquote class="ag-rule">{text_html(str(output["rule"]))}</blockquote>'
            f'<div class="ag-cite">{rule_citation(output, chunks)}</div>'
        )
    quotes = "".join(f"<li>{text_html(q)}</li>" for q in output.get("quotes") or [])
    if quotes:
        parts.append(f'<div class="ag-small">Also from the guideline:</div><ul>{quotes}</ul>')
    notes = "".join(f"<li>{text_html(n)}</li>" for n in output.get("notes") or [])
    if notes:
        parts.append(f'<div class="ag-small">How the rule was applied:</div><ul>{notes}</ul>')
    return f'<div class="ag-result">{"".join(parts)}</div>'


def render_tool_call(call: ToolCall, chunks: Mapping[str, Chunk]) -> str:
    """A collapsible block: the tool, its parsed inputs, the result and the rule quoted."""
    label = TOOL_LABELS.get(call.name, call.name)
    spec = RULES.get(call.name)
    key = spec.summary_field if spec else call.name
    summary = {"needs_input": "needs more information", "error": "could not run"}.get(
        call.output.get("status", ""), format_value(call.output.get(key)).replace("_", " ")
    )
    return (
        f'<details class="ag-tool"><summary>Rule tool: {escape(label)} '
        f'<span class="ag-meta">({escape(call.name)}) · {summary}</span></summary>'
        f'<div class="ag-small">Inputs read from the question:</div>{_rows(call.input)}'
        f'<div class="ag-small">Result:</div>{render_tool_result(call.output, chunks)}</details>'
    )


def render_field_error(message: str) -> str:
    """A validation message shown under the form field it names."""
    return f'<div class="ag-field-error" role="alert">{escape(message)}</div>' if message else ""
