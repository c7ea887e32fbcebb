"""The web UI: `build_app(assistant)` returns the Gradio app, `serve` launches it on loopback.

Chat tab: cited answers with chips, a sources panel with the quoted spans highlighted, rule
tool blocks, thumbs up/down feedback. Calculators tab: one form per rule tool, generated from
its input model. Domain errors become chat messages or notes under the offending field.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.routes import App, ORJSONResponse

from allguide import ui_forms as forms
from allguide import ui_render as render
from allguide import ui_style as style
from allguide.errors import AllguideError, BadInputError, ServeError, ToolInputError
from allguide.feedback import Vote, append_feedback, feedback_path, new_record
from allguide.tools import RULES, run_tool
from allguide.types import Answer, Chunk, Message
from allguide.validate import clean_text, invalid_characters
from allguide.web_guard import ASGIApp, LoginLimiter, WebGuard, preflight

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from allguide.assistant import Assistant

log = logging.getLogger(__name__)

EXAMPLES = [
    "What defines CNS-3?",
    "CSF WBC 12/mcL with blasts, atraumatic tap, no blasts in the blood: CNS status?",
    "Which TKI is recommended for a T315I mutation?",
    "What is the threshold for MRD negativity?",
    "What are the criteria for a complete response?",
]


@dataclass(frozen=True)
class Turn:
    """One exchange: the question, the history it was asked with, the answer or an error."""

    question: str
    history: tuple[Message, ...]
    answer: Answer | None = None
    error: str = ""


class ChatSession:
    """The chat tab's event handlers; the per-browser-session state is a list of `Turn`s."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.chunks: Mapping[str, Chunk] = assistant.chain.chunks
        self.feedback = feedback_path(assistant.settings.home)

    def ask(self, question: str, turns: list[Turn]) -> tuple[Any, ...]:
        """Answer `question` in the context of `turns`; errors become a chat message.

        A rejected question is not kept: its turn holds a short placeholder, so a huge or
        malformed question neither inflates the session nor breaks the next response.
        The session keeps the last `max_history_turns` turns.
        """
        question = question if isinstance(question, str) else ""
        if not question.strip():
            return "", self.messages(turns), self.sources(turns, len(turns)), None, turns
        try:
            question = self._check(question)
        except BadInputError as exc:
            turn = Turn(_placeholder(question), (), error=_sentence(exc.message))
        else:
            turn = self._answer(Turn(question, tuple(_history(turns))))
        turns = [*turns, turn][-self.assistant.settings.max_history_turns :]
        raw = turn.answer.model_dump() if turn.answer else {"error": turn.error}
        return "", self.messages(turns), self.sources(turns, len(turns)), raw, turns

    def _check(self, question: str) -> str:
        """The question as `ask` will see it; BadInputError before any work is done."""
        limit = self.assistant.settings.max_question_chars
        if len(question) > 4 * limit:  # cheap refusal before normalizing megabytes
            raise BadInputError(
                f"the question is {len(question):,} characters long; the limit is {limit:,} "
                "(ALLGUIDE_MAX_QUESTION_CHARS)"
            )
        return clean_text(question, what="question", max_chars=limit)

    def _answer(self, turn: Turn) -> Turn:
        try:
            answer = self.assistant.ask(turn.question, turn.history)
        except BadInputError as exc:
            return Turn(_placeholder(turn.question), (), error=_sentence(exc.message))
        except AllguideError as exc:
            return Turn(turn.question, turn.history, error=_sentence(exc.message))
        except Exception:
            log.error(
                "answering a question (%s) failed\n%s",
                text_fingerprint(turn.question),
                _redacted(traceback.format_exc(), turn.question),
            )
            message = "Something went wrong while answering; the server log has the details."
            return Turn(turn.question, turn.history, error=message)
        return Turn(turn.question, turn.history, answer=answer)

    def clear(self) -> tuple[Any, ...]:
        """A fresh conversation."""
        return "", [], render.render_sources(None, turn=0, chunks=self.chunks), None, [], ""

    def messages(self, turns: list[Turn]) -> list[dict[str, str]]:
        """The chat transcript: a user and an assistant message per turn."""
        out: list[dict[str, str]] = []
        for number, turn in enumerate(turns, start=1):
            out.append({"role": "user", "content": render.render_user(turn.question)})
            reply = (
                render.render_answer(turn.answer, turn=number, chunks=self.chunks)
                if turn.answer
                else render.render_error(turn.error)
            )
            out.append({"role": "assistant", "content": reply})
        return out

    def sources(self, turns: list[Turn], number: int) -> str:
        """The sources panel for answer `number` (1-based)."""
        answer = turns[number - 1].answer if 0 < number <= len(turns) else None
        return render.render_sources(answer, turn=number, chunks=self.chunks)

    def select(self, turns: list[Turn], event: gr.SelectData) -> str:
        """Clicking a message shows the sources of its answer."""
        return self.sources(turns, _message_index(event.index) // 2 + 1)

    def vote(self, turns: list[Turn], comment: str, event: gr.LikeData) -> tuple[Any, str]:
        """Record a thumbs up/down (and the comment box) for the answer it was given on."""
        if event.liked is not True and event.liked is not False:
            return gr.skip(), ""
        number = _message_index(event.index) // 2 + 1
        answer = turns[number - 1].answer if 0 < number <= len(turns) else None
        if answer is None:
            return gr.skip(), _status("Feedback applies to answers; this message has none.")
        comment = comment if isinstance(comment, str) else ""
        limit = self.assistant.settings.max_comment_chars
        if len(comment) > limit:
            return gr.skip(), _status(
                f"The comment is {len(comment):,} characters long; the limit is {limit:,}. "
                "Shorten it and vote again; nothing was recorded."
            )
        problem = invalid_characters(comment)
        if problem:
            return gr.skip(), _status(
                f"The comment contains an invalid character ({problem}); retype it. "
                "Nothing was recorded."
            )
        turn = turns[number - 1]
        vote: Vote = "up" if event.liked else "down"
        record = new_record(
            question=turn.question,
            history=turn.history,
            answer=answer.answer,
            citations=answer.citations,
            vote=vote,
            comment=comment,
        )
        append_feedback(self.feedback, record, settings=self.assistant.settings)
        extra = " with your comment" if record.comment else ""
        return "", _status(f"Thank you: thumbs {vote} recorded for answer {number}{extra}.")


def _history(turns: list[Turn]) -> list[Message]:
    """Earlier answered turns as `ask` history (error turns left out)."""
    history: list[Message] = []
    for turn in turns:
        if turn.answer is not None:
            history.append(Message(role="user", content=turn.question))
            history.append(Message(role="assistant", content=turn.answer.answer))
    return history


def _placeholder(question: str) -> str:
    """What a session keeps of a rejected question: its size, never its text."""
    return f"(question not kept: {len(question):,} characters)"


def text_fingerprint(text: str) -> str:
    """User text as logs may show it: its length and a short sha256, never the text."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{len(text)} characters, sha256 {digest}"


def _redacted(text: str, question: str) -> str:
    """`text` (a traceback) with the question's text cut out wherever it appears."""
    return text.replace(question, "<question>") if len(question) >= 4 else text


def _message_index(index: int | tuple[int, int] | list[int]) -> int:
    return index if isinstance(index, int) else int(index[0])


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _status(text: str) -> str:
    return f'<div class="ag-status">{render.text_html(text)}</div>'


def build_app(assistant: Assistant) -> gr.Blocks:
    """The whole app: banner, Chat tab and Calculators tab."""
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
    with gr.Tabs():
        for name, (_, model) in RULES.items():
            with gr.Tab(render.TOOL_LABELS.get(name, name), elem_id=f"calc-{name}"):
                _calculator(name, forms.form_fields(model), chunks)


def _calculator(name: str, fields: list[forms.FormField], chunks: Mapping[str, Chunk]) -> None:
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
            output = run_tool(name, forms.form_payload(fields, values))
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


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """`user:password` (ALLGUIDE_AUTH) as Gradio's auth pair; None when unset."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise BadInputError("ALLGUIDE_AUTH must look like user:password")
    return user, password


def serve(
    assistant: Assistant,
    *,
    host: str | None = None,
    port: int | None = None,
    prevent_thread_lock: bool = False,
    insecure_no_auth: bool = False,
) -> gr.Blocks:
    """Warm the answer chain, build the app and serve it (host and port from settings).

    Never shared; a non-loopback `host` needs ALLGUIDE_AUTH or `insecure_no_auth`; a busy
    port is a ServeError. Every request passes `WebGuard` (Host allow-list, no foreign CORS,
    body cap, no uploads, login backoff) before Gradio sees it.
    """
    settings = assistant.settings
    host = host or settings.host
    port = port or settings.port
    auth = parse_auth(settings.auth.get_secret_value() if settings.auth else None)
    preflight(host, port, auth=auth is not None, insecure_no_auth=insecure_no_auth)
    assistant.ask(EXAMPLES[0])  # loads the index and the sentence cache before the first user
    app = build_app(assistant)
    app.queue(default_concurrency_limit=settings.concurrency)
    guard = partial(
        WebGuard,
        bind_host=host,
        allowed_hosts=settings.allowed_hosts.split(","),
        max_body_bytes=settings.max_request_bytes,
        limiter=LoginLimiter(),
    )
    try:
        app.launch(
            server_name=host,
            server_port=port,
            share=False,
            auth=auth,
            prevent_thread_lock=prevent_thread_lock,
            max_file_size=settings.max_request_bytes,
            footer_links=["api", "settings"],
            ssr_mode=False,
            theme=gr.themes.Default(primary_hue="blue", neutral_hue="slate"),
            css=style.CSS,
            js=style.JS,
            _app=_guarded_app(guard),
        )
    except OSError as exc:  # lost a race for the port after the preflight check
        app.close()
        if "empty port" in str(exc):
            raise ServeError(f"port {port} on {host} is already in use") from None
        raise ServeError(f"cannot serve on {host}:{port}: {exc}") from None
    if app.share or app.share_url:
        app.close()
        raise ServeError("Gradio tried to open a public share link; allguide never shares")
    return app


def _guarded_app(guard: Callable[[ASGIApp], ASGIApp]) -> App:
    """Gradio's FastAPI app with `guard` as the outermost layer of its middleware stack."""

    class GuardedApp(App):
        def build_middleware_stack(self) -> ASGIApp:
            return guard(super().build_middleware_stack())

    return GuardedApp(default_response_class=ORJSONResponse)
