"""What stands between the network and the web UI (pure ASGI; no Gradio import).

`preflight` refuses unsafe ways to start (sharing, an open bind without auth, a busy port)
before anything heavy loads. `WebGuard` wraps the app: it answers only allowed Host names,
never lets a foreign origin read a response, caps request bodies, refuses uploads and backs
off repeated failed logins.
"""

from __future__ import annotations

import errno
import ipaddress
import math
import os
import socket
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from allguide.errors import ServeError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_TRUE = {"1", "true", "yes", "on"}
_SAFE_METHODS = {"GET", "HEAD"}
_CORS_HEADERS = {b"access-control-allow-origin", b"access-control-allow-credentials"}


_warned: set[tuple[str, int]] = set()


class ServeWarning(UserWarning):
    """The UI is being served in a way that exposes it beyond this machine."""


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1 (no name resolution: other names are not loopback)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name part of a Host header or `host[:port]` entry, lower case, without brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host  # a bare name, or an unbracketed IPv6 address


def preflight(host: str, port: int, *, auth: bool, insecure_no_auth: bool = False) -> None:
    """Refuse (ServeError) to serve shared, open without auth, or on a busy port."""
    from allguide import OVERRIDDEN_ENV

    # The package pins GRADIO_SHARE=False at import; a request made before that still counts.
    share = OVERRIDDEN_ENV.get("GRADIO_SHARE") or os.environ.get("GRADIO_SHARE", "")
    if share.strip().lower() in _TRUE:
        raise ServeError(
            f"GRADIO_SHARE={share} asks for a public share link; allguide never shares "
            "(unset GRADIO_SHARE)"
        )
    if not is_loopback(host):
        if not auth and not insecure_no_auth:
            raise ServeError(
                f"--host {host} would expose the UI beyond this machine without a password; "
                "set ALLGUIDE_AUTH=user:password (or pass --insecure-no-auth)"
            )
        guard = "password protected" if auth else "WITHOUT a password (--insecure-no-auth)"
        if (host, port) not in _warned:
            _warned.add((host, port))
            warnings.warn(
                f"serving on {host}:{port}, reachable from other machines, {guard}; only "
                "Host names in ALLGUIDE_ALLOWED_HOSTS (and loopback) are answered",
                ServeWarning,
                stacklevel=2,
            )
    check_port_free(host, port)


def check_port_free(host: str, port: int) -> None:
    """ServeError when `port` on `host` cannot be bound (as uvicorn binds it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is already in use") from None
            raise ServeError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None


@dataclass
class LoginLimiter:
    """Failed logins per client: `max_failures` within `window_s` lock the client out.

    Each lockout lasts `backoff_s`, doubling with every further lockout (up to `max_backoff_s`);
    a successful login forgets the client.
    """

    max_failures: int = 5
    window_s: float = 60.0
    backoff_s: float = 30.0
    max_backoff_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lockouts: dict[str, int] = field(default_factory=dict)

    def retry_after(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        return max(0.0, self._locked_until.get(client, 0.0) - self.clock())

    def failed(self, client: str) -> None:
        now = self.clock()
        recent = [t for t in self._failures.get(client, []) if now - t < self.window_s]
        recent.append(now)
        if len(recent) >= self.max_failures:
            lockouts = self._lockouts.get(client, 0) + 1
            self._lockouts[client] = lockouts
            backoff = min(self.max_backoff_s, self.backoff_s * 2 ** (lockouts - 1))
            self._locked_until[client] = now + backoff
            recent = []
        self._failures[client] = recent
        if len(self._failures) > 10_000:  # a flood of clients: forget the oldest
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        for table in (self._failures, self._locked_until, self._lockouts):
            table.pop(client, None)


class _BodyTooLargeError(Exception):
    pass


class WebGuard:
    """ASGI middleware in front of the whole app (outside Gradio's own CORS middleware)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bind_host: str,
        allowed_hosts: Iterable[str] = (),
        max_body_bytes: int = 1_000_000,
        limiter: LoginLimiter | None = None,
        login_paths: Iterable[str] = ("/login", "/login/"),
    ) -> None:
        self.app = app
        self.allowed = {host_name(bind_host)} | {host_name(h) for h in allowed_hosts if h.strip()}
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter or LoginLimiter()
        self.login_paths = set(login_paths)

    def host_allowed(self, host: str) -> bool:
        name = host_name(host)
        return bool(name) and (is_loopback(name) or name in self.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not self.host_allowed(headers.get(b"host", "")):
            await self._refuse(scope, receive, send, 400, "Invalid Host header")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET").upper()
        path = scope.get("path", "")
        if path.rstrip("/").endswith("/upload") or path.rstrip("/").endswith("/upload_progress"):
            await _respond(send, 403, "Uploads are not accepted")
            return
        origin = headers.get(b"origin")
        cross = origin is not None and not _same_origin(origin, headers[b"host"])
        if cross and method not in _SAFE_METHODS:
            await _respond(send, 403, "Cross-origin requests are refused")
            return
        length = headers.get(b"content-length", "0").strip() or "0"
        if not length.isdigit():
            await _respond(send, 400, "Invalid Content-Length")
            return
        if int(length) > self.max_body_bytes:
            await _respond(send, 413, f"Request body over {self.max_body_bytes} bytes")
            return
        client = str((scope.get("client") or ("?",))[0])
        login = method == "POST" and path in self.login_paths
        if login:
            wait = self.limiter.retry_after(client)
            if wait > 0:
                extra = [(b"retry-after", str(math.ceil(wait)).encode())]
                await _respond(send, 429, "Too many failed logins; try again later", extra)
                return
        await self._forward(
            scope, receive, send, strip_cors=cross, login_client=client if login else None
        )

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        strip_cors: bool,
        login_client: str | None,
    ) -> None:
        seen = 0
        too_large = False
        started = False
        status = 0

        async def counted_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, status
            if too_large and not started:
                return  # the app's reaction to the cut body; the 413 goes out instead
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                if strip_cors:
                    message["headers"] = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() not in _CORS_HEADERS
                    ]
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:  # also when the app wraps the cut body's error in its own
            if not too_large:
                raise
        if too_large and not started:
            await _respond(send, 413, f"Request body over {self.max_body_bytes} bytes")
            return
        if login_client is not None:
            if status in (400, 401, 403):
                self.limiter.failed(login_client)
            elif 200 <= status < 300:
                self.limiter.succeeded(login_client)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, text: str
    ) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        await _respond(send, status, text)


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin.strip())
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


async def _respond(
    send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = f"{text}\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
