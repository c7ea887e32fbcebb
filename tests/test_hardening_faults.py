"""Faults of the store: a corrupt SQLite file, concurrent builds, a rebuild beside a serving
process, a server that stops answering, collections left by a killed build."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from allguide.assistant import Assistant
from allguide.cli import main
from allguide.errors import BuildLockedError, StoreUnavailableError
from allguide.index.build import build_lock
from allguide.settings import Settings
from conftest import chroma_server
from test_index import MINI

QUESTION = "What defines CNS-3?"


@pytest.fixture
def mini_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A one-document corpus (fast to embed) and a home, both set in the environment."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    home = tmp_path / "home"
    monkeypatch.setenv("ALLGUIDE_HOME", str(home))
    monkeypatch.setenv("ALLGUIDE_CORPUS_DIR", str(corpus))
    return Settings(home=home, corpus_dir=corpus)


def _cli(*argv: str, stderr: Path | None = None) -> subprocess.Popen[str]:
    """`allguide ARGV` in a process of its own (stderr to a file, when given, to read live)."""
    with contextlib.ExitStack() as stack:
        err = stack.enter_context(stderr.open("w", encoding="utf-8")) if stderr else None
        return subprocess.Popen(
            [sys.executable, "-m", "allguide.cli", *argv],
            stdout=subprocess.PIPE,
            stderr=err or subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )


def _built(settings: Settings) -> None:
    """Build the mini index, then close its Chroma client as a finished process would."""
    assistant = Assistant(settings)
    assert assistant.ingest().rebuilt
    assistant.store.client.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("damage", ["random bytes", "truncated"])
def test_a_corrupt_store_is_one_line_and_rebuild_moves_it_aside(
    damage: str, mini_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _built(mini_env)
    sqlite = mini_env.index_dir / "chroma" / "chroma.sqlite3"
    size = sqlite.stat().st_size
    if damage == "random bytes":
        sqlite.write_bytes(os.urandom(size))
    else:
        with sqlite.open("r+b") as handle:
            handle.truncate(size // 2)
    capsys.readouterr()
    assert main(["ask", QUESTION]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("allguide: error: the index at ") and len(err.splitlines()) == 1
    assert "is corrupt (" in err and "run `allguide ingest --rebuild`" in err
    assert main(["ingest"]) == 2  # a plain ingest does not destroy anything
    assert "is corrupt" in capsys.readouterr().err

    assert main(["ingest", "--rebuild"]) == 0
    out, err = capsys.readouterr()
    assert "index built" in out and "moved the corrupt index aside to" in err
    assert [p.name.startswith("chroma.corrupt-") for p in mini_env.index_dir.iterdir()].count(
        True
    ) == 1
    assert main(["ask", QUESTION, "--json"]) == 0
    assert "CNS-3 means WBC" in capsys.readouterr().out


def test_concurrent_builds_take_turns_on_the_lock(mini_env: Settings, tmp_path: Path) -> None:
    """Two real `ingest --rebuild` processes queue on the build lock (held here until both
    wait): one builds, the other reuses its index; neither fails."""
    logs = [tmp_path / f"build-{n}.err" for n in (1, 2)]
    with build_lock(mini_env.home, wait_s=None):
        procs = [_cli("ingest", "--rebuild", stderr=log) for log in logs]
        lock = mini_env.home / "build.lock"
        assert lock.exists() and lock.stat().st_mode & 0o777 == 0o600
        deadline = time.monotonic() + 120
        while not all("waiting for another build on" in _text(log) for log in logs):
            assert all(p.poll() is None for p in procs), [_text(log) for log in logs]
            assert time.monotonic() < deadline, [_text(log) for log in logs]
            time.sleep(0.2)
    outs = [p.communicate(timeout=120)[0] for p in procs]
    errs = [_text(log) for log in logs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert sorted(out.split(":")[0] for out in outs) == ["index built", "index up to date"]
    assert not any("Traceback" in err for err in errs)
    assert Assistant(mini_env).ask(QUESTION).citations


def test_two_builds_started_together_both_succeed(mini_env: Settings) -> None:
    """The natural race: both open a store that does not exist yet, then meet at the lock."""
    procs = [_cli("ingest", "--rebuild"), _cli("ingest", "--rebuild")]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert not any("Traceback" in err or "error:" in err for _, err in results)
    assert "index built" in {out.split(":")[0] for out, _ in results}
    assert Assistant(mini_env).ask(QUESTION).citations


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_a_build_that_cannot_get_the_lock_in_time_fails_in_one_line(tmp_path: Path) -> None:
    with build_lock(tmp_path, wait_s=None):
        started = time.monotonic()
        busy = f"another build is running on {tmp_path}"
        with pytest.raises(BuildLockedError, match=busy), build_lock(tmp_path, wait_s=0.5):
            pass
        assert 0.4 < time.monotonic() - started < 3
        with (
            pytest.raises(BuildLockedError, match="try again when it finishes"),
            build_lock(tmp_path, wait_s=None),
        ):
            pass


def test_a_serving_assistant_follows_a_rebuild_by_another_process(mini_env: Settings) -> None:
    serving = Assistant(mini_env)
    before = serving.ask(QUESTION)
    old_id = serving.store.live_id()
    rebuild = _cli("ingest", "--rebuild")
    out, err = rebuild.communicate(timeout=180)
    assert rebuild.returncode == 0, err
    assert "index built" in out
    after = serving.ask(QUESTION)
    assert serving.store.live_id() != old_id
    assert after.answer == before.answer and not after.refused
    assert [(c.n, c.chunk_id, c.quote) for c in after.citations] == [
        (c.n, c.chunk_id, c.quote) for c in before.citations
    ]
    assert [p.chunk_id for p in serving.retrieve("testicular radiation", 1)] == [
        before.citations[0].chunk_id
    ]


def test_collections_left_by_a_killed_build_are_removed(
    mini_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assistant = Assistant(mini_env)
    assistant.ingest()
    client = assistant.store.client
    client.create_collection(f"{mini_env.collection}__building")
    client.create_collection(f"{mini_env.collection}_sentences__building")
    assert main(["ingest"]) == 0
    assert "index up to date" in capsys.readouterr().out
    names = sorted(c.name for c in client.list_collections())
    assert names == [mini_env.collection, f"{mini_env.collection}_sentences"]
    # While a build holds the lock its temporary collections are left alone.
    client.create_collection(f"{mini_env.collection}__building")
    with build_lock(mini_env.home, wait_s=None):
        assert main(["ingest"]) == 0
    assert f"{mini_env.collection}__building" in {c.name for c in client.list_collections()}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `chroma run` server of its own (this test stops and continues it)."""
    with chroma_server(tmp_path / "chroma") as running:
        yield running


