"""The LLM answerer: a tool-calling loop over a chat model, then verified citations.

The model may call `search_guideline` and the rule tools for at most `MAX_TOOL_ROUNDS`
rounds, then must answer. Every chunk a tool showed it (search hits, and the passages that
hold a rule tool's `rule`) is collected by id, and `citations.verify` keeps only sentences
those passages support; with none left the answer is a `refusal`. The chat model comes from
`chat_models.build_chat_model`; the history it sees is the chain's window, sent as given.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages import ToolCall as LCToolCall
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field, ValidationError

from allguide.answer.chat_models import describe, invoke
from allguide.answer.citations import Support, lexical_support, verify
from allguide.answer.refusal import NOT_SUPPORTED, refusal
from allguide.errors import AllguideError
from allguide.prompts import (
    CONDENSE_PROMPT,
    CONDENSE_TEMPLATE,
    FINAL_ANSWER_PROMPT,
    NO_PASSAGES,
    PASSAGE_TEMPLATE,
    QUESTION_TEMPLATE,
    SEARCH_TOOL_DESCRIPTION,
    SYSTEM_PROMPT,
)
from allguide.retrieval.hybrid import Hit
from allguide.settings import Settings
from allguide.types import Answer, Chunk, Message, ToolCall

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4
MAX_SEARCH_K = 10
SEARCH_TOOL = "search_guideline"

SearchFn = Callable[[str, int], list[Hit]]


class SearchArgs(BaseModel):
    """Arguments of the `search_guideline` tool."""

    query: str = Field(min_length=1, description="What to look for, in the guideline's words.")
    k: int = Field(5, description=f"How many passages (1–{MAX_SEARCH_K}).")


class LLMAnswerer:
    """Answers with a tool-calling chat model; only verified, cited sentences reach the user."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        search: SearchFn,
        tools: Mapping[str, BaseTool],
        settings: Settings,
        support: Support = lexical_support,
        chunks: Mapping[str, Chunk] | None = None,
    ) -> None:
        """`chunks` (all chunks by id) resolves the passages rule tools cite; by default the
        corpus build the rule tools themselves use."""
        self._model = chat_model
        self._search = search
        self._tools = dict(tools)
        self._settings = settings
        self._support = support
        self._chunks = chunks

    def answer(self, question: str, *, standalone: str, history: list[Message]) -> Answer:
        """Run the tool-calling loop, then verify the model's citations."""
        run = _Run(self._search, self._tools, self._chunks)
        bound = self._model.bind_tools([run.search_tool, *self._tools.values()])
        messages: list[BaseMessage] = [
            SystemMessage(SYSTEM_PROMPT),
            *_turns(history),
            HumanMessage(QUESTION_TEMPLATE.format(question=question, standalone=standalone)),
        ]
        for _ in range(MAX_TOOL_ROUNDS):
            reply = invoke(bound, messages, where=describe(self._model))
            if not reply.tool_calls:
                break
            messages.append(reply)
            messages.extend(run.execute(call) for call in reply.tool_calls)
        else:
            final = [*messages, HumanMessage(FINAL_ANSWER_PROMPT)]
            reply = invoke(bound, final, where=describe(self._model))
        return run.answer(str(reply.text), self._support, self._settings.answer.support_threshold)


def condense_with_llm(chat_model: BaseChatModel, question: str, history: list[Message]) -> str:
    """`question` rewritten as a standalone question, using the conversation so far."""
    if not history:
        return question
    lines = "\n".join(f"{m.role}: {_clip(m.content)}" for m in history)
    prompt = CONDENSE_TEMPLATE.format(history=lines, question=question)
    reply = invoke(
        chat_model,
        [SystemMessage(CONDENSE_PROMPT), HumanMessage(prompt)],
        where=describe(chat_model),
    )
    text = next((line for line in str(reply.text).splitlines() if line.strip()), "")
    text = text.strip().removeprefix("Standalone question:").strip().strip("\"'“”")
    return text or question


class _Run:
    """One question's tool session: the chunks the model was shown and the rule tools run."""

    def __init__(
        self, search: SearchFn, tools: Mapping[str, BaseTool], chunks: Mapping[str, Chunk] | None
    ) -> None:
        self._search = search
        self._tools = tools
        self._chunks = chunks
        self.retrieved: dict[str, Chunk] = {}
        self.tool_calls: list[ToolCall] = []
        self.search_tool = StructuredTool.from_function(
            func=self.search_text,
            name=SEARCH_TOOL,
            description=SEARCH_TOOL_DESCRIPTION,
            args_schema=SearchArgs,
        )

    def search_text(self, query: str, k: int = 5) -> str:
        """The passages for `query` as the model sees them; remembers every chunk shown."""
        hits = self._search(query, max(1, min(k, MAX_SEARCH_K)))
        self.retrieved.update({hit.chunk.chunk_id: hit.chunk for hit in hits})
        return "\n\n".join(_passage(hit.chunk) for hit in hits) or NO_PASSAGES

    def execute(self, call: LCToolCall) -> ToolMessage:
        """Run one tool call; errors go back to the model as the tool's output."""
        name, args = call["name"], call["args"]
        try:
            content = self._dispatch(name, args)
        except ValidationError as exc:
            first = exc.errors()[0]
            content = f"error: {'.'.join(map(str, first['loc']))}: {first['msg']}"
        except (AllguideError, ToolException) as exc:
            content = f"error: {exc}"
        return ToolMessage(content=content, tool_call_id=call["id"] or name, name=name)

    def _dispatch(self, name: str, args: dict[str, Any]) -> str:
        if name == SEARCH_TOOL:
            return str(self.search_tool.invoke(args))
        if name not in self._tools:
            known = ", ".join([SEARCH_TOOL, *self._tools])
            return f"error: unknown tool {name!r}; the tools are {known}"
        output: dict[str, Any] = self._tools[name].invoke(args)
        self.tool_calls.append(ToolCall(name=name, input=dict(args), output=output))
        chunks = self._chunks if self._chunks is not None else _default_chunks()
        cited = output.get("chunk_ids", [])
        self.retrieved.update({i: chunks[i] for i in cited if i in chunks})
        return json.dumps(output, ensure_ascii=False)

    def answer(self, text: str, support: Support, threshold: float) -> Answer:
        """The verified answer; a rule tool's clarifying question is kept as its own line."""
        checked = verify(text, self.retrieved, support=support, threshold=threshold)
        for dropped in checked.dropped:
            log.info("dropped a sentence (%s): %s", dropped.reason, dropped.sentence)
        questions = [
            str(c.output["question"])
            for c in self.tool_calls
            if c.output.get("status") == "needs_input" and c.output.get("question")
        ]
        if checked.refused and not questions:
            sections = [c.section for c in self.retrieved.values()]
            return refusal(NOT_SUPPORTED, sections, self.tool_calls)
        return Answer(
            answer="\n".join(part for part in (checked.text, *questions) if part),
            citations=list(checked.citations),
            tool_calls=list(self.tool_calls),
            refused=False,
            latency_ms=0.0,
        )


def _turns(history: Sequence[Message]) -> list[BaseMessage]:
    return [HumanMessage(m.content) if m.role == "user" else AIMessage(m.content) for m in history]


def _passage(chunk: Chunk) -> str:
    return PASSAGE_TEMPLATE.format(**{**chunk.model_dump(), "page": chunk.page or "n/a"})


def _default_chunks() -> dict[str, Chunk]:
    from allguide.corpus.pipeline import default_build

    return {c.chunk_id: c for c in default_build().chunks}


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
