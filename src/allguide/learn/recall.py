"""Recall items from the guideline's own statements (filled in below)."""

from __future__ import annotations

from collections.abc import Mapping

from allguide.learn.model import QuizItem
from allguide.types import Chunk


def recall_items(chunks: Mapping[str, Chunk], topic: str | None) -> list[QuizItem]:
    """Every recall item the chunk set yields for `topic` (None: all topics), in text order."""
    return []
