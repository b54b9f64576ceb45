"""Walking the pages a person can reach, and what a page owes everyone who reads it.

``crawl(page, start)`` follows the links of this instance from ``start`` (breadth first, GET
only: downloads, static files, the API and logging out are left alone), so a page added later
is checked without being listed here.  ``accessibility_problems(page)`` runs in the browser:
every form control has a label, every button and link a name, images a text alternative, one
``h1``, no duplicate ids, and text contrast of at least 4.5:1 against what is really behind it
(3:1 for large text) — WCAG 2.2 AA's rules, measured on the rendered page.
"""

from __future__ import annotations

from collections import Counter, deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

SKIPPED_PREFIXES = ("/static/", "/api/", "/openapi", "/docs", "/redoc", "/healthz")
SKIPPED_SUFFIXES = (".pdf", ".zip", ".ics", ".txt", ".jsonl", ".png", ".jpg", ".svg", ".html")
SKIPPED_WORDS = ("/download", "/file", "/logout")
SAME_PATH_VARIANTS = 2  # query-string variants of one path (filters) visited at most


def _wanted(path: str) -> bool:
    return (
        path.startswith("/")
        and not path.startswith(SKIPPED_PREFIXES)
        and not path.endswith(SKIPPED_SUFFIXES)
        and not any(word in path for word in SKIPPED_WORDS)
    )


def crawl(page: Page, start: str, *, limit: int = 40) -> list[str]:
    """The paths (with their queries) reached from ``start``, each loaded once, status 200."""
    origin = urlsplit(page.url or "http://x/").netloc
    queue: deque[str] = deque([start])
    seen: set[str] = {start}
    per_path: Counter[str] = Counter()
    loaded: list[str] = []
    while queue and len(loaded) < limit:
        target = queue.popleft()
        response = page.goto(target)
        if response is None or response.status != 200:
            raise AssertionError(
                f"{target} answered {None if response is None else response.status}"
            )
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        loaded.append(target)
        origin = urlsplit(page.url).netloc
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            parts = urlsplit(urljoin(page.url, href))
            if parts.netloc != origin or not _wanted(parts.path):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in seen or per_path[parts.path] >= SAME_PATH_VARIANTS:
                continue
            seen.add(path)
            per_path[parts.path] += 1
            queue.append(path)
    return loaded


# The file starts with a comment; Playwright wants the function expression itself.
_CHECKS = "\n".join(
    line
    for line in (Path(__file__).resolve().parent / "page_checks.js").read_text("utf-8").splitlines()
    if not line.startswith("//")
)


def accessibility_problems(page: Page) -> list[str]:
    """What this page owes its readers and does not give, in words (empty: nothing)."""
    found: list[str] = page.evaluate(_CHECKS)
    return found
