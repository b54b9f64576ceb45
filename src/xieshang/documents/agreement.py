"""The negotiated repayment agreement (协商还款协议) as text, HTML and PDF, in Chinese or English.

An ``AgreementDoc`` holds everything the agreement states: the parties, each loan with the
concessions agreed for it, the combined new schedule, how payments are allocated, the grace
days and the breach rule, the legal notes (sentences already in the document's language), and
the head hash of the case log when the agreement was made.  The three renderings say the same
thing: ``agreement_text`` (also the golden file), ``agreement_html`` (a standalone page) and
``agreement_pdf`` (that page as an A4 PDF with the CJK font embedded; deterministic, so the
SHA-256 the parties sign is reproducible).

Concessions are written out in full (``concession_clauses``): an agreement must say what was
agreed, not a summary label.  The schedule's total row is the schedule's own totals, which the
domain keeps exactly equal to the sum of its rows.  Signatures are not drawn: each signature
record (signer, time, consent text, this document's SHA-256) is kept in the case log; the
agreement shows empty signature lines and the consent sentence (``consent_text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xieshang.domain.concessions import (
    FirstPayment,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from xieshang.domain.ledger import DEFAULT_BREACH_RULE, DEFAULT_ORDER, AllocationOrder, BreachRule
from xieshang.domain.proposals import ProposalSummary
from xieshang.domain.schedule import Schedule
from xieshang.i18n import normalize_lang
from xieshang.present.numbers import percent, yuan

from .render import (
    date_text,
    label,
    money_text,
    render_html,
    render_pdf,
    render_text,
    text_table,
)


@dataclass(frozen=True, slots=True)
class PartyLine:
    """A party as the document names it.  ``detail``: for the borrower the masked ID number
    (``110***********1234``), for the lender its type and licence in words; ``external``: the
    lender is not on this instance (its terms were recorded by the borrower)."""

    name: str
    detail: str | None = None
    external: bool = False


@dataclass(frozen=True, slots=True)
class AgreementLoanLine:
    """One loan the agreement covers: what was owed before, and what was agreed for it."""

    label: str
    contract_no: str | None
    owed_before: Decimal
    proposal: Proposal
    summary: ProposalSummary


@dataclass(frozen=True, slots=True)
class AgreementDoc:
    """Everything the agreement states.  ``schedule`` is the combined new schedule of all the
    loans; ``legal_notes`` are sentences already in ``lang``; ``consent`` the sentence each
    signer confirms (``consent_text(lang)`` when empty)."""

    ref: str
    round: int
    made_on: date
    lang: str
    borrower: PartyLine
    lender: PartyLine
    loans: tuple[AgreementLoanLine, ...]
    schedule: Schedule
    log_head_hash: str
    grace_days: int = 0
    breach_rule: BreachRule = DEFAULT_BREACH_RULE
    allocation_order: AllocationOrder = DEFAULT_ORDER
    legal_notes: tuple[str, ...] = ()
    consent: str = ""


def consent_text(lang: str) -> str:
    """The sentence a signer confirms when signing the agreement.

    >>> consent_text("zh")[:14]
    '我已阅读并同意本协议全部条款'
    """
    return label("doc_consent", lang)


# ---------------------------------------------------------------------------------------------
# The agreement in words


def concession_clauses(proposal: Proposal, lang: str) -> tuple[str, ...]:
    """Each concession of ``proposal`` as a full clause in ``lang``, in the order given.

    >>> for clause in concession_clauses(Proposal((InterestStop(24), Waiver("penalty"))), "en"):
    ...     print(clause)
    interest stops; what is owed is repaid in 24 equal installments
    the penalty is waived in full
    """
    return tuple(_clause(c, lang) for c in proposal.concessions)


def _clause(c: object, lang: str) -> str:
    if isinstance(c, Settlement):
        return label("doc_c_settlement", lang, percent=percent(c.percent), n=c.installments)
    if isinstance(c, InterestStop):
        return label("doc_c_interest_stop", lang, n=c.installments)
    if isinstance(c, TermExtension):
        key = "doc_c_extension_overdue" if c.include_overdue_principal else "doc_c_extension"
        return label(key, lang, n=c.extra_months)
    if isinstance(c, RateReduction):
        return label("doc_c_rate", lang, rate=percent(c.new_annual_rate))
    if isinstance(c, Waiver):
        item = label(f"item_{c.target}", lang)
        if c.fraction is not None and c.fraction != 1:
            return label("doc_c_waiver_fraction", lang, item=item, percent=percent(c.fraction))
        if c.amount is not None:
            return label("doc_c_waiver_amount", lang, item=item, amount=money_text(c.amount))
        return label("doc_c_waiver_all", lang, item=item)
    if isinstance(c, ReAgeing):
        return label("doc_c_reageing", lang, n=c.installments)
    if isinstance(c, PaymentHoliday):
        interest = label(f"doc_holiday_{c.interest.value}", lang)
        return label("doc_c_holiday", lang, n=c.months, interest=interest)
    if isinstance(c, FirstPayment):
        return label("doc_c_first_payment", lang, amount=money_text(c.amount))
    raise TypeError(f"no clause for {c!r}")


def allocation_sentence(order: AllocationOrder, lang: str) -> str:
    """How a payment is allocated, in words.

    >>> allocation_sentence(DEFAULT_ORDER, "zh")
    '每笔还款先偿还最早到期的一期；同一期内按费用 → 利息 → 本金的顺序抵充。'
    """
    parts = [label(f"doc_component_{c.value}", lang) for c in order.components]
    return label("doc_allocation", lang, order=" → ".join(parts))


def grace_sentence(days: int, lang: str) -> str:
    """The grace period in words (or that there is none)."""
    return label("doc_grace", lang, days=days) if days > 0 else label("doc_no_grace", lang)


def breach_sentence(rule: BreachRule, lang: str) -> str:
    """The breach rule in words."""
    return label("doc_breach", lang, n=rule.max_overdue_installments, days=rule.max_days_overdue)


_SCHEDULE_COLUMNS = ("n", "due_date", "payment", "principal", "interest", "fee", "balance")
_RIGHT = (True, False, True, True, True, True, True)


def schedule_rows(schedule: Schedule, lang: str) -> list[list[str]]:
    """The schedule table's cells: one row per installment, amounts as ``12,345.67``."""
    return [
        [
            str(r.n),
            date_text(r.due_date, lang),
            yuan(r.payment),
            yuan(r.principal),
            yuan(r.interest),
            yuan(r.fee),
            yuan(r.balance),
        ]
        for r in schedule.rows
    ]