@pytest.mark.server
def test_a_server_that_stops_answering_times_out_in_one_line(
    server: tuple[str, subprocess.Popen[bytes]], mini_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proc = server
    monkeypatch.setenv("ALLGUIDE_CHROMA_URL", url)
    monkeypatch.setenv("ALLGUIDE_STORE_TIMEOUT_S", "2")
    monkeypatch.setenv("ALLGUIDE_COLLECTION", "stopped")
    remote = Assistant()
    remote.ingest()
    first = [p.chunk_id for p in remote.retrieve("testicular radiation", 2)]
    proc.send_signal(signal.SIGSTOP)
    try:
        for what, call in (
            ("retrieve", lambda: remote.retrieve("testicular radiation", 2)),
            ("ask", lambda: remote.ask(QUESTION)),
            ("connect", lambda: Assistant().retrieve("CNS-3", 1)),  # the heartbeat times out
        ):
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError) as caught:
                call()
            elapsed = time.monotonic() - started
            assert elapsed < 2 + 5, f"{what} took {elapsed:.1f} s"
            assert caught.value.message == f"the Chroma server at {url} did not answer within 2 s"
    finally:
        proc.send_signal(signal.SIGCONT)
    assert [p.chunk_id for p in remote.retrieve("testicular radiation", 2)] == first
    assert remote.ask(QUESTION).citations
