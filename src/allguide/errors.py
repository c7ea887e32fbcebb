"""Domain errors. Each carries the one-line message a user should see.

Library code raises these; only `cli.py` (exit codes) and `ui/` (chat messages) translate them.
"""

from __future__ import annotations


class AllguideError(Exception):
    """Base class: `message` is shown to the user as is."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInputError(AllguideError):
    """A question, query or argument that cannot be used (empty, too long, malformed)."""


class ToolInputError(BadInputError):
    """Invalid input to a rule tool; `field` names the offending field when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(AllguideError):
    """An `ALLGUIDE_*` setting or a command-line combination that cannot be used."""


class ServeError(AllguideError):
    """The web UI cannot start (port in use, unsafe bind, sharing requested)."""


class CorpusError(AllguideError):
    """The corpus folder is missing, empty or unreadable."""


class IndexStateError(AllguideError):
    """The index is missing, stale or cannot be written."""


class IndexCorruptError(IndexStateError):
    """The on-disk Chroma store cannot be read; `ingest --rebuild` moves it aside and rebuilds."""


class BuildLockedError(IndexStateError):
    """Another `ingest` holds the build lock on this home."""


class StoreUnavailableError(AllguideError):
    """The Chroma server named by ALLGUIDE_CHROMA_URL does not answer (or not in time)."""


class LLMError(AllguideError):
    """The configured LLM backend failed or is misconfigured."""
