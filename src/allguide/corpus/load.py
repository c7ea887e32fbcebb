"""The only file I/O of the corpus: read every *.txt in the corpus folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from allguide.errors import CorpusError


@dataclass(frozen=True)
class RawDocument:
    """One corpus file as read from disk."""

    source: str
    text: str


def load_corpus(corpus_dir: Path) -> list[RawDocument]:
    """Every `*.txt` file of `corpus_dir`, sorted by name; raises CorpusError if there is none."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir} (set ALLGUIDE_CORPUS_DIR)")
    paths = sorted(p for p in corpus_dir.glob("*.txt") if p.is_file())
    docs: list[RawDocument] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"cannot read corpus file {path}: {exc}") from exc
        if text.strip():
            docs.append(RawDocument(path.name, text))
    if not docs:
        raise CorpusError(f"corpus folder {corpus_dir} has no non-empty *.txt files")
    return docs
