"""A cap on request bodies, enforced while the body arrives (before any parsing).

Multipart parsing spools the whole body to disk before a route sees it; without this cap a
client could make the server store gigabytes only to be told "too large".  Declared lengths
over the cap are refused at once; chunked bodies are counted and cut off at the cap.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from xieshang.i18n import message, normalize_lang

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
        lang = _lang(headers.get("accept-language", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, self.max_bytes, lang)
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
                await _refuse(send, self.max_bytes, lang)


def _lang(header: str) -> str:
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in ("zh", "en"):
            return tag
    return normalize_lang(None)


async def _refuse(send: Send, max_bytes: int, lang: str) -> None:
    body = json.dumps(
        {
            "code": "upload.too_large",
            "message": message("upload.too_large", lang, max_bytes=max_bytes),
            "field": None,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"content-language", lang.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
