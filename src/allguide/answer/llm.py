"""LLM answerers: a LangChain chat model from `Settings`, a tool-calling loop, verified citations.

The model may call `search_guideline` and the rule tools for at most `MAX_TOOL_ROUNDS`
rounds, then must answer. Every chunk a tool showed it (search hits, and the passages that
hold a rule tool's `rule`) is collected by id, and `citations.verify` keeps only sentences
those passages support. Backend packages are imported lazily; any backend failure becomes an
`LLMError` with a one-line message naming the backend and its URL.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages import ToolCall as LCToolCall
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field, SecretStr, ValidationError

from allguide.answer.citations import Support, lexical_support, verify
from allguide.errors import AllguideError, LLMError
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
MAX_HISTORY = 6  # most recent turns sent to the model
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
SEARCH_TOOL = "search_guideline"
INSTALL_HINT = "pip install 'allguide[llm]'"
LLAMACPP_HINT = (
    "ALLGUIDE_LLM=llamacpp needs a llama.cpp server: run `llama-server -m FILE` and set "
    "ALLGUIDE_LLM_BASE_URL=http://127.0.0.1:8080/v1 (loading ALLGUIDE_LLM_MODEL_PATH in process "
    "needs llama-cpp-python and langchain-community)"
)
REFUSAL = "The 2015 guideline passages found do not support an answer to this question"

SearchFn = Callable[[str, int], list[Hit]]


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by `settings.llm` (ollama, openai or llamacpp)."""
    if settings.llm == "ollama":
        return _ollama(settings)
    if settings.llm == "openai" or (settings.llm == "llamacpp" and settings.llm_base_url):
        return _openai(settings)
    if settings.llm == "llamacpp":
        return _llamacpp(settings)
    raise LLMError("ALLGUIDE_LLM=extractive uses no chat model; choose ollama, openai or llamacpp")


def _init(provider: str, package: str, settings: Settings, **options: Any) -> BaseChatModel:
    """`init_chat_model("provider:model")`, with a missing integration as one `LLMError`."""
    if importlib.util.find_spec(package) is None:
        hint = package.replace("_", "-")
        raise LLMError(f"ALLGUIDE_LLM={settings.llm} needs {hint}: {INSTALL_HINT}")
    from langchain.chat_models import init_chat_model

    model: BaseChatModel = init_chat_model(f"{provider}:{settings.llm_model}", **options)
    return model


def _ollama(settings: Settings) -> BaseChatModel:
    return _init(
        "ollama",
        "langchain_ollama",
        settings,
        base_url=settings.llm_base_url or DEFAULT_OLLAMA_URL,
        temperature=settings.llm_temperature,
        client_kwargs={"timeout": settings.llm_timeout_s},
    )


def _openai(settings: Settings) -> BaseChatModel:
    options: dict[str, Any] = {
        "temperature": settings.llm_temperature,
        "timeout": settings.llm_timeout_s,
        "max_retries": 1,
    }
    if settings.llm_base_url:
        options["base_url"] = settings.llm_base_url
    # Local servers ignore the key but the client requires one; the OpenAI API reads its own.
    secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    key = secret or ("not-needed" if settings.llm_base_url else None)
    if key:
        options["api_key"] = SecretStr(key)
    try:
        return _init("openai", "langchain_openai", settings, **options)
    except LLMError:
        raise
    except Exception as exc:  # the client validates its key and URL on construction
        raise LLMError(
            f"cannot set up the OpenAI-compatible backend: {_one_line(exc)} "
            "(set ALLGUIDE_LLM_BASE_URL, and ALLGUIDE_LLM_API_KEY if the server needs one)"
        ) from None


def _llamacpp(settings: Settings) -> BaseChatModel:
    path = settings.llm_model_path
    if path is None or importlib.util.find_spec("llama_cpp") is None:
        raise LLMError(LLAMACPP_HINT)
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError:
        raise LLMError(LLAMACPP_HINT) from None
    if not path.is_file():
        raise LLMError(f"ALLGUIDE_LLM_MODEL_PATH is not a file: {path}")
    model: BaseChatModel = ChatLlamaCpp(
        model_path=str(path), temperature=settings.llm_temperature, n_ctx=8192, max_tokens=1024
    )
    return model


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
            reply = _invoke(bound, messages, where=describe(self._model))
            if not reply.tool_calls:
                break
            messages.append(reply)
            messages.extend(run.execute(call) for call in reply.tool_calls)
        else:
            final = [*messages, HumanMessage(FINAL_ANSWER_PROMPT)]
            reply = _invoke(bound, final, where=describe(self._model))
        return run.answer(str(reply.text), self._support, self._settings.answer.support_threshold)


def condense_with_llm(chat_model: BaseChatModel, question: str, history: list[Message]) -> str:
    """`question` rewritten as a standalone question, using the conversation so far."""
    if not history:
        return question
    lines = "\n".join(f"{m.role}: {_clip(m.content)}" for m in history[-MAX_HISTORY:])
    prompt = CONDENSE_TEMPLATE.format(history=lines, question=question)
    reply = _invoke(
        chat_model,
        [SystemMessage(CONDENSE_PROMPT), HumanMessage(prompt)],
        where=describe(chat_model),
    )
    text = next((line for line in str(reply.text).splitlines() if line.strip()), "")
    text = text.strip().removeprefix("Standalone question:").strip().strip("\"'“”")
    return text or question


def describe(chat_model: BaseChatModel) -> str:
    """'ChatOpenAI at http://…' — which backend, and where, for error messages."""
    places = (getattr(chat_model, a, None) for a in ("openai_api_base", "base_url", "model_path"))
    where = next((place for place in places if place), None)
    return f"{type(chat_model).__name__} at {where}" if where else type(chat_model).__name__


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
        refused = checked.refused and not questions
        body = _refusal(self.retrieved.values()) if refused else checked.text
        return Answer(
            answer="\n".join(part for part in (body, *questions) if part),
            citations=list(checked.citations),
            tool_calls=list(self.tool_calls),
            refused=refused,
            latency_ms=0.0,
        )


def _invoke(
    model: Runnable[LanguageModelInput, Any], messages: list[BaseMessage], *, where: str
) -> AIMessage:
    """One model call; whatever the backend raises becomes a one-line `LLMError`."""
    try:
        reply = model.invoke(messages)
    except AllguideError:
        raise
    except Exception as exc:  # backends raise many types (httpx, openai, ollama, ValueError)
        raise LLMError(f"the LLM backend ({where}) failed: {_one_line(exc)}") from exc
    if not isinstance(reply, AIMessage):
        raise LLMError(f"the LLM backend ({where}) returned {type(reply).__name__}, not a message")
    return reply


def _turns(history: Sequence[Message]) -> list[BaseMessage]:
    return [
        HumanMessage(m.content) if m.role == "user" else AIMessage(m.content)
        for m in history[-MAX_HISTORY:]
    ]


def _passage(chunk: Chunk) -> str:
    return PASSAGE_TEMPLATE.format(**{**chunk.model_dump(), "page": chunk.page or "n/a"})


def _refusal(seen: Iterable[Chunk]) -> str:
    sections = list(dict.fromkeys(f"{c.section} (p. {c.page})" for c in seen if c.page))[:3]
    return f"{REFUSAL}; nearest sections: {', '.join(sections)}." if sections else f"{REFUSAL}."


def _default_chunks() -> dict[str, Chunk]:
    from allguide.corpus.pipeline import default_build

    return {c.chunk_id: c for c in default_build().chunks}


def _one_line(exc: BaseException) -> str:
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text if len(text) <= 240 else f"{text[:239]}…"


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
