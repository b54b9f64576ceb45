"""The page's language: the ``lang`` cookie (set by the language switch), else the browser's
Accept-Language, else Chinese."""

from __future__ import annotations

from starlette.requests import Request

from xieshang.i18n import LANGS, normalize_lang

LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


def accept_language(header: str) -> str:
    """The first language in an Accept-Language header that we speak, by weight; zh otherwise.

    >>> accept_language("en-GB,en;q=0.9,zh;q=0.5"), accept_language("fr"), accept_language("")
    ('en', 'zh', 'zh')
    """
    ranked: list[tuple[int, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1000
        params = params.strip()
        if params.startswith("q="):
            weight = _weight(params[2:])
        lang = tag.strip().lower().split("-")[0]
        if lang in LANGS and weight > 0:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else normalize_lang(None)


def _weight(value: str) -> int:
    """A q-value in thousandths (``0.9`` → 900); anything unreadable counts as 0."""
    whole, _, fraction = value.strip().partition(".")
    if whole not in ("0", "1") or not (fraction + "0").isdigit() or len(fraction) > 3:
        return 0
    return min(1000, int(whole) * 1000 + int((fraction + "000")[:3]))


def page_lang(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGS:
        return chosen
    return accept_language(request.headers.get("accept-language", ""))
