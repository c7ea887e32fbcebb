"""Chroma and transport failures as domain errors with one clear line.

An unreadable SQLite file is `IndexCorruptError`; another process holding the write lock is
waited out up to `timeout_s`; a server that does not answer within `timeout_s` is
`StoreUnavailableError`; a collection replaced by another process's rebuild is re-resolved
once by name (`retrying`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from allguide.errors import IndexCorruptError, IndexStateError, StoreUnavailableError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

_T = TypeVar("_T")
# SQLite's "database disk image is malformed" (SQLITE_CORRUPT) and "file is not a database"
# (SQLITE_NOTADB), as chromadb's Rust bindings report them.
_CORRUPT_SIGNS = ("(code: 11)", "(code: 26)", "malformed", "file is not a database")
# SQLITE_BUSY: another process holds the write lock (e.g. two first opens of a new store).
# Another process is creating or migrating the same new store: locked, or its migration
# created a table this one was about to create (seen once in CI-like runs of two builds).
_BUSY_SIGNS = ("(code: 5)", "database is locked", "already exists")


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its type name when it has none)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def embedded_error(chroma_dir: Path, exc: Exception) -> IndexStateError:
    """Why the embedded store at `chroma_dir` cannot be opened: corrupt, or another reason."""
    detail = one_line(exc)
    if any(sign in detail for sign in _CORRUPT_SIGNS):
        return IndexCorruptError(
            f"the index at {chroma_dir} is corrupt ({detail}); run `allguide ingest --rebuild`"
        )
    return IndexStateError(f"cannot open the index at {chroma_dir}: {detail}")


@contextlib.contextmanager
def guard(url: str | None, timeout_s: float, chroma_dir: Path) -> Iterator[None]:
    """Chroma and transport failures as domain errors (`url` None: the embedded store)."""
    import httpx
    from chromadb.errors import NotFoundError

    try:
        yield
    except (NotFoundError, IndexStateError, StoreUnavailableError):
        raise
    except httpx.TimeoutException as exc:
        raise StoreUnavailableError(
            f"the Chroma server at {url} did not answer within {timeout_s:g} s"
        ) from exc
    except (httpx.HTTPError, OSError) as exc:
        if url is None:
            raise
        raise StoreUnavailableError(
            f"Chroma server at {url} does not answer ({type(exc).__name__}); start it "
            "with `chroma run --path DIR --host 127.0.0.1 --port N` or unset "
            "ALLGUIDE_CHROMA_URL to use the embedded store"
        ) from exc
    except Exception as exc:
        if url is None and any(sign in one_line(exc) for sign in _CORRUPT_SIGNS):
            raise embedded_error(chroma_dir, exc) from exc
        raise


def open_embedded(chroma_dir: Path, settings: Any, timeout_s: float) -> ClientAPI:
    """The embedded client, waiting up to `timeout_s` while another process holds the lock."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    path = str(chroma_dir)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return chromadb.PersistentClient(path=path, settings=settings)
        except Exception as exc:
            # chromadb caches the half-started system per path; a later open (after
            # `ingest --rebuild` moved the store aside) must start afresh.
            SharedSystemClient._identifier_to_system.pop(path, None)
            busy = any(sign in one_line(exc) for sign in _BUSY_SIGNS)
            if not busy or time.monotonic() >= deadline:
                raise embedded_error(chroma_dir, exc) from exc
        time.sleep(0.1)  # another process is creating or migrating the store


def connect_server(url: str, settings: Any, timeout_s: float, chroma_dir: Path) -> ClientAPI:
    """A client of the Chroma server at `url` whose every request gives up after `timeout_s`."""
    import chromadb
    import httpx

    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise StoreUnavailableError(
            f"ALLGUIDE_CHROMA_URL must look like http://host:port (got {url!r})"
        )
    with guard(url, timeout_s, chroma_dir):
        # chromadb's HttpClient sends requests with no timeout while it is constructed, so
        # a server that accepts but never answers is caught by this timed heartbeat first.
        httpx.get(f"{url.rstrip('/')}/api/v2/heartbeat", timeout=timeout_s).raise_for_status()
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
        # chromadb 1.5 builds its httpx session with timeout=None and has no setting for
        # it; every later request (heartbeat, query, get) must give up in time.
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):
            session.timeout = httpx.Timeout(timeout_s)
        client.heartbeat()
    return client


def retrying(
    run: Callable[[], _T],
    *,
    guarded: Callable[[], contextlib.AbstractContextManager[None]],
    refresh: Callable[[], None],
) -> _T:
    """`run` under the guard; once more after `refresh` when another process's rebuild
    replaced a collection ("Collection … does not exist")."""
    from chromadb.errors import NotFoundError

    for attempt in (1, 2):
        try:
            with guarded():
                return run()
        except NotFoundError as exc:
            refresh()
            if attempt == 2:
                raise IndexStateError(
                    "the index changed while it was read; ask again, or rebuild it with "
                    "`allguide ingest --rebuild`"
                ) from exc
        except (IndexStateError, StoreUnavailableError):
            raise
        except Exception as exc:
            raise StoreUnavailableError(f"Chroma query failed: {one_line(exc)}") from exc
    raise AssertionError  # unreachable
