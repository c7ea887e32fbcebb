"""Pure HTML for the Learn tab: the quiz header, progress bar, item, verdict, score and review.

No Gradio here. Citation chips and the sources panel come from `render` (the Chat tab's), with
their anchors renamed `ag-learn-src-…` so they never collide with the chat's on the same page;
the chip script in `style` opens whichever passage a chip names. Item `k` of a quiz (1-based,
the same on every showing) owns the anchors `ag-learn-src-k-n`.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from allguide.learn import TOPIC_LABELS
from allguide.types import Answer, page_label
from allguide.ui import learn_state, render

if TYPE_CHECKING:
    from collections.abc import Mapping

    from allguide.learn import QuizItem
    from allguide.types import Chunk
    from allguide.ui.learn_state import LearnSession

INTRO = (
    '<p class="ag-small">Choose a topic, a kind (case vignettes graded by the rule tools, '
    "recall of the guideline's own statements, or both) and a length, then press Start. "
    "Every key is the guideline's text or a rule tool's verdict, and every explanation cites "
    "its source. A question you miss comes back a few questions later.</p>"
)
EMPTY_SOURCES = (
    '<div class="ag-sources ag-empty">Sources appear here once you answer: click a numbered '
    "chip to see the passage it cites, the quoted words highlighted.</div>"
)
_HEAD = re.compile(r'<div class="ag-sources-head">.*?</div>')


def topic_label(topic: str) -> str:
    return "All topics" if topic == "all" else TOPIC_LABELS.get(topic, topic)


def command(session: LearnSession) -> str:
    """The `allguide quiz` command that prints this session's items."""
    topic = "" if session.topic == "all" else f" --topic {session.topic}"
    length = len(session.items)
    return f"allguide quiz --seed {session.seed} --n {length} --kind {session.kind}{topic}"


def header(session: LearnSession) -> str:
    """What quiz this is and how to get it again."""
    n = len(session.items)
    fewer = f" (all there are for this choice; {session.asked} asked)" if session.asked > n else ""
    return (
        f'<div class="ag-learn-head">{n} questions{fewer} · '
        f"{escape(topic_label(session.topic))} · {escape(session.kind)} · seed "
        f'<b id="learn-seed">{session.seed}</b></div>'
        f'<div class="ag-small">The same quiz in a terminal: <code>{escape(command(session))}'
        "</code></div>"
    )


def progress(session: LearnSession) -> str:
    """A bar of the items answered right so far, and what is left to review."""
    learned, total = learn_state.progress(session)
    wrong = {a.index for a in session.attempts if not a.correct}
    again = len(wrong - {a.index for a in session.attempts if a.correct})
    pending = f" · {again} to try again" if again else ""
    width = round(100 * learned / total) if total else 0
    return (
        f'<div class="ag-progress" role="progressbar" aria-valuemin="0" aria-valuemax="{total}" '
        f'aria-valuenow="{learned}"><div class="ag-progress-fill" style="width: {width}%"></div>'
        f'</div><div class="ag-small" id="learn-progress-text">{learned} of {total} answered '
        f"right{pending} · answers given: {len(session.attempts)}</div>"
    )


def question(session: LearnSession) -> str:
    """The item on screen, or the end of the quiz."""
    item = session.current
    if item is None:
        return '<div class="ag-learn-q">Quiz finished. Your score is below.</div>'
    index = session.queue[0]
    earlier = learn_state.tries(session, index) - int(session.answered)
    again = " · <b>again</b>: you missed it before" if earlier else ""
    return (
        f'<div class="ag-small">Question {index + 1} of {len(session.items)} · '
        f"{escape(topic_label(item.topic))} · {escape(item.kind)}{again}</div>"
        f'<div class="ag-learn-q">{render.text_html(item.question)}</div>'
    )


def feedback(session: LearnSession) -> str:
    """Right or wrong for the last answer, then the explanation with its citation chips."""
    item, last = session.current, session.last
    if item is None or last is None:
        return ""
    if last.correct:
        verdict = '<div class="ag-verdict ag-right" role="status">Right.</div>'
    else:
        verdict = (
            f'<div class="ag-verdict ag-wrong" role="status">Not quite: you chose '
            f"“{escape(last.choice)}”. The answer is “{escape(item.answer)}”. "
            "This question comes back in a few questions.</div>"
        )
    return f'<div class="ag-learn-feedback">{verdict}{explain(item, last.index + 1)}</div>'


