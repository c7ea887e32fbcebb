"""Pure HTML for the web UI: answers with citation chips, highlighted passages, rule-tool blocks.

No Gradio here, so every piece is testable without a browser. All user, model and corpus text
goes through `html.escape`; the only markup is ours. Messages are single-line HTML (no blank
lines) so the chat component passes them through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from allguide.answer.chain import EDITION_NOTE
from allguide.errors import ToolInputError
from allguide.types import Answer, Chunk, Citation, ToolCall

BANNER = "2015 NCCN ALL guideline text only · not medical advice · runs offline"
Kind = Literal["answer", "clarify", "refusal", "error"]
TOOL_LABELS: dict[str, str] = {
    "cns_status": "CNS status",
    "response": "Blood and marrow response",
    "cns_response": "CNS response",
    "mediastinal_response": "Mediastinal response",
    "mrd_status": "MRD status",
    "tki_by_mutation": "TKI by mutation",
}
_LABELS: dict[Kind, str] = {
    "answer": "",
    "clarify": "Needs more information",
    "refusal": "Outside the guideline",
    "error": "Could not answer",
}
_PROVENANCE = frozenset(
    {"status", "rule", "quotes", "source", "chunk_ids", "notes", "missing", "question"}
)
_MARKER = re.compile(r"\[(\d+)\]")
_GROUPED = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")


def answer_kind(answer: Answer) -> Kind:
    """Refusal, clarifying question (a tool needs input and nothing is cited) or answer."""
    if answer.refused:
        return "refusal"
    waiting = any(call.output.get("status") == "needs_input" for call in answer.tool_calls)
    return "clarify" if waiting and not answer.citations else "answer"


def text_html(text: str) -> str:
    """Escaped text with line breaks kept."""
    return escape(text).replace("\n", "<br>")


def page_label(page: int | None) -> str:
    """`p. 1252`, or `page n/a` when the journal page is unknown."""
    return f"p. {page}" if page else "page n/a"


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
    """The assistant's reply: paragraphs with chips, tool blocks, then the edition note."""
    body: list[str] = []
    note = ""
    for para in (p.strip() for p in answer.answer.split("\n\n")):
        if para == EDITION_NOTE:
            note = f'<p class="ag-note">{escape(para)}</p>'
        elif para:
            body.append(f'<p class="ag-p">{with_chips(para, answer.citations, turn=turn)}</p>')
    body.extend(render_tool_call(call, chunks) for call in answer.tool_calls)
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
    blocks = [_source_block(cites, chunks.get(cid), turn=turn) for cid, cites in groups.items()]
    return f'<div class="ag-sources">{head}{"".join(blocks)}</div>'


def _source_block(cites: list[Citation], chunk: Chunk | None, *, turn: int) -> str:
    first = cites[0]
    numbers = "".join(chip(c.n, turn=turn) for c in cites)
    kind = f" · {chunk.kind}" if chunk else ""
    meta = f"{escape(first.section)} · {page_label(first.page)}{kind}"
    title = f'<div class="ag-title">{escape(chunk.title)}</div>' if chunk else ""
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


def verdict(output: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's own result fields (provenance and status left out)."""
    return {k: v for k, v in output.items() if k not in _PROVENANCE}


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
    key = "per_mutation" if call.name == "tki_by_mutation" else call.name
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


FieldKind = Literal["number", "flag", "yes_no", "choice", "list"]


@dataclass(frozen=True)
class FormField:
    """One calculator input, derived from a rule's pydantic input field."""

    name: str
    kind: FieldKind
    label: str
    required: bool
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def info(self) -> str:
        return f"{self.name} · {'required' if self.required else 'optional'}"


def form_fields(model: type[BaseModel]) -> list[FormField]:
    """The form of a rule tool: one field per input, kind chosen from its type."""
    fields: list[FormField] = []
    for name, info in model.model_fields.items():
        required = info.is_required()
        kind, choices = _field_kind(info.annotation, required=required)
        label = (info.description or name.replace("_", " ")).rstrip(".")
        default = None if required else info.get_default()
        fields.append(FormField(name, kind, label, required, default, choices))
    return fields


def _field_kind(annotation: Any, *, required: bool) -> tuple[FieldKind, tuple[str, ...]]:
    args = get_args(annotation)
    if annotation is bool:
        return ("yes_no" if required else "flag"), ()
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in args)
    if get_origin(annotation) is list:
        return "list", ()
    if annotation is float or float in args:
        return "number", ()
    raise TypeError(f"no form input for a field of type {annotation!r}")


def parse_number(name: str, value: Any) -> float:
    """A typed number (`1200`, `1,200`, `0.01`, `1e-4`); anything else names the field."""
    text = str(value).strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ToolInputError(f"{name}: must be a number (got {text!r})", field=name) from None


