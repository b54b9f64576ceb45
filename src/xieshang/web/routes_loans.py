"""The borrower's loans: list, detail (terms, schedule and balance chart, true APR, legal-cap
finding), the loan form (add, change), and the loan's documents (upload, preview, delete).

Every page shows the file ``borrower_subject`` names (the borrower's own, or a counselor's chosen
client) and asks the services as the logged-in caller, exactly as ``/api/loans`` and
``/api/documents`` do; an object of another file is "not found".  Uploads go through the same
service and checks as the API (size, type by content, name).  A stored PDF, PNG or JPEG is
served inline so its page can show it (in a same-origin frame or an ``<img>``); anything else
only as an attachment, never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.errors import DomainError
from xieshang.domain.money import ZERO
from xieshang.i18n import catalog, text
from xieshang.present.charts import Series, line_chart
from xieshang.security.uploads import JPEG, PDF, PNG, DocumentKind, UploadRejected
from xieshang.security.uploads import download_headers as attachment_headers
from xieshang.services import documents, loans
from xieshang.services.access import not_found
from xieshang.services.documents import DocumentView
from xieshang.services.loans import LoanDetail

from .lang import page_lang
from .loan_form import DAY_COUNTS, LENDER_TYPES, MAX_ID, METHODS, TIMINGS, LoanForm, error_key
from .render import label, render
from .session import container_of, page_router
from .subject import Subject, borrower_subject

router = page_router()

LIST_LIMIT = 200
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
DOC_KINDS = tuple(k.value for k in DocumentKind)
INLINE_TYPES = frozenset({PDF, PNG, JPEG})
CONFIRM = "yes"
# The choices of the form's selects, with the catalog label of each.
CHOICES = {
    "lender_type": [(v, f"lt_{v}") for v in LENDER_TYPES],
    "method": [(v, f"web_loans_method_{v}") for v in METHODS],
    "day_count": [(v, "web_loans_dc_" + v.replace("/", "_")) for v in DAY_COUNTS],
    "timing": [(v, f"web_loans_timing_{v}") for v in TIMINGS],
    "kind": [(v, f"web_loans_doc_{v}") for v in DOC_KINDS],
}


async def submitted_form(request: Request) -> FormData:
    """The posted form (already read for the CSRF check), for a form of many or repeated
    fields."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(submitted_form)]


@dataclass(frozen=True, slots=True)
class LoanLine:
    """One loan in the list, as the loan's detail computes it today."""

    id: int
    lender: str
    lender_type: str
    principal: Decimal
    owed: Decimal | None  # None before the loan's value date
    next_due: date | None
    days_overdue: int
    above_cap: Decimal
    case_id: int | None


def loan_line(detail: LoanDetail) -> LoanLine:
    loan = detail.view.loan
    standing = detail.standing
    owed = None
    if standing is not None:
        owed = standing.position.total_owed if standing.position is not None else ZERO
    unpaid = detail.schedule.rows[loan.paid_installments :]
    return LoanLine(
        id=detail.view.id,
        lender=loan.lender,
        lender_type=loan.lender_type.value,
        principal=loan.principal,
        owed=owed,
        next_due=next((r.due_date for r in unpaid if r.due_date > detail.as_of), None),
        days_overdue=standing.days_overdue if standing is not None else 0,
        above_cap=detail.assessment.amount_above_cap,
        case_id=detail.negotiation.case_id if detail.negotiation else None,
    )


def _today(request: Request) -> date:
    return loans.local_today(container_of(request).clock())


def _detail(request: Request, subject: Subject, loan_id: int) -> LoanDetail:
    """The loan, if it is in the file shown; else "not found"."""
    container = container_of(request)
    detail = loans.get_loan(container.uow(), subject.actor, loan_id, as_of=_today(request))
    if detail.view.borrower_id != subject.borrower_id:
        raise not_found("loan")
    return detail


def _document(request: Request, subject: Subject, document_id: int) -> DocumentView:
    container = container_of(request)
    doc = documents.get_document(container.uow(), subject.actor, document_id)
    if doc.owner_id != subject.borrower_id:
        raise not_found("document")
    return doc


