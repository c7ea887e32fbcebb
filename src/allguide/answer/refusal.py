"""Every refusal in one shape: the reason, then the nearest sections of the guideline.

The refusal gate's reasons (out of scope, not addressed by the text) and the LLM path's
"passages do not support an answer" all become `refusal(reason, sections)`: an `Answer` with
`refused=True` and no citations, whose text is "<reason> Nearest sections: A; B." (the sections of
the `NEAREST` best passages, each once) or the reason alone when there is nothing worth naming.
"""

from __future__ import annotations

from collections.abc import Iterable

from allguide.types import Answer, ToolCall

NEAREST = 3
NOT_SUPPORTED = "The 2015 guideline passages found do not support an answer to this question."


def refusal(
    reason: str, sections: Iterable[str] = (), tool_calls: Iterable[ToolCall] = ()
) -> Answer:
    """The refusal `Answer`. `sections` are the passages' sections, best passage first;
    `tool_calls` are the rule tools run before the answer was refused (the LLM path may call
    them and still have no supported sentence)."""
    named = list(dict.fromkeys(list(sections)[:NEAREST]))
    see_also = f" Nearest sections: {'; '.join(named)}." if named else ""
    return Answer(
        answer=f"{reason}{see_also}",
        citations=[],
        tool_calls=list(tool_calls),
        refused=True,
        latency_ms=0.0,
    )
