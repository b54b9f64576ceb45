"""Which fonts Chromium actually drew a piece of text with, and which installed fonts cover Chinese.

The computed ``font-family`` only repeats the CSS list; the font that drew the glyphs comes from
the DevTools protocol (``CSS.getPlatformFontsForNode``).  Without a CJK font, Chromium draws
Chinese text as boxes with whatever font it has, and that font is not one fontconfig lists for
``:lang=zh`` — so "every font used is a Chinese-capable font" fails exactly when boxes appear.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Page


def rendered_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts that drew the text of the first element matching ``selector``: family name →
    number of glyphs drawn with it."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})
        found = cdp.send(
            "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
        )
        if not found["nodeId"]:
            raise AssertionError(f"no element matches {selector!r}")
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": found["nodeId"]})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"]: int(font["glyphCount"]) for font in fonts}


def _fc_list(*args: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run(
        ["fc-list", *args], capture_output=True, text=True, check=True, env=env, timeout=60
    )
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def chinese_font_families() -> frozenset[str]:
    """Every family name (in every language fontconfig knows it by) of the installed fonts that
    cover Simplified Chinese."""
    names: set[str] = set()
    for line in _fc_list(":lang=zh-cn", "family"):
        names.update(name.strip() for name in line.split(","))
    return frozenset(names)


def chinese_font_files() -> list[str]:
    return _fc_list(":lang=zh-cn", "file")


def config_without_chinese_fonts(folder: Path) -> Path:
    """A fontconfig file that loads the system's configuration but rejects every font covering
    Chinese: what a machine without ``fonts-wqy-microhei`` shows (the negative control)."""
    folder.mkdir(parents=True, exist_ok=True)
    rejects = "".join(f"<glob>{path.rstrip(':')}</glob>" for path in chinese_font_files())
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <selectfont><rejectfont>{rejects}</rejectfont></selectfont>\n"
        f"  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return config
