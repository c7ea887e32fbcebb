"""Learning mode: quiz items graded by the guideline's own rules and text (docs/learning.md).

Case vignettes whose key is a rule tool's verdict, and recall items whose key is verbatim
guideline text; `make_quiz` assembles them, `grade` checks an answer. Pure: the items come
from a chunk set (`Assistant(...).chain.chunks`, or `corpus.pipeline.default_build()`).
"""

from __future__ import annotations

from allguide.learn.model import QuizItem, ToolUse, grade
from allguide.learn.quiz import make_quiz
from allguide.learn.topics import TOPIC_LABELS, TOPICS

__all__ = ["TOPICS", "TOPIC_LABELS", "QuizItem", "ToolUse", "grade", "make_quiz"]
