"""Request bodies are capped while they arrive: a huge upload is refused before it is stored."""

from __future__ import annotations

import asyncio

from xieshang.api.limits import BodySizeLimit


def test_an_upload_far_over_the_limit_is_413_in_the_error_shape(api, people):
    borrower = people.logged_in("borrower")
    limit = api.app.state.container.settings.max_upload_bytes
    big = b"%PDF-1.4\n" + b"0" * (limit + 200_000)
    r = api.post(
        "/api/documents",
        files={"file": ("big.pdf", big, "application/pdf")},
        data={"kind": "contract"},
        headers={**borrower.headers, "Accept-Language": "en"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "upload.too_large"
    assert r.json()["message"].startswith("the file is too large")


def run_app(app, body_chunks, headers, path="/api/echo"):
    """Drive an ASGI app by hand with a chunked body; returns (status, body)."""
    sent = []
    chunks = list(body_chunks)

    async def receive():
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(event):
        sent.append(event)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
    }
    asyncio.run(app(scope, receive, send))
    status = next(e["status"] for e in sent if e["type"] == "http.response.start")
    return status, b"".join(e.get("body", b"") for e in sent if e["type"] == "http.response.body")


def echo_app():
    """A bare ASGI app that reads the whole body and answers its size."""

    async def app(scope, receive, send):
        size = 0
        while True:
            event = await receive()
            size += len(event.get("body", b""))
            if not event.get("more_body"):
                break
        body = b'{"size":%d}' % size
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


def test_a_chunked_body_without_a_declared_length_is_cut_off_at_the_cap():
    app = BodySizeLimit(echo_app(), max_bytes=1000)
    status, body = run_app(app, [b"x" * 600, b"x" * 600], {"content-type": "text/plain"})
    assert status == 413
    assert b"upload.too_large" in body


def test_a_declared_length_over_the_cap_is_refused_before_reading():
    app = BodySizeLimit(echo_app(), max_bytes=1000)
    status, _ = run_app(app, [], {"content-length": "5000"})
    assert status == 413


def test_bodies_within_the_cap_pass_untouched():
    app = BodySizeLimit(echo_app(), max_bytes=1000)
    status, body = run_app(app, [b"x" * 400, b"x" * 400], {"content-type": "text/plain"})
    assert status == 200
    assert b'"size":800' in body


def test_a_page_form_over_the_cap_gets_a_page_in_the_visitors_language_with_a_way_back():
    app = BodySizeLimit(echo_app(), max_bytes=1000)
    headers = {"cookie": "xs_csrf=abc; lang=en", "referer": "https://host.example/loans/7"}
    status, body = run_app(app, [b"x" * 600, b"x" * 600], headers, path="/loans/7/documents")
    page = body.decode("utf-8")
    assert status == 413
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "the file is too large" in page and 'href="/loans/7"' in page
    status, body = run_app(app, [], {"content-length": "5000"}, path="/loans/7/documents")
    assert status == 413 and "文件过大" in body.decode("utf-8")  # no choice made: Chinese


def test_a_foreign_referer_never_becomes_the_way_back():
    app = BodySizeLimit(echo_app(), max_bytes=10)
    headers = {"content-length": "50", "referer": "https://evil.example//evil.example/x"}
    _, body = run_app(app, [], headers, path="/loans/new")
    assert 'href="/"' in body.decode("utf-8")
