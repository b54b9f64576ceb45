"""One JSON error shape for every failure: ``{"code", "message", "field"}``.

``message`` is in the request's language (``Accept-Language``: zh default, en); the status
comes from the code's family, so a new code lands on the right status without a route knowing
about it.  Bad input is never a 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from xieshang.domain.errors import DomainError
from xieshang.i18n import message, normalize_lang

# Most specific first: exact codes, then prefixes ("family.").
STATUS_BY_CODE: dict[str, int] = {
    "auth.required": 401,
    "auth.invalid_credentials": 401,
    "auth.session_expired": 401,
    "auth.totp_required": 401,
    "auth.totp_invalid": 401,
    "auth.throttled": 429,
    "access.forbidden": 403,
    "access.not_found": 404,
    "http.not_found": 404,
    "http.method_not_allowed": 405,
    "upload.too_large": 413,
    "upload.type_not_allowed": 415,
    "upload.type_mismatch": 415,
    "upload.empty": 422,
    "upload.name_invalid": 422,
    "blob.not_found": 404,
    "idempotency.conflict": 409,
    "auth.totp_enrolment_required": 403,
    "account.email_taken": 409,
    "organisation.name_taken": 409,
    "totp.already_enabled": 409,
    "totp.not_enrolled": 409,
    # A move the case's state or turn does not allow: the request was fine, the moment is not.
    "case.illegal_transition": 409,
    "case.wrong_party": 409,
    "case.not_your_turn": 409,
    "case.cannot_accept_own_offer": 409,
    "case.already_signed": 409,
    "case.no_standing_offer": 409,
    "case.changed_concurrently": 409,
    "case.loan_in_open_case": 409,
    "loan.in_case": 409,
    "loan.in_negotiation": 409,
    "agreement.not_awaiting_signatures": 409,
    "letter.already_sent": 409,  # a sent letter is frozen in the case log
    # Beyond the organisation's policy without the approver's role; a failed password/TOTP
    # re-entry at signing is 403, not 401: the session stays valid, the act is refused.
    "policy.approval_required": 403,
    "policy.supervisor_only": 403,
    "case.assign_supervisor_only": 403,
    "signature.reentry_failed": 403,
    # Payments are taken only under a sealed agreement in repayment; a reused reference with
    # other details is a conflict with the payment already recorded.
    "payment.no_sealed_agreement": 409,
    "payment.case_not_repaying": 409,
    "payment.reference_conflict": 409,
    "calendar.changed_concurrently": 409,
}
STATUS_BY_FAMILY: dict[str, int] = {
    "state": 409,
    "conflict": 409,
    "upload": 400,
}
DEFAULT_STATUS = 400


def status_for(code: str) -> int:
    """HTTP status for a domain or service error code.

    >>> status_for("access.not_found"), status_for("amount.negative"), status_for("state.illegal")
    (404, 400, 409)
    """
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    return STATUS_BY_FAMILY.get(code.split(".", 1)[0], DEFAULT_STATUS)


def request_lang(request: Request) -> str:
    """The first language in Accept-Language that we speak (zh or en); zh by default."""
    header = request.headers.get("accept-language", "")
    ranked: list[tuple[float, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])  # a header weight, not money
            except ValueError:
                quality = 0.0
        ranked.append((-quality + position * 1e-6, tag.strip()))
    for _, tag in sorted(ranked):
        lang = tag.lower().split("-")[0]
        if lang in ("zh", "en"):
            return normalize_lang(lang)
    return normalize_lang(None)


def error_body(code: str, lang: str, *, field: str | None = None, **params: Any) -> dict[str, Any]:
    return {"code": code, "message": message(code, lang, field=field, **params), "field": field}


def error_response(
    request: Request,
    code: str,
    *,
    field: str | None = None,
    status: int | None = None,
    **params: Any,
) -> JSONResponse:
    lang = request_lang(request)
    headers = {"Content-Language": lang}
    retry = params.get("retry_after")
    if retry is not None:
        headers["Retry-After"] = str(retry)
    return JSONResponse(
        error_body(code, lang, field=field, **params),
        status_code=status or status_for(code),
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors, validation errors and HTTP errors all answer in the one shape."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return error_response(request, exc.code, field=exc.field, **dict(exc.params))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or None
        return error_response(
            request, "request.invalid", field=field, status=422, detail=str(first.get("msg", ""))
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        return error_response(request, code, status=exc.status_code, detail=str(exc.detail))