def schedule_total_row(schedule: Schedule, lang: str) -> list[str]:
    """The total row: the schedule's own totals (equal to the column sums), balance blank."""
    return [
        label("total", lang),
        "",
        yuan(schedule.total_payment),
        yuan(schedule.total_principal),
        yuan(schedule.total_interest),
        yuan(schedule.total_fees),
        "",
    ]


def _context(doc: AgreementDoc) -> dict[str, Any]:
    lang = normalize_lang(doc.lang)
    header = [label(c, lang) for c in _SCHEDULE_COLUMNS]
    rows = schedule_rows(doc.schedule, lang)
    total_row = schedule_total_row(doc.schedule, lang)
    return {
        "doc": doc,
        "title": label("doc_agreement_title", lang),
        "loans": [
            {"line": line, "clauses": concession_clauses(line.proposal, lang)} for line in doc.loans
        ],
        "schedule_header": header,
        "schedule_rows": rows,
        "schedule_total": total_row,
        "schedule_right": _RIGHT,
        "schedule_text": text_table(header, [*rows, total_row], _RIGHT),
        "allocation": allocation_sentence(doc.allocation_order, lang),
        "grace": grace_sentence(doc.grace_days, lang),
        "breach": breach_sentence(doc.breach_rule, lang),
        "consent": doc.consent or consent_text(lang),
    }


def agreement_text(doc: AgreementDoc) -> str:
    """The agreement as plain text (UTF-8, one trailing newline)."""
    return render_text("agreement", doc.lang, **_context(doc))


def agreement_html(doc: AgreementDoc) -> str:
    """The agreement as a standalone HTML page."""
    return render_html("agreement", doc.lang, **_context(doc))


def agreement_pdf(doc: AgreementDoc) -> bytes:
    """The agreement as an A4 PDF; the same ``doc`` always gives the same bytes."""
    title = f"{label('doc_agreement_title', doc.lang)} {doc.ref}"
    return render_pdf(agreement_html(doc), title=title, made_on=doc.made_on)
