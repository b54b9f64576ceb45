"""A cap on request bodies, enforced while the body arrives (before any parsing).

Multipart parsing spools the whole body to disk before a route sees it; without this cap a
client could make the server store gigabytes only to be told "too large".  Declared lengths
over the cap are refused at once; chunked bodies are counted and cut off at the cap.  The API
gets the one JSON error shape; a page's form (anything outside ``/api/``) a short page in the
visitor's language with a link back, since a browser would otherwise show raw JSON.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from xieshang.i18n import message, normalize_lang, text
from xieshang.web.headers import is_web_path
from xieshang.web.lang import LANG_COOKIE
from xieshang.web.session import safe_next

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Room for multipart framing and form fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


class BodyTooLargeError(Exception):
    """Raised inside ``receive`` once the body passes the cap; turned into a 413 here."""


class BodySizeLimit:
    """ASGI middleware: 413 in the one error shape when a body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        page = is_web_path(scope.get("path", ""))
        lang = _cookie_lang(headers.get("cookie", "")) if page else None
        lang = lang or _lang(headers.get("accept-language", ""))
        back = _back(headers.get("referer", "")) if page else None
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, self.max_bytes, lang, back)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError
            return event

        async def tracking_send(event: Message) -> None:
            nonlocal started
            if event["type"] == "http.response.start":
                started = True
            await send(event)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await _refuse(send, self.max_bytes, lang, back)


def _lang(header: str) -> str:
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in ("zh", "en"):
            return tag
    return normalize_lang(None)


def _cookie_lang(header: str) -> str | None:
    """The language a visitor chose on the pages (their ``lang`` cookie), if any."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == LANG_COOKIE and value in ("zh", "en"):
            return value
    return None


def _back(referer: str) -> str:
    """The page the form was on (a path of this instance), else the start page.

    >>> _back("https://x.example/loans/3?a=1"), _back("https://x.example//evil"), _back("")
    ('/loans/3?a=1', '/', '/')
    """
    _, _, rest = referer.partition("://")
    path = "/" + rest.partition("/")[2] if rest else ""
    return safe_next(path) or "/"


def _page(text_message: str, back: str, lang: str) -> bytes:
    return (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        'initial-scale=1"><link rel="stylesheet" href="/static/app.css">'
        f'<title>{html.escape(text_message)}</title></head><body><main id="main">'
        f"<h1>{html.escape(text_message)}</h1>"
        f'<p><a href="{html.escape(back, quote=True)}">{html.escape(text("web_back", lang))}</a>'
        "</p></main></body></html>"
    ).encode()


async def _refuse(send: Send, max_bytes: int, lang: str, back: str | None = None) -> None:
    said = message("upload.too_large", lang, max_bytes=max_bytes)
    kind = b"application/json"
    if back is not None:
        body, kind = _page(said, back, lang), b"text/html; charset=utf-8"
    else:
        body = json.dumps(
            {"code": "upload.too_large", "message": said, "field": None}, ensure_ascii=False
        ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"content-language", lang.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
