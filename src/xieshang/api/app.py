"""The FastAPI application, built by ``create_app`` from the composition root's container."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from xieshang import __version__
from xieshang.web.app import install_web

from . import (
    routes_admin,
    routes_agreements,
    routes_auth,
    routes_calc,
    routes_cases,
    routes_conduct,
    routes_documents,
    routes_lender,
    routes_letters,
    routes_loans,
    routes_payments,
    routes_plans,
    routes_reminders,
    routes_sharing,
    routes_statements,
)
from .errors import install_error_handlers
from .limits import ENVELOPE_BYTES, BodySizeLimit

DEFAULT_MAX_BODY = 10 * 1024 * 1024


def create_app(container: Any = None) -> FastAPI:
    """One app object built the same way by ``serve``, the CLI and the tests."""
    app = FastAPI(
        title="Xieshang API",
        version=__version__,
        description="Negotiated repayment of consumer and online loans (网贷协商还款).",
        # The interactive docs pages load their scripts from a CDN; an instance serves every
        # asset itself, so only the OpenAPI document is published.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    max_upload = getattr(getattr(container, "settings", None), "max_upload_bytes", DEFAULT_MAX_BODY)
    app.add_middleware(BodySizeLimit, max_bytes=max_upload + ENVELOPE_BYTES)
    app.include_router(routes_auth.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_statements.router)
    app.include_router(routes_loans.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_plans.router)
    app.include_router(routes_sharing.router)
    app.include_router(routes_calc.router)
    app.include_router(routes_payments.router)
    app.include_router(routes_reminders.router)
    app.include_router(routes_conduct.router)
    app.include_router(routes_agreements.router)
    app.include_router(routes_letters.router)
    app.include_router(routes_cases.router)
    app.include_router(routes_lender.router)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "version": __version__}

    install_web(app)  # the pages, /static, security headers and HTML error pages
    return app
