"""The settlement certificate (结清证明): everything due under an agreement has been paid.

A ``SettlementDoc`` names the parties, the agreement (its reference and the SHA-256 of the
signed PDF, so the certificate points at exactly one document), and what the ledger shows:
how many payments, their total, the first and last payment dates and the day the agreement
was settled.  When the lender is not on this instance, the certificate says that it rests on
the payments the borrower recorded and does not replace one issued by the lender.

``settlement_text`` (also the golden file), ``settlement_html`` and ``settlement_pdf`` say the
same thing; the PDF is deterministic like every document PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xieshang.i18n import normalize_lang

from .agreement import PartyLine
from .render import date_text, label, render_html, render_pdf, render_text


@dataclass(frozen=True, slots=True)
class SettlementDoc:
    """What the certificate states; amounts in yuan, dates as dates."""

    ref: str
    made_on: date
    lang: str
    borrower: PartyLine
    lender: PartyLine
    agreement_ref: str
    agreement_sha256: str
    total_paid: Decimal
    payments_count: int
    first_paid_on: date | None
    last_paid_on: date | None
    settled_on: date


def _context(doc: SettlementDoc) -> dict[str, Any]:
    lang = normalize_lang(doc.lang)
    body = label(
        "doc_settlement_body",
        lang,
        borrower=doc.borrower.name,
        lender=doc.lender.name,
        agreement=doc.agreement_ref,
        settled_on=date_text(doc.settled_on, lang),
    )
    return {"doc": doc, "title": label("doc_settlement_title", lang), "body": body}


def settlement_text(doc: SettlementDoc) -> str:
    """The certificate as plain text (UTF-8, one trailing newline)."""
    return render_text("settlement", doc.lang, **_context(doc))


def settlement_html(doc: SettlementDoc) -> str:
    """The certificate as a standalone HTML page."""
    return render_html("settlement", doc.lang, **_context(doc))


def settlement_pdf(doc: SettlementDoc) -> bytes:
    """The certificate as an A4 PDF; the same ``doc`` always gives the same bytes."""
    title = f"{label('doc_settlement_title', doc.lang)} {doc.ref}"
    return render_pdf(settlement_html(doc), title=title, made_on=doc.made_on)
