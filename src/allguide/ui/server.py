"""Serving the app: `serve` checks the bind, warms the chain and launches behind `WebGuard`.

Never shared; a non-loopback host needs ALLGUIDE_AUTH or `insecure_no_auth`. The guard is the
outermost layer of Gradio's middleware stack, so every request passes it first.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import gradio as gr
from gradio.routes import App, ORJSONResponse

from allguide.errors import BadInputError, ServeError
from allguide.ui import style
from allguide.ui.app import EXAMPLES, build_app
from allguide.ui.guard import ASGIApp, LoginLimiter, WebGuard, preflight

if TYPE_CHECKING:
    from collections.abc import Callable

    from allguide.assistant import Assistant


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """`user:password` (ALLGUIDE_AUTH) as Gradio's auth pair; None when unset."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise BadInputError("ALLGUIDE_AUTH must look like user:password")
    return user, password


def serve(
    assistant: Assistant,
    *,
    host: str | None = None,
    port: int | None = None,
    prevent_thread_lock: bool = False,
    insecure_no_auth: bool = False,
) -> gr.Blocks:
    """Warm the answer chain, build the app and serve it (host and port from settings).

    Never shared; a non-loopback `host` needs ALLGUIDE_AUTH or `insecure_no_auth`; a busy
    port is a ServeError. Every request passes `WebGuard` (Host allow-list, no foreign CORS,
    body cap, no uploads, login backoff) before Gradio sees it.
    """
    settings = assistant.settings
    host = host or settings.host
    port = port or settings.port
    auth = parse_auth(settings.auth.get_secret_value() if settings.auth else None)
    preflight(host, port, auth=auth is not None, insecure_no_auth=insecure_no_auth)
    assistant.ask(EXAMPLES[0])  # loads the index and the sentence cache before the first user
    app = build_app(assistant)
    app.queue(default_concurrency_limit=settings.concurrency)
    guard = partial(
        WebGuard,
        bind_host=host,
        allowed_hosts=settings.allowed_hosts.split(","),
        max_body_bytes=settings.max_request_bytes,
        limiter=LoginLimiter(),
    )
    try:
        app.launch(
            server_name=host,
            server_port=port,
            share=False,
            auth=auth,
            prevent_thread_lock=prevent_thread_lock,
            max_file_size=settings.max_request_bytes,
            footer_links=["api", "settings"],
            ssr_mode=False,
            theme=gr.themes.Default(primary_hue="blue", neutral_hue="slate"),
            css=style.CSS,
            js=style.JS,
            _app=_guarded_app(guard),
        )
    except OSError as exc:  # lost a race for the port after the preflight check
        app.close()
        if "empty port" in str(exc):
            raise ServeError(f"port {port} on {host} is already in use") from None
        raise ServeError(f"cannot serve on {host}:{port}: {exc}") from None
    if app.share or app.share_url:
        app.close()
        raise ServeError("Gradio tried to open a public share link; allguide never shares")
    return app


def _guarded_app(guard: Callable[[ASGIApp], ASGIApp]) -> App:
    """Gradio's FastAPI app with `guard` as the outermost layer of its middleware stack."""

    class GuardedApp(App):
        def build_middleware_stack(self) -> ASGIApp:
            return guard(super().build_middleware_stack())

    return GuardedApp(default_response_class=ORJSONResponse)
