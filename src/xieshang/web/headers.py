"""Security headers on every web response (pages, static files and their error pages).

The API's JSON answers keep their own headers; everything else gets a Content-Security-Policy
that allows only this instance's own scripts, styles and images and no framing, ``nosniff``, a
strict Referrer-Policy, and — only when the request itself came over HTTPS — HSTS (announcing
HSTS over plain HTTP would be ignored by browsers, and wrong on a local instance).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
API_PREFIXES = ("/api/", "/healthz", "/openapi.json")


def is_web_path(path: str) -> bool:
    """Pages and static files, as opposed to the JSON API.

    >>> is_web_path("/dashboard"), is_web_path("/api/loans"), is_web_path("/static/app.css")
    (True, False, True)
    """
    return not (path == "/api" or path.startswith(API_PREFIXES))


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to web responses as they start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_web_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        extra = list(BASE_HEADERS)
        if scope.get("scheme") == "https":
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
