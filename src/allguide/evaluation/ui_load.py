"""Load figure of the web UI: concurrent `gradio_client` sessions against one `allguide serve`.

`ui_load(home)` starts the server as a subprocess on a free loopback port (as `make run` does),
runs `sessions` clients in parallel, each asking `questions` questions in one conversation
(so follow-ups carry history), and reports latency percentiles and errors. `ui_soak(home)` runs
the bench's phases against one server (20 × 5, 50 × 5, then on to 1,000 questions, one of them
a single long conversation) and reports the server's RSS after each phase and how the size of
one session's reply grows with its length (it must level off at `max_history_turns`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from allguide.evaluation.metrics import percentile

# A conversation whose follow-ups ("And CNS-2?", "And in adults?") need the history.
LOAD_QUESTIONS = (
    "What defines CNS-3?",
    "And CNS-2?",
    "Which TKI is recommended for a T315I mutation?",
    "What is the threshold for MRD negativity?",
    "And in adults?",
)
_SERVER_KEYS = frozenset({"ALLGUIDE_HOME", "ALLGUIDE_HOST", "ALLGUIDE_PORT", "ALLGUIDE_AUTH"})
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# gradio_client's default HTTP timeout is 5 s; 50 clients connecting at once on 2 cores wait
# longer than that for the API description (as a browser waits for the page): give them 60 s.
CLIENT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Server:
    """A running `allguide serve`: its URL and process id."""

    url: str
    pid: int

    def rss_mib(self) -> float:
        """Current resident set size of the server process (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for process {self.pid}")


def ui_load(assistant_home: str | Path, sessions: int = 20, questions: int = 5) -> dict[str, Any]:
    """Serve the index in `assistant_home`, load it with `sessions` × `questions` asks."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(assistant_home), free_port(), log=Path(tmp) / "serve.log") as url,
    ):
        return run_load(url, sessions=sessions, questions=questions)


SOAK_PHASES = ((20, 5), (50, 5))
SOAK_TOTAL = 1000
LONG_SESSION = 120
GROWTH_MARKS = (10, 25, 50, 100, 120)


def ui_soak(assistant_home: str | Path) -> dict[str, Any]:
    """The bench's load phases against one server, with its RSS after each and session growth."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Path(assistant_home), free_port(), log=Path(tmp) / "serve.log") as server,
    ):
        url = server.url
        report: dict[str, Any] = {"rss_start_mib": round(server.rss_mib(), 1), "phases": []}
        asked = 0
        for sessions, questions in SOAK_PHASES:
            phase = run_load(url, sessions=sessions, questions=questions)
            asked += sessions * questions
            phase.update(asked=asked, rss_mib=round(server.rss_mib(), 1))
            report["phases"].append(phase)
        growth = session_growth(url, LONG_SESSION, GROWTH_MARKS)
        asked += LONG_SESSION
        rest = SOAK_TOTAL - asked
        tail = run_load(url, sessions=10, questions=rest // 10)
        asked += 10 * (rest // 10)
        tail.update(asked=asked, rss_mib=round(server.rss_mib(), 1))
        report["phases"].append(tail)
        report.update(growth=growth, asked=asked, rss_end_mib=round(server.rss_mib(), 1))
        return report


def free_port() -> int:
    """An unused loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    home: Path, port: int, *, log: Path, timeout_s: float = 180.0, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`allguide serve` on 127.0.0.1:`port` with `ALLGUIDE_HOME=home`; yields its URL."""
    with serving(home, port, log=log, timeout_s=timeout_s, env=env) as server:
        yield server.url


@contextmanager
def serving(
    home: Path, port: int, *, log: Path, timeout_s: float = 180.0, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """As `running_server`, yielding the `Server` (URL and pid)."""
    # Other ALLGUIDE_* settings (backend, concurrency) pass through; the address and
    # password are this server's own.
    environ = {k: v for k, v in os.environ.items() if k not in _SERVER_KEYS}
    environ.update(env or {})
    environ.update(ALLGUIDE_HOME=str(home), ALLGUIDE_HOST="127.0.0.1", ALLGUIDE_PORT=str(port))
    url = f"http://127.0.0.1:{port}/"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "allguide.cli", "serve"],
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(url, proc, log, timeout_s)
            yield Server(url, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"allguide serve exited with {proc.returncode}:\n{tail}")
        try:
            with _NO_PROXY.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"allguide serve did not answer at {url} within {timeout_s:.0f} s")


def run_load(url: str, *, sessions: int = 20, questions: int = 5) -> dict[str, Any]:
    """`sessions` concurrent clients, each one conversation of `questions` asks."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        results = list(pool.map(lambda _: _session(url, questions), range(sessions)))
    latencies = [ms for session_ms, _ in results for ms in session_ms]
    errors = [error for _, session_errors in results for error in session_errors]
    return {
        "sessions": sessions,
        "questions_per_session": questions,
        "answers": sessions * questions - len(errors),
        "errors": len(errors),
        "error_examples": errors[:3],
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "wall_s": round(time.perf_counter() - started, 2),
    }


def _session(url: str, questions: int) -> tuple[list[float], list[str]]:
    """One client, one conversation; an ask counts as an error unless it cites passages."""

    latencies: list[float] = []
    errors: list[str] = []
    try:
        client = _client(url)
    except Exception as exc:  # a client that cannot connect: every question is an error
        return [], [f"connect: {type(exc).__name__}: {exc}"] * questions
    try:
        for question in islice(cycle(LOAD_QUESTIONS), questions):
            start = time.perf_counter()
            try:
                raw = client.predict(question, api_name="/ask")[-1]
            except Exception as exc:  # any failure is a data point, not a crash
                raw = {"error": f"{type(exc).__name__}: {exc}"}
            latencies.append((time.perf_counter() - start) * 1000)
            if not (isinstance(raw, dict) and raw.get("citations")):
                errors.append(f"{question!r}: {str(raw)[:200]}")
    finally:
        client.close()
    return latencies, errors


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(
        url,
        verbose=False,
        analytics_enabled=False,
        download_files=False,
        httpx_kwargs={"timeout": CLIENT_TIMEOUT_S},
    )


def session_growth(url: str, questions: int, marks: Sequence[int]) -> dict[str, Any]:
    """One conversation of `questions` asks: reply size (bytes of JSON) at each of `marks`."""
    import json

    sizes: dict[int, int] = {}
    errors = 0
    client = _client(url)
    try:
        for n, question in enumerate(islice(cycle(LOAD_QUESTIONS), questions), start=1):
            try:
                reply = client.predict(question, api_name="/ask")
            except Exception:  # counted, not raised: the figure is the server's behaviour
                errors += 1
                continue
            if n in marks:
                sizes[n] = len(json.dumps(reply, default=str))
    finally:
        client.close()
    return {"questions": questions, "reply_bytes": sizes, "errors": errors}


def render_soak(soak: dict[str, Any]) -> list[str]:
    """bench.md rows of `ui_soak`: each load phase, server RSS, one session's growth."""
    rows = [
        (
            f"| web UI under load: {phase['sessions']} gradio_client sessions × "
            f"{phase['questions_per_session']} questions, one `allguide serve` (ms p50 / p95) "
            f"| {phase['p50_ms']:.0f} / {phase['p95_ms']:.0f} | 0 errors "
            f"| {phase['answers']} answers, {phase['errors']} errors, {phase['wall_s']:.1f} s "
            f"wall; server RSS {phase['rss_mib']:.0f} MiB after {phase['asked']} questions |"
        )
        for phase in soak["phases"]
    ]
    rows.append(
        f"| server RSS: at start → after {soak['asked']:,} questions "
        f"| {soak['rss_start_mib']:.0f} → {soak['rss_end_mib']:.0f} MiB | | "
        "one process, embedded index, every phase above plus one long session |"
    )
    growth = soak["growth"]
    sizes = growth["reply_bytes"]
    marks = sorted(sizes)
    rows.append(
        f"| one session of {growth['questions']} questions: reply size at question "
        f"{' / '.join(str(m) for m in marks)} "
        f"| {' / '.join(f'{sizes[m] / 1024:.0f}' for m in marks)} kB | levels off "
        f"| bounded by ALLGUIDE_MAX_HISTORY_TURNS; {growth['errors']} errors |"
    )
    return rows


SOAK_RESULTS = Path(__file__).resolve().parents[3] / "evals" / "results" / "ui_soak.md"


def main() -> None:
    """`python -m allguide.evaluation.ui_load`: the soak alone (also part of `make bench`)."""
    from allguide.settings import load_settings

    start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    soak = ui_soak(load_settings().home)
    end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = "\n".join(
        [
            "# Web UI soak (`python -m allguide.evaluation.ui_load`; also in `make bench`)",
            "",
            f"{os.cpu_count()} CPUs; load average {start} at start, {end} at end (latencies "
            "grow with other work on the machine; errors, RSS and reply sizes do not).",
            "",
            "| measure | value | target | note |",
            "|---|---|---|---|",
            *render_soak(soak),
        ]
    )
    SOAK_RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
