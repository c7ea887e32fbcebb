"""Hardening of `serve` and the chat session: binds, Host and Origin, bodies, logins, state."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import gradio as gr
import httpx
import orjson
import pytest
from gradio.utils import get_upload_folder
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from allguide.assistant import Assistant
from allguide.cli import main
from allguide.errors import ServeError
from allguide.settings import Settings
from allguide.types import Answer
from allguide.ui import ChatSession, build_app, serve
from allguide.ui.guard import LoginLimiter, ServeWarning, WebGuard, preflight
from conftest import CORPUS, free_port

pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]
HUGE = 10_000_000


@pytest.fixture(scope="module")
def server(assistant: Assistant) -> Iterator[str]:
    port = free_port()
    app = serve(assistant, port=port, prevent_thread_lock=True)
    assert app.share is False and app.share_url is None
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as client:
        yield client


# --- starting up -------------------------------------------------------------------------


def test_serve_refuses_when_the_environment_asks_to_share(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_SHARE", "True")
    with pytest.raises(ServeError, match="GRADIO_SHARE=True asks for a public share link"):
        serve(assistant, port=free_port(), prevent_thread_lock=True)


def test_open_bind_without_auth_is_refused_by_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.startswith("allguide: error: --host 0.0.0.0 would expose the UI")
    assert "ALLGUIDE_AUTH" in err and "--insecure-no-auth" in err and err.count("\n") == 1


def test_open_bind_with_auth_or_the_flag_warns_loudly() -> None:
    with pytest.warns(ServeWarning, match="reachable from other machines, password protected"):
        preflight("0.0.0.0", free_port(), auth=True)
    with pytest.warns(ServeWarning, match="WITHOUT a password"):
        preflight("0.0.0.0", free_port(), auth=False, insecure_no_auth=True)
    preflight("127.0.0.1", free_port(), auth=False)  # loopback: silent


def test_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "allguide.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "ALLGUIDE_HOME": str(tmp_path)},
            check=False,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"allguide: error: port {port} on 127.0.0.1 is already in use\n"
    assert time.monotonic() - started < 30


# --- Host and Origin ---------------------------------------------------------------------


def test_foreign_host_header_is_refused(server: str, http: httpx.Client) -> None:
    port = server.rsplit(":", 1)[1]
    for path in ("/config", "/", "/gradio_api/info"):
        response = http.get(server + path, headers={"Host": "attacker.example"})
        assert response.status_code == 400, path
        assert "attacker" not in response.text
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
        assert http.get(server + "/config", headers={"Host": host}).status_code == 200, host


def test_foreign_origins_get_no_cors_headers(server: str, http: httpx.Client) -> None:
    for origin in ("http://localhost:9999", "http://attacker.example", "null"):
        response = http.get(server + "/config", headers={"Origin": origin})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers, origin
        assert "access-control-allow-credentials" not in response.headers, origin
        preflight_ = http.options(
            server + "/gradio_api/queue/join",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight_.headers, origin
        posted = http.post(server + "/gradio_api/queue/join", json={}, headers={"Origin": origin})
        assert posted.status_code == 403, origin
    same = http.get(server + "/config", headers={"Origin": server})
    assert same.status_code == 200  # the page's own requests still work


def test_guard_answers_the_bind_host_and_allowed_hosts() -> None:
    guarded = WebGuard(_echo_app(), bind_host="10.1.2.3", allowed_hosts=["ui.example.org", " "])
    with TestClient(cast(Any, guarded), base_url="http://ui.example.org") as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"Host": "10.1.2.3:7860"}).status_code == 200
        assert client.get("/", headers={"Host": "127.0.0.5"}).status_code == 200
        assert client.get("/", headers={"Host": "evil.example.org"}).status_code == 400
        assert client.get("/", headers={"Host": ""}).status_code == 400


# --- request bodies and uploads ----------------------------------------------------------


def test_bodies_over_the_cap_get_413(server: str, http: httpx.Client) -> None:
    big = http.post(server + "/gradio_api/queue/join", content=b"x" * 2_000_000)
    assert big.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b"x" * 100_000

    chunked = http.post(server + "/gradio_api/queue/join", content=chunks())
    assert chunked.status_code == 413


def test_streamed_body_is_cut_at_the_cap_before_the_app_sees_it_all() -> None:
    seen: list[int] = []

    async def consume(request: Request) -> PlainTextResponse:
        seen.append(len(await request.body()))
        return PlainTextResponse("read")

    app = Starlette(routes=[Route("/", consume, methods=["POST"])])
    guarded = WebGuard(cast(Any, app), bind_host="testserver", max_body_bytes=10_000)

    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"x" * 1000

    with TestClient(cast(Any, guarded)) as client:
        assert client.post("/", content=chunks()).status_code == 413
        assert client.post("/", content=b"x" * 9000).text == "read"
    assert seen == [9000]


def test_uploads_are_refused_and_nothing_is_stored(server: str, http: httpx.Client) -> None:
    folder = Path(get_upload_folder())
    before = set(folder.rglob("*")) if folder.exists() else set()
    small = http.post(server + "/gradio_api/upload", files={"files": ("a.txt", b"hello")})
    assert small.status_code == 403 and "a.txt" not in small.text
    try:
        big = http.post(server + "/gradio_api/upload", files={"files": ("b.bin", b"x" * 5_000_000)})
        assert big.status_code in (403, 413)
        assert "b.bin" not in big.text
    except httpx.TransportError:
        pass  # the server answered and closed before the 5 MB were sent: refused as well
    after = set(folder.rglob("*")) if folder.exists() else set()
    assert after == before


# --- logins ------------------------------------------------------------------------------


def test_repeated_failed_logins_are_locked_out(built_home: Path, http: httpx.Client) -> None:
    port = free_port()
    guarded = Assistant(Settings(home=built_home, corpus_dir=CORPUS, auth="ana:s3cret"))
    app = serve(guarded, port=port, prevent_thread_lock=True)
    url = f"http://127.0.0.1:{port}/login"
    try:
        codes = [
            http.post(url, data={"username": "ana", "password": f"guess{i}"}).status_code
            for i in range(30)
        ]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
        locked = http.post(url, data={"username": "ana", "password": "s3cret"})
        assert locked.status_code == 429  # even the right password waits out the backoff
        assert int(locked.headers["retry-after"]) > 0
    finally:
        app.close()


def test_a_correct_login_after_the_backoff_works() -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=5, window_s=60, backoff_s=30, clock=lambda: now[0])
    guarded = WebGuard(_login_app(), bind_host="testserver", limiter=limiter)
    with TestClient(cast(Any, guarded)) as client:

        def login(password: str) -> httpx.Response:
            return client.post("/login", data={"username": "ana", "password": password})

        assert [login("bad").status_code for _ in range(7)] == [400] * 5 + [429] * 2
        assert login("s3cret").headers["retry-after"] == "30"
        now[0] += 31
        assert login("s3cret").status_code == 200
        assert [login("bad").status_code for _ in range(5)] == [400] * 5  # forgiven
        assert login("bad").status_code == 429
        now[0] += 31
        assert [login("bad").status_code for _ in range(5)] == [400] * 5
        assert login("bad").headers["retry-after"] == "60"  # the second lockout is longer


# --- chat session state ------------------------------------------------------------------


def _session(assistant: Assistant, **settings: Any) -> ChatSession:
    proxy = _Proxy(assistant, assistant.settings.model_copy(update=settings))
    return ChatSession(cast(Any, proxy))


def test_a_rejected_question_is_not_kept_in_the_session(assistant: Assistant) -> None:
    session = _session(assistant)
    _, chat, _, raw, turns = session.ask("x" * HUGE, [])
    assert "the limit is 2,000" in raw["error"]
    assert len(turns) == 1 and len(turns[0].question) < 100 and turns[0].answer is None
    assert len(orjson.dumps(chat)) < 2000 and len(orjson.dumps(raw)) < 500
    _, chat, _, raw, turns = session.ask("What defines\x07 CNS-3?", turns)
    assert "control character" in raw["error"] and "CNS-3" not in turns[1].question
    _, chat, _, raw, turns = session.ask("What defines CNS-3?", turns)
    assert raw["citations"] and len(chat) == 6


def test_a_lone_surrogate_is_a_chat_error_and_the_session_keeps_working(
    assistant: Assistant,
) -> None:
    session = _session(assistant)
    _, chat, _, raw, turns = session.ask("What defines \ud800 CNS-3?", [])
    assert "lone surrogate" in raw["error"]
    orjson.dumps([chat, raw])  # the response can be sent
    _, chat, sources, raw, turns = session.ask("What defines CNS-3?", turns)
    assert raw["citations"] and len(chat) == 4
    orjson.dumps([chat, sources, raw])


def test_session_history_is_bounded(assistant: Assistant) -> None:
    session = _session(assistant, max_history_turns=3)
    turns: list[Any] = []
    for question in ("What defines CNS-1?", "CNS-2?", "CNS-3?", "What is MRD?", "And T315I?"):
        *_, turns = session.ask(question, turns)
    assert [t.question for t in turns] == ["CNS-3?", "What is MRD?", "And T315I?"]


def test_an_oversized_feedback_comment_is_refused_and_not_written(
    assistant: Assistant, tmp_path: Path
) -> None:
    session = _session(assistant, home=tmp_path)
    *_, turns = session.ask("What defines CNS-3?", [])
    event = gr.LikeData(None, {"index": 1, "value": "", "liked": False})
    box, status = session.vote(turns, "y" * HUGE, event)
    assert "the limit is 2,000" in status and "nothing was recorded" in status
    assert box == gr.skip() and len(status) < 500
    assert not session.feedback.exists()
    box, status = session.vote(turns, "bad \ud800 char", event)
    assert "lone surrogate U+D800" in status and "Nothing was recorded" in status
    assert box == gr.skip() and not session.feedback.exists()
    box, status = session.vote(turns, "too vague", event)
    assert box == "" and "thumbs down recorded" in status
    assert "too vague" in session.feedback.read_text(encoding="utf-8")


def test_a_failed_answer_logs_no_user_text(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "patient Jane Roe, MRN 123456: what defines CNS-3?"

    def broken(question: str, history: Any = ()) -> Answer:
        raise RuntimeError(f"boom while answering {question}")

    proxy = _Proxy(assistant, assistant.settings)
    proxy.ask = broken  # type: ignore[method-assign]
    session = ChatSession(cast(Any, proxy))
    with caplog.at_level(logging.ERROR, logger="allguide.ui"):
        *_, raw, _ = session.ask(secret, [])
    assert "went wrong" in raw["error"]
    assert caplog.records and "sha256" in caplog.text and f"{len(secret)} characters" in caplog.text
    assert "Jane" not in caplog.text and "123456" not in caplog.text


def test_the_question_box_caps_its_length(assistant: Assistant) -> None:
    app = build_app(assistant)
    boxes = {b.elem_id: b for b in app.blocks.values() if isinstance(b, gr.Textbox)}
    assert boxes["ag-question"].max_length == 2000
    assert boxes["ag-comment"].max_length == 2000


class _Proxy:
    """The session assistant with other settings (or a broken `ask`)."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.settings = settings
        self.chain = assistant.chain
        self.ask = assistant.ask


def _echo_app() -> Any:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"host": request.headers.get("host")})

    return Starlette(routes=[Route("/", echo)])


def _login_app() -> Any:
    async def login(request: Request) -> JSONResponse:
        form = await request.form()
        ok = form.get("password") == "s3cret"
        return JSONResponse({"success": ok}, status_code=200 if ok else 400)

    return Starlette(routes=[Route("/login", login, methods=["POST"])])


def test_a_lone_surrogate_over_http_gets_an_answer_event(server: str, http: httpx.Client) -> None:
    body = b'{"data": ["What defines \\ud800 CNS-3?"]}'  # JSON may escape a lone surrogate
    posted = http.post(
        server + "/gradio_api/call/ask", content=body, headers={"Content-Type": "application/json"}
    )
    assert posted.status_code == 200, posted.text
    events = http.get(f"{server}/gradio_api/call/ask/{posted.json()['event_id']}").text
    assert "event: complete" in events and "lone surrogate" in events
