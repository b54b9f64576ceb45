"""CSRF protection for every state-changing form.

The token in a form's hidden ``csrf_token`` field is bound to the browser's session: an HMAC of
the session cookie (``xs_session``) when there is one, else of a random pre-session cookie
(``xs_csrf``, set when a page is shown to someone not logged in).  A cross-site page can make
the browser send the cookies but cannot read them, so it cannot know the token.  The token is a
keyed hash under a fixed label, so it reveals nothing of the session token, and differs from the
session's stored hash.

``check_csrf`` is a dependency of the whole web router: every POST (PUT, PATCH, DELETE) without
the right token is refused with ``CsrfRefusedError`` (a 403 page) before the route runs.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from xieshang.security.tokens import new_token

SESSION_COOKIE = "xs_session"  # the API's web-login cookie (xieshang.api.deps)
CSRF_COOKIE = "xs_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LABEL = b"xieshang web form token"
MAX_BINDING = 200


class CsrfRefusedError(Exception):
    """A state-changing request without the form token of this browser's session."""


def token_for(binding: str) -> str:
    """The form token for a session (or pre-session) cookie value.

    >>> token_for("abc") == token_for("abc") != token_for("abd")
    True
    """
    return hmac.new(_LABEL, binding.encode("utf-8"), hashlib.sha256).hexdigest()


def binding_of(request: Request) -> str | None:
    """The cookie the token is bound to: the session if any, else the pre-session cookie."""
    value = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if not value or len(value) > MAX_BINDING:
        return None
    return value


def new_binding() -> str:
    return new_token()


def token_matches(presented: object, binding: str | None) -> bool:
    if binding is None or not isinstance(presented, str) or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), token_for(binding).encode("utf-8"))


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form does not carry this browser's token."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    if not token_matches(form.get(CSRF_FIELD), binding_of(request)):
        raise CsrfRefusedError()