def size_text(size: int) -> str:
    """A file size for people (powers of 1024, one decimal; no float).

    >>> size_text(800), size_text(1536), size_text(10 * 1024 * 1024)
    ('800 B', '1.5 KB', '10.0 MB')
    """
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            tenths = (size * 10 + scale // 2) // scale
            return f"{tenths // 10}.{tenths % 10} {unit}"
    return f"{size} B"


def local_day(moment: datetime) -> date:
    """The calendar day (China) of a stored time."""
    return loans.local_today(moment)


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


# ---------------------------------------------------------------- list and detail


@router.get("/loans")
def loan_list(request: Request) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    today = _today(request)
    page = loans.list_loans(
        container.uow(), subject.actor, subject.borrower_id, limit=LIST_LIMIT, offset=0
    )
    lines = [
        loan_line(loans.get_loan(container.uow(), subject.actor, view.id, as_of=today))
        for view in page.items
    ]
    return render(request, "loans", user=subject.actor, loans=lines, total=page.total, today=today)


def balance_chart(detail: LoanDetail, lang: str) -> Any:
    """The balance from the value date to the last installment (the schedule table beside it
    holds the same figures)."""
    rows = detail.schedule.rows
    if not rows:
        return None
    x_labels = [detail.schedule.start.isoformat(), *(r.due_date.isoformat() for r in rows)]
    values = (detail.view.loan.principal, *(r.balance for r in rows))
    series = Series(label("balance", lang), tuple(values))
    return line_chart(label("web_loans_chart_title", lang), x_labels, [series])


def regime_name(regime_id: str, lang: str) -> str:
    """The legal regime in words (its id when the catalog has no name for it, as the API)."""
    key = f"regime_{regime_id}"
    return text(key, lang) if key in catalog().get("ui", {}) else regime_id


def _loan_page(
    request: Request,
    subject: Subject,
    detail: LoanDetail,
    *,
    errors: dict[str, DomainError] | None = None,
    kind: str = "contract",
    status: int = 200,
) -> Response:
    container = container_of(request)
    lang = page_lang(request)
    docs = documents.list_documents(
        container.uow(),
        subject.actor,
        subject.borrower_id,
        limit=LIST_LIMIT,
        offset=0,
        loan_id=detail.view.id,
    )
    return render(
        request,
        "loan",
        user=subject.actor,
        status=status,
        d=detail,
        loan=detail.view.loan,
        line=loan_line(detail),
        chart=balance_chart(detail, lang),
        regime_name=regime_name(detail.assessment.regime_id, lang),
        filesize=size_text,
        local_day=local_day,
        documents=docs.items,
        errors=errors or {},
        kind=kind,
        choices=CHOICES,
        max_bytes=container.settings.max_upload_bytes,
    )


# ---------------------------------------------------------------- the loan form


def _form_page(
    request: Request,
    subject: Subject,
    form: LoanForm,
    *,
    detail: LoanDetail | None = None,
    error: DomainError | None = None,
    delete_error: DomainError | None = None,
) -> Response:
    errors = {} if error is None else {error_key(error.field): error}
    if delete_error is not None:
        errors["delete"] = delete_error
    return render(
        request,
        "loan_form",
        user=subject.actor,
        status=200 if not errors else 400,
        form=form,
        errors=errors,
        d=detail,
        choices=CHOICES,
        action=f"/loans/{detail.view.id}/edit" if detail else "/loans/new",
    )


@router.get("/loans/new")
def new_loan_page(request: Request) -> Response:
    subject = borrower_subject(request)
    return _form_page(request, subject, LoanForm.blank())


@router.post("/loans/new")
def add_loan(request: Request, posted: PostedForm) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    form = LoanForm.submitted(posted)
    try:
        view = loans.create_loan(
            container.uow(),
            subject.actor,
            subject.borrower_id,
            form.to_input(),
            now=container.clock(),
        )
    except DomainError as error:
        return _form_page(request, subject, form, error=error)
    return _see_other(f"/loans/{view.id}")


@router.get("/loans/{loan_id}")
def loan_page(request: Request, loan_id: Id) -> Response:
    subject = borrower_subject(request)
    return _loan_page(request, subject, _detail(request, subject, loan_id))


@router.get("/loans/{loan_id}/edit")
def edit_loan_page(request: Request, loan_id: Id) -> Response:
    subject = borrower_subject(request)
    detail = _detail(request, subject, loan_id)
    form = LoanForm.of_loan(detail.view.loan, detail.view.lender_organisation_id)
    return _form_page(request, subject, form, detail=detail)


@router.post("/loans/{loan_id}/edit")
def edit_loan(request: Request, loan_id: Id, posted: PostedForm) -> Response:
    subject = borrower_subject(request)
    detail = _detail(request, subject, loan_id)
    container = container_of(request)
    form = LoanForm.submitted(posted)
    try:
        loans.update_loan(
            container.uow(), subject.actor, loan_id, form.to_input(), now=container.clock()
        )
    except DomainError as error:
        return _form_page(request, subject, form, detail=detail, error=error)
    return _see_other(f"/loans/{loan_id}")


@router.post("/loans/{loan_id}/delete")
def delete_loan(request: Request, loan_id: Id, posted: PostedForm) -> Response:
    """Delete a loan once the deletion is confirmed; a loan that is part of a case stays (the
    service refuses, and the edit page says why)."""
    subject = borrower_subject(request)
    detail = _detail(request, subject, loan_id)
    container = container_of(request)
    try:
        if posted.get("confirm") != CONFIRM:
            raise DomainError("web.loans_delete_loan_unconfirmed", field="confirm")
        loans.delete_loan(container.uow(), subject.actor, loan_id)
    except DomainError as error:
        form = LoanForm.of_loan(detail.view.loan, detail.view.lender_organisation_id)
        return _form_page(request, subject, form, detail=detail, delete_error=error)
    return _see_other("/loans")


# ---------------------------------------------------------------- documents


@router.post("/loans/{loan_id}/documents")
def upload_document(request: Request, loan_id: Id, posted: PostedForm) -> Response:
    subject = borrower_subject(request)
    detail = _detail(request, subject, loan_id)
    container = container_of(request)
    kind = posted.get("kind")
    kind = kind if isinstance(kind, str) and kind in DOC_KINDS else "other"
    upload = posted.get("file")
    limit = container.settings.max_upload_bytes
    try:
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            raise DomainError("upload.missing", field="file")
        documents.upload_document(
            container.uow(),
            container.blobs,
            subject.actor,
            subject.borrower_id,
            filename=upload.filename or "",
            declared_type=upload.content_type,
            data=upload.file.read(limit + 1),  # one byte more than allowed tells "too large"
            kind=kind,
            loan_id=loan_id,
            max_bytes=limit,
            now=container.clock(),
        )
    except DomainError as error:
        status = error.status if isinstance(error, UploadRejected) else 400
        where = "kind" if error.field == "kind" else "file"
        return _loan_page(request, subject, detail, errors={where: error}, kind=kind, status=status)
    return _see_other(f"/loans/{loan_id}#documents")


def _document_page(
    request: Request,
    subject: Subject,
    loan_id: int,
    document_id: int,
    *,
    errors: dict[str, DomainError] | None = None,
) -> Response:
    detail = _detail(request, subject, loan_id)
    doc = _document(request, subject, document_id)
    if doc.loan_id != loan_id:
        raise not_found("document")
    return render(
        request,
        "loan_document",
        user=subject.actor,
        status=400 if errors else 200,
        loan=detail.view.loan,
        loan_id=loan_id,
        doc=doc,
        filesize=size_text,
        local_day=local_day,
        errors=errors or {},
    )


@router.get("/loans/{loan_id}/documents/{document_id}")
def document_page(request: Request, loan_id: Id, document_id: Id) -> Response:
    subject = borrower_subject(request)
    return _document_page(request, subject, loan_id, document_id)


def file_headers(filename: str, media_type: str) -> dict[str, str]:
    """A PDF, PNG or JPEG inline (its page frames or shows it; same origin only); anything else
    an attachment, sandboxed, as the API serves it.

    >>> file_headers("合同.pdf", "application/pdf")["Content-Disposition"][:7]
    'inline;'
    >>> file_headers("a.csv", "text/csv")["Content-Disposition"][:11]
    'attachment;'
    """
    headers = attachment_headers(filename, media_type)
    if media_type not in INLINE_TYPES:
        return headers
    disposition = headers["Content-Disposition"].removeprefix("attachment")
    return {
        **headers,
        "Content-Disposition": "inline" + disposition,
        # Chromium's PDF viewer will not run in a sandboxed document; nothing else may load.
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'"
        + ("" if media_type == PDF else "; sandbox"),
        "X-Frame-Options": "SAMEORIGIN",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


@router.get("/documents/{document_id}/file")
def document_file(request: Request, document_id: Id) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    content = documents.read_document(container.uow(), container.blobs, subject.actor, document_id)
    doc = content.document
    if doc.owner_id != subject.borrower_id:
        raise not_found("document")
    return Response(content=content.data, headers=file_headers(doc.filename, doc.media_type))


@router.post("/documents/{document_id}/delete")
def delete_document(request: Request, document_id: Id, posted: PostedForm) -> Response:
    subject = borrower_subject(request)
    doc = _document(request, subject, document_id)
    if posted.get("confirm") != CONFIRM:
        if doc.loan_id is None:
            raise DomainError("web.loans_delete_unconfirmed", field="confirm")
        error = DomainError("web.loans_delete_unconfirmed", field="confirm")
        return _document_page(request, subject, doc.loan_id, document_id, errors={"confirm": error})
    container = container_of(request)
    documents.delete_document(container.uow(), container.blobs, subject.actor, document_id)
    return _see_other(f"/loans/{doc.loan_id}#documents" if doc.loan_id else "/loans")
