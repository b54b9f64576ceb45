"""Pages from Jinja2 templates (``web/templates/``), autoescaped, every text from the catalog.

In a template: ``{{ t("web_login") }}`` (a ``[ui]`` label in the page's language; a missing key
is an error, so an untranslated label cannot ship), ``{{ msg(code, field=…) }}`` (a
``[messages]`` sentence), filters ``money`` (``¥12,345.67``), ``day`` (``2026年11月29日`` /
``29 Nov 2026``) and ``percent``.  Every page gets ``lang``, ``csrf_token`` (for the hidden
field of each form), ``user`` (the logged-in ``Actor`` or None), ``client`` (a counselor's
chosen client: id, name; or None) and ``path``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from xieshang.i18n import catalog, message, text
from xieshang.present.numbers import date_text, money_text, percent
from xieshang.services.access import Actor

from .csrf import CSRF_COOKIE, binding_of, new_binding, token_for
from .lang import page_lang
from .subject import client_of

NO_STORE = "no-store"


def label(key: str, lang: str, **params: Any) -> str:
    """A ``[ui]`` label; ``LookupError`` for a key the catalog lacks."""
    if key not in catalog().get("ui", {}):
        raise LookupError(f"no [ui] catalog entry {key!r}")
    return text(key, lang, **params)


@jinja2.pass_context
def _t(context: jinja2.runtime.Context, key: str, **params: Any) -> str:
    return label(key, context["lang"], **params)


@jinja2.pass_context
def _msg(context: jinja2.runtime.Context, code: str, **params: Any) -> str:
    field = params.pop("field", None)
    return message(code, context["lang"], field=field, **params)


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, day: date | None) -> str:
    return "—" if day is None else date_text(day, context["lang"])


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else money_text(amount)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("xieshang.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=_t, msg=_msg)
    env.filters.update(money=_money, day=_day, percent=percent)
    return env


def render(
    request: Request,
    template: str,
    *,
    user: Actor | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` (``NAME.html.j2``) for this request, in its language.

    Someone without a session or a pre-session cookie gets a fresh pre-session cookie here, so
    the forms on this page carry a token the next POST can be checked against.
    """
    lang = page_lang(request)
    binding = binding_of(request)
    fresh = None
    if binding is None:
        fresh = binding = new_binding()
    # A counselor working on a client's file sees whose it is on every page.
    client = client_of(request, user) if user is not None and user.role == "counselor" else None
    html = (
        environment()
        .get_template(f"{template}.html.j2")
        .render(
            lang=lang,
            csrf_token=token_for(binding),
            user=user,
            client=client,
            path=request.url.path,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Cookie, Accept-Language"
    if fresh is not None:
        container = getattr(request.app.state, "container", None)
        secure = bool(getattr(getattr(container, "settings", None), "cookie_secure", True))
        response.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, secure=secure, samesite="lax", path="/"
        )
    return response
