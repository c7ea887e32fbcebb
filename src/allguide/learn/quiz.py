"""Quiz assembly: a seeded, duplicate-free mix of vignettes and recall items.

Pure and deterministic: the same chunks, topic, n, seed and kind give the same quiz. Recall
items are drawn from the fixed pool the chunks yield for the topic; vignettes are drawn fresh
from the seed, round-robin over the topic's rule tools so every tool is asked. A quiz is
shorter than `n` only when the topic's pool runs out (a recall-only quiz on a small topic).
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random

from allguide.errors import BadInputError
from allguide.learn.model import QuizItem, QuizKind
from allguide.learn.recall import recall_items
from allguide.learn.topics import check_topic
from allguide.learn.vignettes import make_vignette, vignette_tools
from allguide.rules.provenance import QuoteResolver
from allguide.types import Chunk

MAX_ITEMS = 100
_KINDS = ("vignette", "recall", "mixed")
_TRIES = 40  # fresh cases per vignette slot before the topic counts as exhausted


def make_quiz(
    chunks: Mapping[str, Chunk],
    *,
    topic: str | None = None,
    n: int = 10,
    seed: int = 0,
    kind: QuizKind = "mixed",
) -> list[QuizItem]:
    """`n` distinct items on `topic` (None: every topic) of `kind`, drawn with `seed`."""
    check_topic(topic)
    if kind not in _KINDS:
        raise BadInputError(f"unknown quiz kind {kind!r} (known: {', '.join(_KINDS)})")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ITEMS:
        raise BadInputError(f"quiz length must be a whole number from 1 to {MAX_ITEMS} (got {n!r})")
    rng = Random(seed)
    tools = vignette_tools(topic) if kind != "recall" else []
    pool = recall_items(chunks, topic) if kind != "vignette" else []
    rng.shuffle(pool)
    if not tools and not pool:
        raise BadInputError(f"no {kind} items for topic {topic!r}")
    resolver = QuoteResolver(chunks.values())
    items: list[QuizItem] = []
    seen: set[str] = set()
    sources: set[str] = set()
    turn = 0
    while len(items) < n and (tools or pool):
        want_vignette = bool(tools) and (not pool or kind == "vignette" or rng.random() < 0.5)
        item = None
        if want_vignette:
            tool = tools[turn % len(tools)]
            turn += 1
            for _ in range(_TRIES):
                candidate = make_vignette(tool, rng, resolver, chunks)
                if candidate.question not in seen:
                    item = candidate
                    break
            else:
                tools.remove(tool)
        else:
            item = pool.pop()
            if item.citations[0].quote in sources:
                continue  # one recall item per statement: a second one would give it away
            sources.add(item.citations[0].quote)
        if item is not None and item.question not in seen:
            seen.add(item.question)
            items.append(item)
    return items
