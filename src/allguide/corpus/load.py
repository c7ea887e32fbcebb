"""The only file I/O of the corpus: every *.txt of the corpus folder, and `documents.toml`.

`documents.toml` says which `Guideline` profile each file is read with (and may title a plain
document); a file it does not list gets the generic profile. The choice is explicit: a file
is never recognised by its contents.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from allguide.errors import CorpusError

DOCUMENTS_FILE = "documents.toml"
GENERIC_PROFILE = "generic"
_KEYS = frozenset({"profile", "title"})


@dataclass(frozen=True)
class RawDocument:
    """One corpus file as read from disk, with the profile `documents.toml` gives it."""

    source: str
    text: str
    profile: str = GENERIC_PROFILE
    title: str = ""  # a plain document's title from `documents.toml` ("" when none)


def load_corpus(corpus_dir: Path) -> list[RawDocument]:
    """Every `*.txt` file of `corpus_dir`, sorted by name; raises CorpusError if there is none."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (set ALLGUIDE_CORPUS_DIR)")
    listed = read_documents(corpus_dir)
    paths = sorted(p for p in corpus_dir.glob("*.txt") if p.is_file())
    missing = sorted(set(listed) - {p.name for p in paths})
    if missing:
        raise CorpusError(
            f"{corpus_dir / DOCUMENTS_FILE} lists {', '.join(missing)}, which the folder lacks"
        )
    docs: list[RawDocument] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc
        if text.strip():
            profile, title = listed.get(path.name, (GENERIC_PROFILE, ""))
            docs.append(RawDocument(path.name, text, profile, title))
    if not docs:
        raise CorpusError(f"corpus folder {corpus_dir} has no non-empty *.txt files")
    return docs


def read_documents(corpus_dir: Path) -> dict[str, tuple[str, str]]:
    """File name → (profile id, title) from `documents.toml` ({} when there is none)."""
    path = corpus_dir / DOCUMENTS_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from exc
    out: dict[str, tuple[str, str]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not set(entry) <= _KEYS:
            raise CorpusError(
                f"{path}: [{name!r}] must be a table with only {', '.join(sorted(_KEYS))}"
            )
        profile, title = entry.get("profile", GENERIC_PROFILE), entry.get("title", "")
        if not isinstance(profile, str) or not isinstance(title, str):
            raise CorpusError(f"{path}: [{name!r}] profile and title must be strings")
        out[name] = (profile, title)
    return out