def explain(item: QuizItem, number: int) -> str:
    """The item's explanation, the rule tool that keyed it, and chips for its citations."""
    body = _own_ids(render.with_chips(item.explanation, item.citations, turn=number))
    parts = [f'<div class="ag-explanation">{body}</div>']
    if item.tool is not None:
        label = render.TOOL_LABELS.get(item.tool.name, item.tool.name)
        parts.append(
            f'<div class="ag-small">Key computed by the rule tool {escape(label)} '
            f"({escape(item.tool.name)}) from {render.format_value(item.tool.input)}.</div>"
        )
    chips = "".join(
        render.chip(c.n, turn=number, title=f"{c.section}, {page_label(c.page)}")
        for c in item.citations
    )
    parts.append(f'<div class="ag-small ag-learn-cites">Sources: {_own_ids(chips)}</div>')
    return "".join(parts)


def sources(session: LearnSession, chunks: Mapping[str, Chunk]) -> str:
    """The sources panel for the item on screen."""
    item = session.current
    if item is None:
        return EMPTY_SOURCES
    return panel(item, session.queue[0] + 1, chunks)


def panel(item: QuizItem, number: int, chunks: Mapping[str, Chunk]) -> str:
    """The Chat tab's sources panel for one item's citations, headed and anchored for Learn."""
    cited = Answer(
        answer=item.explanation,
        citations=item.citations,
        tool_calls=[],
        refused=False,
        latency_ms=0.0,
    )
    html = render.render_sources(cited, turn=number, chunks=chunks)
    head = f'<div class="ag-sources-head">Sources for question {number}</div>'
    return _own_ids(_HEAD.sub(lambda _: head, html, count=1))


def summary(session: LearnSession) -> str:
    """The score at the first try, overall and per topic."""
    right, total = learn_state.total_score(session)
    rows = "".join(
        f'<tr data-topic="{escape(topic)}"><th>{escape(topic_label(topic))}</th>'
        f"<td>{r} of {n}</td></tr>"
        for topic, (r, n) in learn_state.scores(session).items()
    )
    return (
        f'<div class="ag-learn-summary"><div class="ag-score" id="learn-score">Score: {right} '
        f'of {total} right at the first try</div><table class="ag-kv ag-learn-scores">{rows}'
        '</table><p class="ag-small">A missed question came back until answered right; only '
        "its first answer counts.</p></div>"
    )


def review(session: LearnSession) -> str:
    """Each item missed at the first try: the answer given, the key and the explanation."""
    first = learn_state.first_attempts(session)
    missed = [(i, a) for i, a in sorted(first.items()) if not a.correct]
    if not missed:
        return '<div class="ag-review"><p>You missed nothing.</p></div>'
    entries = "".join(
        f'<li><div class="ag-learn-q">{render.text_html(session.items[i].question)}</div>'
        f"<div>You answered “{escape(a.choice)}”; the answer is "
        f"“{escape(session.items[i].answer)}”.</div>{explain(session.items[i], i + 1)}</li>"
        for i, a in missed
    )
    return (
        '<div class="ag-review" id="learn-missed"><div class="ag-sources-head">What you '
        f"missed</div><ol>{entries}</ol></div>"
    )


def review_sources(session: LearnSession, chunks: Mapping[str, Chunk]) -> str:
    """The sources of every missed item, one panel each."""
    first = learn_state.first_attempts(session)
    panels = [
        panel(session.items[i], i + 1, chunks) for i, a in sorted(first.items()) if not a.correct
    ]
    return "".join(panels) or EMPTY_SOURCES


def note(message: str) -> str:
    """A problem with the last action; the quiz is unchanged."""
    text = message[:1].upper() + message[1:]
    return f'<div class="ag-field-error" role="alert">{escape(text)}</div>'


def _own_ids(html: str) -> str:
    """Chat anchors (`ag-src-…`) renamed to Learn's, in our own attributes only."""
    return html.replace('href="#ag-src-', 'href="#ag-learn-src-').replace(
        'id="ag-src-', 'id="ag-learn-src-'
    )
