"""The browser reaches the live app: the OpenAPI document loads and parses in Chromium."""

from __future__ import annotations

import json

from playwright.sync_api import Page

from .conftest import LiveApp, Shots


def test_the_openapi_document_loads_in_the_browser_and_names_the_health_route(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    response = page.goto("/openapi.json")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    document = json.loads(page.locator("body").inner_text())
    assert document["info"]["title"] == "Xieshang API"
    assert "/healthz" in document["paths"]
    # The page's own JavaScript sees the same document (fetched from the same origin).
    paths = page.evaluate(
        "fetch('/openapi.json').then(r => r.json()).then(d => Object.keys(d.paths).length)"
    )
    assert paths == len(document["paths"])
    shots.save(page, "openapi", full_page=False)  # the whole document is ~3,000 lines tall
