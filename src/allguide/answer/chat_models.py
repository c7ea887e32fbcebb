"""Chat models from `Settings` (ollama, OpenAI-compatible, llama.cpp) and the one way to call them.

Backend packages are imported lazily, so the offline default needs none of them; a missing
package, a bad URL or key, or any failure of a call becomes an `LLMError` with a one-line
message naming the backend and where it runs (`describe`).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable
from pydantic import SecretStr

from allguide.errors import AllguideError, LLMError
from allguide.settings import Settings

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
INSTALL_HINT = "pip install 'allguide[llm]'"
LLAMACPP_HINT = (
    "ALLGUIDE_LLM=llamacpp needs a llama.cpp server: run `llama-server -m FILE` and set "
    "ALLGUIDE_LLM_BASE_URL=http://127.0.0.1:8080/v1 (loading ALLGUIDE_LLM_MODEL_PATH in process "
    "needs llama-cpp-python and langchain-community)"
)


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
            f"cannot set up the OpenAI-compatible backend: {one_line(exc)} "
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


def describe(chat_model: BaseChatModel) -> str:
    """'ChatOpenAI at http://…' — which backend, and where, for error messages."""
    places = (getattr(chat_model, a, None) for a in ("openai_api_base", "base_url", "model_path"))
    where = next((place for place in places if place), None)
    return f"{type(chat_model).__name__} at {where}" if where else type(chat_model).__name__


def invoke(
    model: Runnable[LanguageModelInput, Any], messages: list[BaseMessage], *, where: str
) -> AIMessage:
    """One model call; whatever the backend raises becomes a one-line `LLMError`."""
    try:
        reply = model.invoke(messages)
    except AllguideError:
        raise
    except Exception as exc:  # backends raise many types (httpx, openai, ollama, ValueError)
        raise LLMError(f"the LLM backend ({where}) failed: {one_line(exc)}") from exc
    if not isinstance(reply, AIMessage):
        raise LLMError(f"the LLM backend ({where}) returned {type(reply).__name__}, not a message")
    return reply


def one_line(exc: BaseException) -> str:
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text if len(text) <= 240 else f"{text[:239]}…"