def form_payload(fields: Sequence[FormField], values: Sequence[Any]) -> dict[str, Any]:
    """The tool payload from form values; blanks are left out so the rule reports them."""
    payload: dict[str, Any] = {}
    for field, value in zip(fields, values, strict=True):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field.kind == "yes_no":
            payload[field.name] = value == "yes"
        elif field.kind == "flag":
            payload[field.name] = bool(value)
        elif field.kind == "number":
            payload[field.name] = parse_number(field.name, value)
        elif field.kind == "list":
            items = [item for item in re.split(r"[,;\s]+", str(value)) if item]
            if items:
                payload[field.name] = items
        else:
            payload[field.name] = value
    return payload


# The classes above, styled. Colours are explicit so the page reads the same in dark mode.
CSS = """
.gradio-container {max-width: 1400px !important; overflow: clip !important}
#ag-banner {position: sticky; top: 0; z-index: 50}
.ag-banner {background: #0f3d63; color: #fff; padding: 7px 14px; border-radius: 6px;
  font-size: 15px}
.ag-banner b {color: #fff; letter-spacing: .02em}
.ag-msg {color: inherit; line-height: 1.5}
.ag-msg .ag-p {margin: 0 0 .45em}
.ag-label {font-size: .75em; font-weight: 700; text-transform: uppercase; letter-spacing: .05em}
.ag-clarify, .ag-refusal, .ag-error {padding: .45em .75em; border-radius: 4px; color: #1f2937}
.ag-clarify {border-left: 4px solid #b7791f; background: #fffaf0}
.ag-clarify .ag-label {color: #975a16}
.ag-refusal {border-left: 4px solid #64748b; background: #f1f5f9}
.ag-refusal .ag-label {color: #475569}
.ag-error {border-left: 4px solid #c53030; background: #fff5f5}
.ag-error .ag-label {color: #c53030}
.ag-chip {display: inline-block; min-width: 1.5em; padding: 0 .35em; margin: 0 .12em;
  border-radius: 999px; background: #dbe7f5; color: #0f3d63 !important; font-size: .78em;
  font-weight: 700; line-height: 1.55em; text-align: center; text-decoration: none !important;
  vertical-align: .12em; cursor: pointer}
.ag-chip:hover {background: #0f3d63; color: #fff !important}
.ag-note {color: #64748b; font-size: .82em; border-top: 1px solid #e2e8f0; padding-top: .35em;
  margin: .5em 0 0}
.ag-tool {border: 1px solid #cbd5e1; border-radius: 6px; padding: .35em .65em; margin: .5em 0;
  background: #f8fafc; color: #1f2937}
.ag-tool summary {cursor: pointer; font-weight: 600; font-size: .92em}
.ag-kv {border-collapse: collapse; border: none !important; margin: .25em 0 .5em; width: auto}
.ag-kv th, .ag-kv td {border: none !important; padding: 1px 10px 1px 0; text-align: left;
  vertical-align: top; background: none !important}
.ag-kv th {font-weight: 600; color: #334155; font-size: .9em !important}
.ag-kv td {font-size: .9em !important}
.ag-rule {border-left: 3px solid #2b6cb0; margin: .5em 0 .2em; padding: .25em .7em;
  background: #eef4fb; color: #1f2937}
.ag-cite, .ag-small, .ag-id, .ag-meta, .ag-empty {color: #64748b; font-size: .85em}
.ag-result ul {margin: .2em 0 .5em 1.2em; font-size: .9em}
.ag-sources {max-height: 640px; overflow-y: auto; padding: 2px}
.ag-sources-head {font-weight: 700; margin-bottom: .4em}
.ag-source {border: 1px solid #cbd5e1; border-radius: 6px; padding: .45em .7em; margin-bottom: .6em;
  background: #fff; color: #1f2937}
.ag-source summary {cursor: pointer}
.ag-title {font-weight: 600; font-size: .9em; margin-top: .3em}
.ag-passage {white-space: pre-wrap; font-size: .9em; line-height: 1.45; margin: .35em 0}
.ag-mark {background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px}
.ag-mark sup {font-size: .7em; font-weight: 700; color: #7c5800; margin-left: 2px}
.ag-flash {outline: 3px solid #2b6cb0; outline-offset: 2px}
.ag-field-error {color: #c53030; font-size: .88em; margin: -2px 0 6px}
.ag-status {color: #166534; font-size: .9em; padding-top: 1.6em}
"""

# Chips jump to their passage in the sources panel (opening it), waiting briefly when a
# click on an older answer is still re-rendering the panel.
JS = """
() => {
  document.addEventListener("click", (event) => {
    const chip = event.target.closest && event.target.closest("a.ag-chip");
    if (!chip) return;
    event.preventDefault();
    const id = chip.getAttribute("href").slice(1);
    let tries = 0;
    const show = () => {
      const target = document.getElementById(id);
      if (!target) { if (tries++ < 20) setTimeout(show, 100); return; }
      const box = target.closest("details");
      if (box) box.open = true;
      target.scrollIntoView({block: "center", behavior: "smooth"});
      target.classList.add("ag-flash");
      setTimeout(() => target.classList.remove("ag-flash"), 1500);
    };
    show();
  }, true);
}
"""
