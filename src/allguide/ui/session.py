"""The chat tab's state and event handlers: questions, answers, sources and votes.

The per-browser-session state is a list of `Turn`s, bounded by `max_history_turns`. Domain
errors become chat messages; an unexpected failure is logged with the question redacted.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from allguide.errors import AllguideError, BadInputError
from allguide.feedback import Vote, append_feedback, feedback_path, new_record
from allguide.types import Answer, Chunk, Message
from allguide.ui import render
from allguide.validate import clean_text, invalid_characters

if TYPE_CHECKING:
    from collections.abc import Mapping

    from allguide.assistant import Assistant

log = logging.getLogger(__name__)


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
            answer=answer.full_text(),
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
            history.append(Message(role="assistant", content=turn.answer.full_text()))
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
