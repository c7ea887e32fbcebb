"""The allguide home's files: owner-only folders, atomic writes, the index's readable artifacts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allguide.types import Chunk

# What an allguide home holds; a folder holding anything else is not tightened to 0700.
_HOME_ENTRIES = ("index", "feedback.jsonl", "build.lock")


def private_dir(path: Path) -> None:
    """Create `path` owner-only (0700); tighten an existing allguide folder that is not.

    A folder is tightened only when this user owns it, it is not a shared sticky folder such
    as /tmp, and it holds nothing but allguide's own files.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        return
    if path.name != "index" and any(
        not entry.name.startswith(_HOME_ENTRIES) for entry in path.iterdir()
    ):
        return
    path.chmod(0o700)


def atomic_write(path: Path, text: str) -> None:
    """Write `text` beside `path`, then rename it over `path` (readers see old or new)."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_artifacts(index_dir: Path, chunks: list[Chunk], manifest: dict[str, Any]) -> None:
    """`chunks.jsonl` and `manifest.json` beside the embedded Chroma directory."""
    atomic_write(
        index_dir / "chunks.jsonl",
        "".join(json.dumps(c.model_dump(), ensure_ascii=False) + "\n" for c in chunks),
    )
    atomic_write(
        index_dir / "manifest.json",
        json.dumps(manifest, indent=2, sort_keys=True) + "\n",
    )
