"""Chinese text is drawn with a Chinese font, not as boxes.

``rendered_fonts`` asks Chromium which font drew the glyphs.  The check is proven able to fail:
the same page in a second Chromium whose fontconfig rejects every Chinese-capable font is
drawn with a Latin font (DejaVu Sans, as boxes) and the same check refuses it.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, Playwright

from xieshang.i18n import text

from .conftest import CHROMIUM, CHROMIUM_ARGS, LOCALE, LiveApp, Shots
from .fonts import chinese_font_families, config_without_chinese_fonts, rendered_fonts

HEADING = "main h1"


def _only_chinese_fonts(used: dict[str, int]) -> bool:
    return bool(used) and set(used) <= chinese_font_families()


def test_the_chinese_start_page_heading_is_drawn_with_a_cjk_font(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    assert chinese_font_families(), "no font covering Chinese is installed (fonts-wqy-microhei)"
    page.goto("/")
    heading = page.locator(HEADING)
    assert heading.inner_text() == text("web_start_heading", "zh")
    used = rendered_fonts(page, HEADING)
    assert _only_chinese_fonts(used), used
    assert sum(used.values()) >= len(text("web_start_heading", "zh")) - 1  # every glyph drawn
    shots.save(page, "start-zh")
    shots.save(page, "cjk-heading-zh", selector=HEADING)


def test_the_font_check_fails_when_no_chinese_font_is_available(
    playwright: Playwright, live_app: LiveApp, tmp_path: Path, shots: Shots
) -> None:
    config = config_without_chinese_fonts(tmp_path / "fontconfig")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
    )
    try:
        page = browser.new_page(locale=LOCALE, base_url=live_app.base_url)
        page.goto("/")
        used = rendered_fonts(page, HEADING)
        shots.save(page, "cjk-heading-without-cjk-font", selector=HEADING)
    finally:
        browser.close()
    assert used and not _only_chinese_fonts(used), used
