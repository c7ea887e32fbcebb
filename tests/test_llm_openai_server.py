"""The LLM path through `langchain_openai.ChatOpenAI`, against a scripted OpenAI-compatible
server on 127.0.0.1 that the test starts; and `build_chat_model` for every backend."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from allguide.answer.chat_models import build_chat_model
from allguide.answer.llm import LLMAnswerer
from allguide.assistant import Assistant
from allguide.errors import LLMError
from allguide.prompts import SYSTEM_PROMPT
from allguide.settings import Settings
from allguide.tools import TOOLS
from conftest import free_port

Reply = Callable[[dict[str, Any]], dict[str, Any]]
PLANTED = "Allogeneic transplant is recommended for every patient in first remission"
NOT_RETRIEVED = "all-f-6c85640869"  # MRD sampling: not what a testicular question retrieves


class ScriptedServer:
    """POST /v1/chat/completions answers with the next scripted reply; requests are kept."""

    def __init__(self, *replies: Reply, delay_s: float = 0.0, status: int = 200) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.delay_s = delay_s
        self.status = status
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, **body})
                time.sleep(server.delay_s)
                if server.status != 200:
                    payload = {"error": {"message": "scripted failure", "type": "server_error"}}
                else:
                    payload = completion(server.replies.pop(0)(body))
                data = json.dumps(payload).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(message: dict[str, Any]) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def search_call(body: dict[str, Any]) -> dict[str, Any]:
    arguments = json.dumps({"query": "testicular radiation total dose", "k": 4})
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_search_1",
                "type": "function",
                "function": {"name": "search_guideline", "arguments": arguments},
            }
        ],
    }


def answer_from_tool_message(body: dict[str, Any]) -> dict[str, Any]:
    """Cites the id of the passage on testicular dose, read from the tool message it got."""
    tool = next(m for m in body["messages"] if m["role"] == "tool")
    blocks = tool["content"].split("\n\n[")
    testis = next(b for b in blocks if "Testicular total dose" in b)
    testis_id = re.search(r"([a-z0-9-]+-[0-9a-f]{10})\]", testis)
    assert testis_id, tool["content"][:200]
    assert NOT_RETRIEVED not in tool["content"]
    i = testis_id.group(1)
    return {
        "role": "assistant",
        "content": (
            f"The total testicular radiation dose should be 24 Gy [{i}]. Radiation to the testes "
            f"is typically given with the first cycle of maintenance chemotherapy [{i}]. "
            f"{PLANTED} [{i}]. Flow cytometry requires at least 1 × 10⁶ bone marrow "
            f"mononuclear cells [{NOT_RETRIEVED}]."
        ),
    }


def openai_settings(url: str, **extra: Any) -> Settings:
    return Settings(llm="openai", llm_base_url=url, llm_model="scripted-model", **extra)


def test_chat_openai_against_a_scripted_server(assistant: Assistant) -> None:
    chunks = {c.chunk_id: c for c in assistant.retriever.chunks}
    with ScriptedServer(search_call, answer_from_tool_message) as server:
        settings = openai_settings(server.url, llm_timeout_s=10)
        model = build_chat_model(settings)
        assert isinstance(model, ChatOpenAI)
        llm = LLMAnswerer(model, search=assistant.search, tools=TOOLS, settings=settings)
        answer = llm.answer(
            "What total dose is used for testicular radiation?",
            standalone="testicular radiation total dose",
            history=[],
        )
    first, second = server.requests
    assert first["path"] == second["path"] == "/v1/chat/completions"
    assert first["model"] == "scripted-model"
    assert first["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert set(tools) == {"search_guideline", *TOOLS}
    assert tools["search_guideline"]["parameters"]["required"] == ["query"]
    assert "csf_wbc_per_mcl" in tools["cns_status"]["parameters"]["properties"]
    tool_message = second["messages"][-1]
    assert (tool_message["role"], tool_message["tool_call_id"]) == ("tool", "call_search_1")

    assert not answer.refused
    assert answer.answer.startswith("The total testicular radiation dose should be 24 Gy [1].")
    assert "maintenance chemotherapy [1]." in answer.answer
    assert PLANTED not in answer.answer
    assert "Flow cytometry" not in answer.answer
    assert [c.chunk_id for c in answer.citations] == [answer.citations[0].chunk_id]
    citation = answer.citations[0]
    assert citation.quote == "Testicular total dose should be 24 Gy."
    assert citation.quote in chunks[citation.chunk_id].text
    assert (citation.section, citation.page) == ("ALL-C", 1252)


def test_nothing_listening_is_a_fast_one_line_llm_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = build_chat_model(openai_settings(url, llm_timeout_s=2))
    llm = LLMAnswerer(model, search=lambda q, k: [], tools=TOOLS, settings=Settings())
    started = time.perf_counter()
    with pytest.raises(LLMError) as caught:
        llm.answer("What is CNS-3?", standalone="What is CNS-3?", history=[])
    assert time.perf_counter() - started < 5
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith(f"the LLM backend (ChatOpenAI at {url}) failed: ")
    assert "Connection error" in message


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        (lambda: ScriptedServer(search_call, search_call, delay_s=1.5), "timed out"),
        (lambda: ScriptedServer(status=500), "scripted failure"),
    ],
    ids=["timeout", "http-500"],
)
def test_slow_or_failing_server_is_a_one_line_llm_error(
    server: Callable[[], ScriptedServer], expected: str
) -> None:
    with server() as running:
        model = build_chat_model(openai_settings(running.url, llm_timeout_s=0.5))
        llm = LLMAnswerer(model, search=lambda q, k: [], tools=TOOLS, settings=Settings())
        with pytest.raises(LLMError) as caught:
            llm.answer("What is CNS-3?", standalone="What is CNS-3?", history=[])
    assert "\n" not in caught.value.message
    assert running.url in caught.value.message
    assert expected in caught.value.message.lower()


def test_build_openai_compatible_backends() -> None:
    local = build_chat_model(openai_settings("http://127.0.0.1:8000/v1", llm_timeout_s=7))
    assert isinstance(local, ChatOpenAI)
    assert (local.openai_api_base, local.model_name) == (
        "http://127.0.0.1:8000/v1",
        "scripted-model",
    )
    assert (local.request_timeout, local.max_retries, local.temperature) == (7, 1, 0)
    assert isinstance(local.openai_api_key, SecretStr)
    assert local.openai_api_key.get_secret_value() == "not-needed"
    keyed = build_chat_model(openai_settings("http://h:1/v1", llm_api_key="sk-test"))
    assert isinstance(keyed, ChatOpenAI)
    assert isinstance(keyed.openai_api_key, SecretStr)
    assert keyed.openai_api_key.get_secret_value() == "sk-test"
    server = build_chat_model(Settings(llm="llamacpp", llm_base_url="http://127.0.0.1:8080/v1"))
    assert isinstance(server, ChatOpenAI)
    assert server.openai_api_base == "http://127.0.0.1:8080/v1"


def test_build_ollama() -> None:
    default = build_chat_model(Settings(llm="ollama", llm_model="llama3.1"))
    assert isinstance(default, ChatOllama)
    assert (default.base_url, default.model) == ("http://127.0.0.1:11434", "llama3.1")
    assert default.client_kwargs == {"timeout": 60.0}
    other = build_chat_model(Settings(llm="ollama", llm_base_url="http://gpu:11434"))
    assert isinstance(other, ChatOllama)
    assert other.base_url == "http://gpu:11434"


def test_llamacpp_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    for settings in (Settings(llm="llamacpp"), Settings(llm="llamacpp", llm_model_path=gguf)):
        with pytest.raises(LLMError) as caught:
            build_chat_model(settings)
        assert "llama-server -m FILE" in caught.value.message
        assert "ALLGUIDE_LLM_BASE_URL" in caught.value.message
        assert "\n" not in caught.value.message


def test_extractive_has_no_chat_model() -> None:
    with pytest.raises(LLMError, match="extractive uses no chat model"):
        build_chat_model(Settings())


@pytest.mark.parametrize(
    ("backend", "module"), [("ollama", "langchain_ollama"), ("openai", "langchain_openai")]
)
def test_missing_backend_package_names_the_extra(
    backend: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(LLMError) as caught:
        build_chat_model(Settings(llm=backend, llm_base_url="http://127.0.0.1:1/v1"))
    assert "pip install 'allguide[llm]'" in caught.value.message


def test_openai_api_without_any_key_is_an_llm_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError) as caught:
        build_chat_model(Settings(llm="openai"))
    assert "ALLGUIDE_LLM_API_KEY" in caught.value.message
    assert "\n" not in caught.value.message
