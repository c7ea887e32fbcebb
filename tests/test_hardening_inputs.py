"""Hardening: hostile questions, history files, JSON and pipes end in one line, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO

from allguide.assistant import Assistant
from allguide.cli import main
from allguide.errors import BadInputError
from allguide.settings import RetrievalSettings
from allguide.types import Message
from allguide.validate import MAX_K, clean_history, clean_text, parse_json

CNS3 = "What defines CNS-3?"


def _cli(
    argv: list[bytes], home: Path, *, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    """The real `allguide` entry point in a subprocess (argv as raw bytes, as a shell passes)."""
    env = {**os.environ, "ALLGUIDE_HOME": str(home)}
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"allguide.cli", *argv],
        env=env,
        cwd=REPO,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=120,
    )


def _one_error_line(err: str, *parts: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("allguide: error: "), err
    for part in parts:
        assert part in lines[0]


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        ([b"ask", b"\xff\xfe CNS"], "question"),
        ([b"ask", b"\xff\xfe CNS", b"--json"], "question"),
        ([b"retrieve", b"\xff\xfe CNS"], "query"),
        ([b"tool", b"cns_status", b"--input", b'{"csf_wbc_per_mcl": "\xff"}'], "--input"),
    ],
)
def test_undecodable_bytes_in_argv_are_one_line_exit_2(
    built_home: Path, argv: list[bytes], what: str
) -> None:
    done = _cli(argv, built_home)
    assert done.returncode == 2
    assert done.stdout == b""
    _one_error_line(
        done.stderr.decode("utf-8", "backslashreplace"),
        f"the {what} contains invalid characters (byte 0xFF at character ",
        "is not UTF-8",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("\ud800 CNS", "lone surrogate U+D800 at character 1"),
        ("CNS\udfff", "lone surrogate U+DFFF at character 4"),
        ("ab\udcff", "byte 0xFF at character 3 is not UTF-8"),
    ],
)
def test_clean_text_names_the_invalid_character(text: str, problem: str) -> None:
    with pytest.raises(BadInputError) as err:
        clean_text(text, what="question", max_chars=2000)
    assert err.value.message == (
        f"the question contains invalid characters ({problem}); send UTF-8 text"
    )


def test_api_refuses_lone_surrogates_in_question_query_and_history(assistant: Assistant) -> None:
    with pytest.raises(BadInputError, match="question contains invalid characters"):
        assistant.ask("\ud800 CNS")
    with pytest.raises(BadInputError, match="query contains invalid characters"):
        assistant.retrieve("CNS \udcfe")
    with pytest.raises(
        BadInputError, match=r"^history turn 1: 'content' contains invalid characters \(lone"
    ):
        assistant.ask(CNS3, [{"role": "user", "content": "what about \ud83d?"}])


@pytest.mark.parametrize("question", [None, 5, b"CNS-3?", ["CNS-3?"]])
def test_a_question_that_is_not_text_is_bad_input(assistant: Assistant, question: Any) -> None:
    with pytest.raises(BadInputError, match=r"^the question must be text \(got "):
        assistant.ask(question)


def test_history_none_dicts_and_messages_all_work(assistant: Assistant) -> None:
    plain = assistant.ask(CNS3, None)
    assert plain.citations
    mixed = assistant.ask(
        "And CNS-2?",
        [Message(role="user", content=CNS3), {"role": "assistant", "content": plain.answer}],
    )
    assert mixed.citations


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (
            [{"role": "doctor", "content": "a"}],
            "history turn 1: 'role' must be 'user' or 'assistant'",
        ),
        ([{"content": "a"}], "history turn 1: 'role' must be 'user' or 'assistant' (missing)"),
        ([{"role": "user"}], "history turn 1: 'content' must be text (missing)"),
        ([{"role": "user", "content": 5}], "history turn 1: 'content' must be text (got int)"),
        (
            [{"role": "user", "content": "a"}, {"role": "user", "content": "b", "n": 1}],
            "history turn 2: unknown field 'n'",
        ),
        ([{"role": "user", "content": "a"}, "hello"], "history turn 2: must be an object"),
        (
            [{"role": ["user"], "content": "a"}],
            "history turn 1: 'role' must be 'user' or 'assistant' (got ['user'])",
        ),
        ("user: hello", "history must be a list of {role, content} turns (got str)"),
        ({"role": "user", "content": "a"}, "history must be a list"),
    ],
)
def test_bad_history_is_bad_input_naming_turn_and_field(
    assistant: Assistant, history: Any, message: str
) -> None:
    with pytest.raises(BadInputError) as err:
        assistant.ask(CNS3, history)
    assert err.value.message.startswith(message)
    assert "\n" not in err.value.message


def test_long_history_keeps_the_most_recent_turns() -> None:
    turns = [{"role": "user", "content": f"turn {n}"} for n in range(1, 61)]
    turns[0] = {"role": "doctor", "content": "dropped before it is checked"}
    kept = clean_history(turns, max_turns=50, max_chars=2000)
    assert [m.content for m in kept] == [f"turn {n}" for n in range(11, 61)]


def test_a_history_turn_too_long_is_refused() -> None:
    with pytest.raises(BadInputError, match=r"^history turn 1: 'content' is 8,001 characters"):
        clean_history([{"role": "user", "content": "x" * 8001}], max_turns=50, max_chars=2000)


@pytest.mark.parametrize("k", ["5", 0, -1, 51, 10**6, True, 5.0, None])
def test_k_out_of_range_or_not_an_int_is_bad_input(assistant: Assistant, k: Any) -> None:
    if k is None:  # None is the default: ALLGUIDE_RETRIEVAL__K
        assert len(assistant.retrieve(CNS3, k)) == 5
        return
    with pytest.raises(BadInputError, match=r"^k must be a whole number from 1 to 50 \(got "):
        assistant.retrieve(CNS3, k)
    with pytest.raises(BadInputError, match=r"^k must be a whole number from 1 to 50"):
        assistant.search(CNS3, k, mode="bm25")


def test_k_bounds_are_the_same_for_api_cli_and_settings(
    assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    (le,) = (m.le for m in RetrievalSettings.model_fields["k"].metadata if hasattr(m, "le"))
    assert le == MAX_K
    assert len(assistant.retrieve(CNS3, MAX_K, mode="bm25")) == MAX_K
    with pytest.raises(SystemExit) as exited:
        main(["retrieve", CNS3, "--k", str(MAX_K + 1)])
    assert exited.value.code == 2
    assert "must be between 1 and 50, got 51" in capsys.readouterr().err


def test_unknown_mode_is_bad_input(assistant: Assistant) -> None:
    with pytest.raises(BadInputError, match=r"^mode must be one of hybrid, dense, bm25"):
        assistant.retrieve(CNS3, mode="fuzzy")  # type: ignore[arg-type]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_deeply_nested_json_is_refused_before_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    history = tmp_path / "deep.json"
    history.write_text(deep, encoding="utf-8")
    code, err = _run(["ask", CNS3, "--history", str(history)], capsys)
    assert code == 2
    _one_error_line(err, "--history file", "is nested too deeply (50,000 levels; the limit is 32)")
    code, err = _run(["tool", "cns_status", "--input", '{"a": ' + deep + "}"], capsys)
    assert code == 2
    _one_error_line(err, "--input is nested too deeply (50,001 levels")


def test_brackets_inside_json_strings_do_not_count_as_nesting() -> None:
    text = json.dumps([{"role": "user", "content": "[[[{{{" * 100 + '\\"]]'}])
    assert parse_json(text, what="x")[0]["role"] == "user"


def test_history_from_dev_zero_stops_at_the_size_cap(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    code, err = _run(["ask", CNS3, "--history", "/dev/zero"], capsys)
    assert code == 2
    assert time.perf_counter() - started < 5
    _one_error_line(err, "--history file /dev/zero is larger than 1,000,000 bytes")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"role": "user", "content": "\xff"}]', "is not UTF-8 (byte 0xFF at 30)"),
        (b'[{"role": "user", "content": "\\ud800"}]', "turn 1: 'content' contains invalid"),
        (
            b'[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, '
            b'{"role": "doctor", "content": "c"}]',
            "--history turn 3: 'role' must be 'user' or 'assistant' (got 'doctor')",
        ),
        (b'{"role": "user"}', "--history must hold a JSON list of {role, content} turns"),
        (b"[1", "is not valid JSON: Expecting"),
    ],
)
def test_history_file_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    history = tmp_path / "turns.json"
    history.write_bytes(content)
    code, err = _run(["ask", CNS3, "--history", str(history)], capsys)
    assert code == 2
    _one_error_line(err, message)


def test_missing_or_unreadable_history_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["ask", CNS3, "--history", str(tmp_path / "nope.json")], capsys)
    assert code == 2
    _one_error_line(err, "--history file not found")
    code, err = _run(["ask", CNS3, "--history", str(tmp_path)], capsys)
    assert code == 2
    _one_error_line(err, "cannot read --history file")


def test_a_number_with_too_many_digits_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    payload = '{"csf_wbc_per_mcl": ' + "1" * 5000 + ', "csf_blasts_present": true}'
    code, err = _run(["tool", "cns_status", "--input", payload], capsys)
    assert code == 2
    _one_error_line(err, "--input holds a number with too many digits")


def _no_error(err: str) -> None:
    """Nothing but the model's loading progress bar (no traceback, no 'Exception ignored')."""
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    assert all(line.startswith("Loading weights") for line in lines), err


TOOL = [b"tool", b"tki_by_mutation", b"--input", b'{"mutations": ["T315I"]}']


@pytest.mark.parametrize(
    "argv", [TOOL, [b"retrieve", b"CNS", b"--k", b"20"]], ids=["tool", "retrieve"]
)
def test_a_closed_stdout_pipe_exits_141_without_a_traceback(
    built_home: Path, argv: list[bytes]
) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first byte is written
    try:
        done = _cli(argv, built_home, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 141
    _no_error(done.stderr.decode())


def test_piping_into_head_prints_no_traceback(built_home: Path) -> None:
    cli = f"{sys.executable} -m allguide.cli"
    script = (
        f'{cli} tool tki_by_mutation --input \'{{"mutations": ["T315I"]}}\' | head -c1; '
        f"{cli} retrieve CNS --k 20 | head -1"
    )
    env = {**os.environ, "ALLGUIDE_HOME": str(built_home)}
    done = subprocess.run(
        ["bash", "-c", script], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    _no_error(done.stderr)
    assert done.stdout.startswith("{[1] ")
