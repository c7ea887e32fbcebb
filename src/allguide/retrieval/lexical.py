"""BM25 over the chunk texts with an injectable tokenizer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from allguide.text import STOPWORDS, stem

Tokenizer = Callable[[str], list[str]]

_TOKEN = re.compile(r"[a-z0-9]+(?:[-+/][a-z0-9]+)*[+]?")

_NUMBER_WORDS = {
    w: str(n) for n, w in enumerate("zero one two three four five six seven eight nine ten".split())
} | {w: str(n) for n, w in enumerate("first second third fourth fifth".split(), start=1)}


def clinical_tokens(text: str) -> list[str]:
    """Lower-case, lightly stemmed tokens that keep clinical compounds whole (cns-3, t315i,
    bcr-abl1, cd10+) and also emit their parts, so 'CNS-3' matches 'CNS 3'; number words are
    digits ('two regimens' matches '2 chemotherapy regimens', 'first year' matches 'Year 1')."""
    out: list[str] = []
    for raw in _TOKEN.findall(text.lower().replace("−", "-").replace("–", "-")):
        if raw in STOPWORDS:
            continue
        token = _NUMBER_WORDS.get(raw) or stem(raw)
        out.append(token)
        parts = [p for p in re.split(r"[-+/]", token) if p and p not in STOPWORDS]
        if len(parts) > 1:
            out.extend(parts)
    return out


class BM25Index:
    """BM25 (bm25s) over a fixed list of documents; scores by position in that list."""

    def __init__(self, texts: Sequence[str], *, tokenizer: Tokenizer = clinical_tokens) -> None:
        import bm25s

        self._tokenize = tokenizer
        self._bm25 = bm25s.BM25()
        self._size = len(texts)
        self._bm25.index([tokenizer(t) or ["∅"] for t in texts], show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """(document position, score) of the best `n` documents with a positive score."""
        tokens = list(dict.fromkeys(t for t in self._tokenize(query) if t in self._vocab))
        if not tokens or self._size == 0:
            return []
        import numpy as np

        scores = np.asarray(self._bm25.get_scores(tokens))
        n = min(n, self._size)
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]
