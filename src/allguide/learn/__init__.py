"""Learning mode: quiz items graded by the guideline's own rules and text (docs/learning.md).

Case vignettes whose key is a rule tool's verdict, and recall items whose key is verbatim
guideline text; `make_quiz` assembles them, `grade` checks an answer. Pure: the items come
from a chunk set (`Assistant(...).chain.chunks`, or `corpus.pipeline.default_build()`).

`make_quiz` is loaded on first use: it imports the rule tools (and LangChain), which every
other `allguide` command registering the `quiz` subcommand should not pay for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allguide.learn.model import QuizItem, ToolUse, grade
from allguide.learn.topics import TOPIC_LABELS, TOPICS

if TYPE_CHECKING:
    from allguide.learn.quiz import make_quiz

__all__ = ["TOPICS", "TOPIC_LABELS", "QuizItem", "ToolUse", "grade", "make_quiz"]


def __getattr__(name: str) -> Any:
    if name == "make_quiz":
        from allguide.learn.quiz import make_quiz

        return make_quiz
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
