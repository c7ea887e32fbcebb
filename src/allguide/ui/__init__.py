"""The web UI, one module a concern.

- `app`: the Gradio Blocks (`build_app`), the Chat, Calculators and Learn tabs.
- `learn`, `learn_view`, `learn_state`: the Learn tab's wiring, its HTML, its session rules.
- `session`: the chat tab's state and handlers (`ChatSession`).
- `render`: pure HTML for answers, sources and rule results (no Gradio).
- `forms`: calculator forms derived from the rule tools' input models (no Gradio).
- `style`: the stylesheet and the chip script.
- `server`: `serve` and `parse_auth`, launching behind `guard.WebGuard`.
- `guard`: what stands between the network and the app (pure ASGI, no Gradio): `preflight`,
  `WebGuard`, `LoginLimiter`.

The names below load lazily, so `allguide.ui.guard` (used before anything heavy loads)
does not import Gradio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allguide.ui.app import EXAMPLES, build_app
    from allguide.ui.server import parse_auth, serve
    from allguide.ui.session import ChatSession, Turn, text_fingerprint

__all__ = [
    "EXAMPLES",
    "ChatSession",
    "Turn",
    "build_app",
    "parse_auth",
    "serve",
    "text_fingerprint",
]

_HOMES = {
    "EXAMPLES": "app",
    "build_app": "app",
    "parse_auth": "server",
    "serve": "server",
    "ChatSession": "session",
    "Turn": "session",
    "text_fingerprint": "session",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{home}"), name)
