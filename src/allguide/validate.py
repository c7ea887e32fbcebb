"""Checks on user text before it reaches retrieval or a model (pure)."""

from __future__ import annotations

import re
import unicodedata

from allguide.errors import BadInputError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str, *, what: str, max_chars: int) -> str:
    """NFC-normalized, stripped text; BadInputError when empty, too long or holding controls."""
    if not isinstance(text, str):
        raise BadInputError(f"the {what} must be text")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise BadInputError(
            f"the {what} is empty; type a question about the 2015 NCCN ALL guideline"
        )
    if len(text) > max_chars:
        raise BadInputError(
            f"the {what} is {len(text):,} characters long; the limit is {max_chars:,} "
            "(ALLGUIDE_MAX_QUESTION_CHARS)"
        )
    bad = _CONTROL.search(text)
    if bad:
        raise BadInputError(
            f"the {what} contains a control character (U+{ord(bad.group()):04X}); remove it"
        )
    return text
