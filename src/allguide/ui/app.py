"""The Gradio app: `build_app(assistant)` lays out the banner, Chat, Calculators and Learn tabs.

Chat tab: cited answers with chips, a sources panel with the quoted spans highlighted, rule
tool blocks, thumbs up/down feedback (handlers in `session`). Calculators tab: one form per
rule tool, generated from its input model (`forms`). Domain errors become notes under the
offending field. Learn tab: cited quizzes (`learn`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from allguide.errors import BadInputError, ToolInputError
from allguide.rules.provenance import QuoteResolver
from allguide.tools import RULES, run_tool
from allguide.ui import forms, render
from allguide.ui.learn import build_learn_tab
from allguide.ui.session import ChatSession

if TYPE_CHECKING:
    from collections.abc import Mapping

    from allguide.assistant import Assistant
    from allguide.types import Chunk

EXAMPLES = [
    "What defines CNS-3?",
    "CSF WBC 12/mcL with blasts, atraumatic tap, no blasts in the blood: CNS status?",
    "Which TKI is recommended for a T315I mutation?",
    "What is the threshold for MRD negativity?",
    "What are the criteria for a complete response?",
]


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole app: banner, Chat, Calculators and Learn tabs."""
    session = ChatSession(assistant)
    app: gr.Blocks
    with gr.Blocks(title="allguide: NCCN ALL 2015") as app:
        gr.HTML(
            f'<div class="ag-banner"><b>allguide</b> · {render.BANNER}</div>',
            elem_id="ag-banner",
        )
        with gr.Tabs():
            with gr.Tab("Chat", elem_id="tab-chat"):
                _chat_tab(session)
            with gr.Tab("Calculators", elem_id="tab-calculators"):
                _calculators_tab(session.chunks)
            with gr.Tab("Learn", elem_id="tab-learn"):
                build_learn_tab(session.chunks)
    return app


def _chat_tab(session: ChatSession) -> None:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chat = gr.Chatbot(
                elem_id="ag-chat",
                show_label=False,
                height=470,
                render_markdown=False,
                feedback_options=("Like", "Dislike"),
                buttons=["copy"],
                placeholder="Ask about the 2015 NCCN ALL guideline. Every answer cites the "
                "passages it comes from; click a numbered chip to see the passage.",
            )
            with gr.Row():
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Type a question, e.g. What defines CNS-3?",
                    elem_id="ag-question",
                    scale=6,
                    max_lines=6,
                    max_length=session.assistant.settings.max_question_chars,
                    autofocus=True,
                )
                ask = gr.Button("Ask", variant="primary", elem_id="ag-ask", scale=1, min_width=80)
                clear = gr.Button("Clear", elem_id="ag-clear", scale=1, min_width=80)
            gr.Examples(EXAMPLES, inputs=question, label="Example questions")
            with gr.Row():
                comment = gr.Textbox(
                    label="Comment on an answer (optional)",
                    info="Sent with your next thumbs up or down under an answer.",
                    elem_id="ag-comment",
                    max_length=session.assistant.settings.max_comment_chars,
                    scale=3,
                )
                status = gr.HTML("", elem_id="ag-feedback-status")
        with gr.Column(scale=2, min_width=360):
            sources = gr.HTML(
                render.render_sources(None, turn=0, chunks=session.chunks), elem_id="ag-sources"
            )
            with gr.Accordion("Answer as JSON", open=False):
                raw = gr.JSON(elem_id="ag-json", show_label=False)
    outputs = [question, chat, sources, raw, turns]
    gr.on([question.submit, ask.click], session.ask, [question, turns], outputs, api_name="ask")
    clear.click(session.clear, None, [*outputs, status], api_name="clear")
    chat.clear(session.clear, None, [*outputs, status], api_visibility="private")
    chat.select(session.select, turns, sources, api_visibility="private")
    chat.like(session.vote, [turns, comment], [comment, status], api_visibility="private")


def _calculators_tab(chunks: Mapping[str, Chunk]) -> None:
    gr.HTML(
        '<p class="ag-small">Each form applies one rule of the guideline. Leave optional '
        "fields blank when unknown; the result quotes the rule it applied.</p>"
    )
    resolver = QuoteResolver(chunks.values())  # rule citations in the served index
    with gr.Tabs():
        for name, (_, model) in RULES.items():
            with gr.Tab(render.TOOL_LABELS.get(name, name), elem_id=f"calc-{name}"):
                _calculator(name, forms.form_fields(model), chunks, resolver)


def _calculator(
    name: str,
    fields: list[forms.FormField],
    chunks: Mapping[str, Chunk],
    resolver: QuoteResolver,
) -> None:
    inputs: list[Any] = []
    notes: list[Any] = []
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            for pair in (fields[i : i + 2] for i in range(0, len(fields), 2)):
                with gr.Row(equal_height=False):
                    for field in pair:
                        with gr.Column(min_width=240):
                            inputs.append(_input(name, field))
                            notes.append(gr.HTML(visible=False, elem_id=f"err-{name}-{field.name}"))
                    if len(pair) == 1:
                        gr.Column(min_width=240)  # keeps a lone field at half width
            run = gr.Button("Calculate", variant="primary", elem_id=f"run-{name}")
        with gr.Column(scale=2):
            form_note = gr.HTML(visible=False, elem_id=f"err-{name}")
            result = gr.HTML(_EMPTY_RESULT, elem_id=f"result-{name}")

    def calculate(*values: Any) -> list[Any]:
        field_notes = [""] * (len(fields) + 1)  # one per field, then the form's own
        try:
            output = run_tool(name, forms.form_payload(fields, values), resolver=resolver)
        except BadInputError as exc:
            field = exc.field if isinstance(exc, ToolInputError) else None
            where = next((i for i, f in enumerate(fields) if f.name == field), len(fields))
            field_notes[where] = render.render_field_error(exc.message)
            return [*map(_note, field_notes), _EMPTY_RESULT]
        return [*map(_note, field_notes), render.render_tool_result(output, chunks)]

    run.click(calculate, inputs, [*notes, form_note, result], api_name=f"tool_{name}")


_EMPTY_RESULT = '<p class="ag-empty">Fill in the form and press Calculate.</p>'


def _note(html: str) -> Any:
    """A field's validation note: shown when there is a message, hidden otherwise."""
    return gr.HTML(value=html, visible=bool(html))


def _input(tool: str, field: forms.FormField) -> Any:
    """The Gradio input for one form field."""
    common: dict[str, Any] = {
        "label": field.label,
        "info": field.info,
        "elem_id": f"in-{tool}-{field.name}",
    }
    if field.kind == "number":
        return gr.Textbox(placeholder="a number; blank if unknown", **common)
    if field.kind == "flag":
        return gr.Checkbox(value=bool(field.default), **common)
    if field.kind == "yes_no":
        return gr.Radio(["yes", "no"], value=None, **common)
    if field.kind == "choice":
        return gr.Dropdown(list(field.choices), value=field.default, **common)
    common["info"] = f"{field.info} · separate several with commas"
    return gr.Textbox(placeholder="e.g. T315I, E255K", **common)
