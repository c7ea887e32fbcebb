"""The web UI's API through `gradio_client` (one client per session), and its load check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

from allguide.assistant import Assistant
from allguide.errors import BadInputError
from allguide.evaluation.ui_load import run_load
from allguide.settings import Settings
from allguide.ui import parse_auth, serve
from conftest import CORPUS, REPO, connect, free_port

ARTIFACTS = REPO / "tests" / "artifacts"
# Gradio's queue statistics call pandas APIs that pandas 3 deprecates; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]


def ask(client: Client, question: str) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    _, chat, sources, raw = client.predict(question, api_name="/ask")
    return chat, sources, raw


def shown(note: str | dict[str, Any]) -> str:
    """The HTML of a validation note (the client reports a visibility change as an update)."""
    if isinstance(note, dict):
        return str(note["value"]) if note.get("visible") else ""
    return note


def content(message: dict[str, Any]) -> str:
    body = message["content"]
    return body if isinstance(body, str) else "".join(part["text"] for part in body)


def test_ask_follow_up_and_clear_keep_one_conversation_per_session(server: str) -> None:
    client = connect(server)
    chat, sources, raw = ask(client, "What is the threshold for MRD negativity?")
    assert len(chat) == 2 and raw["citations"] and not raw["refused"]
    assert 'class="ag-chip" href="#ag-src-1-1"' in content(chat[1])
    assert '<mark class="ag-mark" id="ag-src-1-1">' in sources

    chat, sources, followed = ask(client, "And in adults?")
    assert len(chat) == 4  # the session carried the first exchange
    assert "MRD" in followed["answer"]
    assert "Sources for answer 2" in sources

    assert client.predict(api_name="/clear")[1] == []
    chat, _, fresh = ask(client, "And in adults?")
    assert len(chat) == 2
    assert fresh["answer"] != followed["answer"]  # no history any more
    client.close()


def test_sessions_do_not_share_conversations(server: str) -> None:
    first, second = connect(server), connect(server)
    ask(first, "What defines CNS-3?")
    chat, _, _ = ask(second, "What defines CNS-3?")
    assert len(chat) == 2
    first.close()
    second.close()


def test_bad_questions_become_messages_in_the_chat(server: str) -> None:
    client = connect(server)
    chat, _, raw = ask(client, "x" * 2001)
    assert "the limit is 2,000" in raw["error"]
    assert 'class="ag-msg ag-error"' in content(chat[1])
    chat, _, raw = ask(client, "What defines\x07 CNS-3?")
    assert "control character" in raw["error"]
    assert len(chat) == 4
    chat, _, raw = ask(client, "   ")
    assert len(chat) == 4 and raw is None  # an empty box asks nothing
    client.close()


def test_calculator_endpoints_validate_and_cite(server: str) -> None:
    client = connect(server)
    field_note, form_note, result = client.predict("T315I", api_name="/tool_tki_by_mutation")
    assert (shown(field_note), shown(form_note)) == ("", "")
    assert "ponatinib" in result
    assert "Ponatinib has activity against and is effective in treating the T315I" in result
    assert "Positive ALL · p. 1263 · disc-nccn-recommendations-for-ph-6edfee7b33" in result
    field_note, form_note, result = client.predict("Q999", api_name="/tool_tki_by_mutation")
    assert shown(field_note).startswith('<div class="ag-field-error" role="alert">mutations: ')
    assert "Q999" in shown(field_note)
    assert shown(form_note) == "" and "ponatinib" not in result
    client.close()


def test_concurrent_sessions_all_get_cited_answers(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_load(server, sessions=20, questions=5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "ui_load.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(
            f"\nUI load: {report['sessions']} sessions x {report['questions_per_session']} "
            f"questions: p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, "
            f"max {report['max_ms']} ms, {report['errors']} errors, {report['wall_s']} s"
        )
    assert report["errors"] == 0, report["error_examples"]
    assert report["answers"] == 100
    assert report["wall_s"] < 60


def test_auth_setting_guards_the_app(built_home: Path) -> None:
    port = free_port()
    guarded = Assistant(Settings(home=built_home, corpus_dir=CORPUS, auth="ana:s3cret"))
    app = serve(guarded, port=port, prevent_thread_lock=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(AuthenticationError):
            connect(url)
        client = Client(url, auth=("ana", "s3cret"), verbose=False, analytics_enabled=False)
        assert ask(client, "What defines CNS-3?")[2]["citations"]
        client.close()
    finally:
        app.close()


def test_auth_setting_is_user_colon_password() -> None:
    assert parse_auth(None) is None
    assert parse_auth("ana:s3cret:x") == ("ana", "s3cret:x")
    for bad in ("nocolon", ":pw", "user:"):
        with pytest.raises(BadInputError, match="user:password"):
            parse_auth(bad)
