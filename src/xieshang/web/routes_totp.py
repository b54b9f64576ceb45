"""Two-step login set-up (TOTP) for lender staff, whose first login opens a session that may
only do this: ``/totp`` explains, a POST makes the secret (shown once, with the address an
authenticator app can take), and a POST with the first code from the app turns it on — the
other sessions of the user end, this one goes on to the desk.  Making a secret changes state,
so it is a POST, never a GET."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.errors import DomainError
from xieshang.services import profile

from .render import render
from .session import container_of, enrolling_actor, home_for, page_router

router = page_router()
TOTP_PAGE = "/totp"
MAX_CODE = 16
MAX_SECRET = 200

Text = Annotated[str, Form()]


def _grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app.

    >>> _grouped("ABCDEFGHIJ")
    'ABCD EFGH IJ'
    """
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@router.get(TOTP_PAGE)
def totp_start(request: Request) -> Response:
    actor = enrolling_actor(request)
    return render(request, "totp", user=actor, secret=None, uri=None, errors={})


@router.post(TOTP_PAGE + "/secret")
def totp_secret(request: Request) -> Response:
    actor = enrolling_actor(request)
    enrolment = profile.enrol_totp(container_of(request).uow, actor)
    return render(
        request,
        "totp",
        user=actor,
        secret=enrolment.secret,
        grouped=_grouped(enrolment.secret),
        uri=enrolment.provisioning_uri,
        errors={},
    )


@router.post(TOTP_PAGE + "/confirm")
def totp_confirm(request: Request, code: Text = "", secret: Text = "", uri: Text = "") -> Response:
    actor = enrolling_actor(request)
    container = container_of(request)
    try:
        profile.confirm_totp(container.uow, actor, code.strip()[:MAX_CODE], now=container.clock())
    except DomainError as error:
        # The secret and address come back only to be shown again; the check uses the stored one.
        shown = secret[:MAX_SECRET]
        return render(
            request,
            "totp",
            status=400,
            user=actor,
            secret=shown or None,
            grouped=_grouped(shown),
            uri=uri[: MAX_SECRET * 2] or None,
            errors={"code": error},
        )
    return RedirectResponse(home_for(actor), status_code=303)
