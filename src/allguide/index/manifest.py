"""What the live index was built from: kept as the chunk collection's metadata (and, in
embedded mode, as `manifest.json` beside it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from allguide.index.chroma_io import as_int


@dataclass(frozen=True)
class Manifest:
    """What the live index was built from."""

    fingerprint: str
    model: str
    chunks: int
    sentences: int
    built_at: float
    repairs: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "model": self.model,
            "chunks": self.chunks,
            "sentences": self.sentences,
            "built_at": self.built_at,
            "repairs": self.repairs,
        }

    def to_meta(self) -> dict[str, str | int | float]:
        """The manifest as the chunk collection's metadata (repairs as JSON text)."""
        return {**self.to_json(), "repairs": json.dumps(self.repairs, sort_keys=True)}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Manifest:
        """The manifest stored as a chunk collection's metadata by `to_meta`."""
        return cls(
            fingerprint=str(meta["fingerprint"]),
            model=str(meta.get("model", "")),
            chunks=as_int(meta.get("chunks")),
            sentences=as_int(meta.get("sentences")),
            built_at=float(str(meta.get("built_at", 0.0))),
            repairs=json.loads(str(meta.get("repairs", "{}"))),
        )
