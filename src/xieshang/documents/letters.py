"""The request package: the hardship statement (财务状况说明) and the request letter
(协商还款申请书).

The seed's steps 三.1–3 ask the borrower to contact the platform, explain the household's
finances and propose a concrete plan.  These two letters say exactly that, from the numbers
the domain computed — capacity, where each loan stands, what the law says about its charges,
the chosen proposal — so the amounts in a letter are the amounts in the plan.

A ``Letter`` is plain text the borrower edits before sending; the edited text is what gets
sent, so ``letter_html`` and ``letter_pdf`` render *any* text faithfully (paragraphs and line
breaks kept, everything escaped) and never regenerate it.  Wording comes from the ``[ui]``
catalog (``letter_*``), in Chinese and English.  The letters are calm and factual: where a
charge lies above the legal cap they say so politely, citing the rule and its confidence mark
as the legal findings do, and they say the figures are not legal advice.

>>> letter = Letter("request_letter", "en", "Request", "Dear Sir\\n\\n<b>me</b>")
>>> "&lt;b&gt;me&lt;/b&gt;" in letter_html(letter)
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from xieshang.domain.affordability import Capacity, Household
from xieshang.domain.errors import DomainError
from xieshang.domain.law import Finding, LegalRules
from xieshang.domain.money import ZERO, total
from xieshang.domain.plan import LoanReview
from xieshang.domain.proposals import ProposalOutcome
from xieshang.i18n import normalize_lang, text
from xieshang.present.numbers import percent
from xieshang.present.views import describe_proposal

from .render import date_text, money_text, render_html, render_pdf

HARDSHIP_STATEMENT = "hardship_statement"
REQUEST_LETTER = "request_letter"
CONDUCT_COMPLAINT = "conduct_complaint"
DEFAULT_REPLY_DAYS = 15  # the case's submission reply window (domain.case_state)
MAX_TEXT_CHARS = 200_000  # far beyond any letter; keeps a pasted novel out of the PDF renderer
MAX_TITLE_CHARS = 200
# Findings a request letter cites: charges above a cap change what is owed, and so does money
# deducted at pay-out (the principal is what was actually received).
CITED_CODES = frozenset({"law.upfront_deduction", "law.upfront_deduction_banned"})
_CN_NUMERALS = "一二三四五六七八九十"
# C0/C1 controls other than tab and newline, surrogates and the two non-characters: they are
# invisible in an editor and invalid in HTML/PDF text.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


@dataclass(frozen=True, slots=True)
class Letter:
    """A document the borrower can edit: ``kind`` (``hardship_statement``,
    ``request_letter``, ``conduct_complaint``), ``lang`` (zh/en), a one-line ``title`` and the
    body ``text`` (paragraphs separated by blank lines)."""

    kind: str
    lang: str
    title: str
    text: str


def clean_text(value: str) -> str:
    """Text as a letter keeps it: newlines normalised to ``\\n``, invisible control
    characters and unpaired surrogates removed; everything else kept as typed.

    >>> clean_text("a\\r\\nb\\x00c\\rd")
    'a\\nbc\\nd'
    """
    return _UNPRINTABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def edited_letter(letter: Letter, *, title: str | None = None, body: str | None = None) -> Letter:
    """``letter`` with the borrower's edits, cleaned and checked (``letter.text_too_long``,
    ``letter.title_too_long``).  The title is one line; a blank one keeps the current title.

    >>> edited_letter(Letter("request_letter", "zh", "申请", "正文"), title=" 新的\\n标题 ").title
    '新的 标题'
    """
    new_title = _one_line(title or "") or _one_line(letter.title)
    new_text = clean_text(letter.text if body is None else body)
    if len(new_title) > MAX_TITLE_CHARS:
        raise DomainError("letter.title_too_long", field="title", limit=MAX_TITLE_CHARS)
    if len(new_text) > MAX_TEXT_CHARS:
        raise DomainError("letter.text_too_long", field="text", limit=MAX_TEXT_CHARS)
    return replace(letter, title=new_title, text=new_text)


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def paragraphs(body: str) -> list[str]:
    """The text's paragraphs (split at blank lines), each with its line breaks.

    >>> paragraphs("a\\nb\\n\\n\\nc\\n")
    ['a\\nb', 'c']
    """
    parts = _BLANK_LINE.split(clean_text(body).strip("\n"))
    return [p.strip("\n") for p in parts if p.strip()]


def letter_plain(letter: Letter) -> str:
    """The letter as a text file: the title, a blank line, the body, one final newline."""
    return f"{letter.title}\n\n{clean_text(letter.text).strip(chr(10))}\n"


def letter_html(letter: Letter) -> str:
    """A standalone HTML page of exactly this (possibly edited) letter, escaped."""
    checked = edited_letter(letter)
    return render_html(
        "letter", checked.lang, title=checked.title, paragraphs=paragraphs(checked.text)
    )


def letter_pdf(letter: Letter, made_on: date) -> bytes:
    """An A4 PDF of exactly this (possibly edited) letter, CJK font embedded."""
    checked = edited_letter(letter)
    return render_pdf(letter_html(checked), title=checked.title, made_on=made_on)


# ---------------------------------------------------------------------------------------------
# The input: what the services have, reduced to what the letters say


@dataclass(frozen=True, slots=True)
class LegalNote:
    """One legal finding a letter cites, with both citations and its confidence mark."""

    code: str
    severity: str
    confidence: str
    citation_zh: str
    citation_en: str
    explanation_zh: str
    explanation_en: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class LoanLine:
    """One loan with the counterparty as a letter shows it (all amounts in yuan, Decimal)."""

    loan_id: str
    as_of: date  # the day the amounts owed are computed for
    contract_no: str
    lender: str
    contract_date: date
    principal: Decimal
    received: Decimal
    owed: Decimal
    overdue_installments: int
    days_overdue: int
    overdue_amount: Decimal  # missed installments: principal, interest and fees due
    penalty: Decimal
    contract_remaining: Decimal
    legally_protected_total: Decimal
    apr: Decimal  # all-in, simple, on the money received
    cap: Decimal | None
    cap_after: Decimal | None
    split_on: date | None
    amount_above_cap: Decimal
    notes: tuple[LegalNote, ...]
    outcome: ProposalOutcome | None


@dataclass(frozen=True, slots=True)
class LetterInput:
    """Everything the two letters say.  Build it with ``LetterInput.from_domain``."""

    borrower: str
    contact: str
    counterparty: str
    made_on: date
    reason: str
    household: Household
    capacity: Capacity
    loans: tuple[LoanLine, ...]
    reply_days: int = DEFAULT_REPLY_DAYS

    @classmethod
    def from_domain(
        cls,
        *,
        borrower: str,
        contact: str,
        counterparty: str,
        made_on: date,
        reason: str,
        household: Household,
        capacity: Capacity,
        reviews: Sequence[LoanReview],
        proposals: Mapping[str, ProposalOutcome],
        rules: LegalRules | None = None,
        contract_numbers: Mapping[str, str] | None = None,
        reply_days: int = DEFAULT_REPLY_DAYS,
    ) -> LetterInput:
        """The letters' input from the domain values the services hold.

        ``reviews`` are the loans with this counterparty (loan, legal assessment, standing);
        ``proposals`` the chosen proposal per loan id (a loan without one is listed with a
        request to agree terms); ``rules`` give the English citations (the shipped rules by
        default); ``contract_numbers`` the contract numbers by loan id (the loan id when
        unknown); ``contact`` is shown as given, so pass it masked.
        """
        name = _one_line(borrower)
        if not name:
            raise DomainError("letter.borrower_missing", field="borrower")
        addressee = _one_line(counterparty)
        if not addressee:
            raise DomainError("letter.counterparty_missing", field="counterparty")
        if not reviews:
            raise DomainError("letter.no_loans", field="loans")
        if isinstance(reply_days, bool) or not isinstance(reply_days, int) or reply_days < 1:
            raise DomainError(
                "letter.reply_days_not_positive", field="reply_days", value=reply_days
            )
        ids = {r.loan.id for r in reviews}
        unknown = sorted(set(proposals) - ids)
        if unknown:
            raise DomainError(
                "letter.proposal_for_unknown_loan", field="proposals", value=unknown[0]
            )
        if rules is None:
            from xieshang.data.law import load_legal_rules  # noqa: PLC0415 - loads a data file

            rules = load_legal_rules()
        english = {r.id: r.citation_en for r in rules.rules}
        numbers = contract_numbers or {}
        lines = tuple(
            _loan_line(r, proposals.get(r.loan.id), english, numbers.get(r.loan.id))
            for r in reviews
        )
        return cls(
            borrower=name,
            contact=_one_line(contact),
            counterparty=addressee,
            made_on=made_on,
            reason=clean_text(reason).strip(),
            household=household,
            capacity=capacity,
            loans=lines,
            reply_days=reply_days,
        )


def _note(f: Finding, english: Mapping[str, str]) -> LegalNote:
    return LegalNote(
        code=f.code,
        severity=f.severity,
        confidence=f.confidence,
        citation_zh=f.citation,
        citation_en=english.get(f.rule_id) or f.citation,
        explanation_zh=f.explanation_zh,
        explanation_en=f.explanation_en,
        params=MappingProxyType(dict(f.params)),
    )


def _loan_line(
    review: LoanReview,
    outcome: ProposalOutcome | None,
    english: Mapping[str, str],
    contract_no: str | None,
) -> LoanLine:
    loan, a, st = review.loan, review.assessment, review.standing
    p = st.position
    cited = tuple(
        _note(f, english)
        for f in a.findings
        if (f.severity == "violation" and (f.code != "law.above_cap" or a.amount_above_cap > 0))
        or f.code in CITED_CODES
    )
    return LoanLine(
        loan_id=loan.id,
        as_of=st.as_of,
        contract_no=_one_line(contract_no or "") or loan.id,
        lender=loan.lender,
        contract_date=loan.contract_date,
        principal=loan.principal,
        received=loan.received,
        owed=review.owed,
        overdue_installments=st.overdue_installments,
        days_overdue=st.days_overdue,
        overdue_amount=ZERO if p is None else p.overdue_principal + p.overdue_interest + p.fees_due,
        penalty=ZERO if p is None else p.penalty,
        contract_remaining=st.contract_remaining,
        legally_protected_total=st.legally_protected_total,
        apr=a.apr.apr_simple,
        cap=a.cap,
        cap_after=a.cap_after,
        split_on=a.split_on,
        amount_above_cap=a.amount_above_cap,
        notes=cited,
        outcome=outcome,
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces of wording


def heading(n: int, title: str, lang: str) -> str:
    """A numbered section heading: ``一、收入`` or ``2. Income``.

    >>> heading(2, "收入", "zh"), heading(2, "Income", "en")
    ('二、收入', '2. Income')
    """
    if lang == "zh" and 1 <= n <= len(_CN_NUMERALS):
        return f"{_CN_NUMERALS[n - 1]}、{title}"
    return f"{n}. {title}"


def item(n: int, line: str, lang: str) -> str:
    """A numbered item inside a section: ``1. …`` (zh) or ``(1) …`` (en)."""
    return f"{n}. {line}" if lang == "zh" else f"({n}) {line}"


def signature_block(signed: str, contact: str, made_on: date, lang: str) -> str:
    """The closing lines: the signer, the contact line (when given) and the date."""
    lines = [signed]
    if contact:
        lines.append(text("letter_contact", lang, contact=contact))
    lines.append(text("letter_date", lang, date=date_text(made_on, lang)))
    return "\n".join(lines)


def _join(parts: Sequence[str]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n"


def _cap_text(line: LoanLine, lang: str) -> str:
    if line.cap_after is not None and line.split_on is not None:
        return text(
            "letter_cap_split",
            lang,
            before=percent(line.cap),
            after=percent(line.cap_after),
            day=date_text(line.split_on, lang),
        )
    return percent(line.cap)


# ---------------------------------------------------------------------------------------------
# The hardship statement (财务状况说明)


def hardship_statement(inp: LetterInput, lang: str) -> Letter:
    """The household's finances, as the seed's 财务状况说明: household, income, essential
    living costs beside the reference figure, debt payments, repayment capacity, assets and
    the borrower's own account of what happened."""
    lang = normalize_lang(lang)
    c, h = inp.capacity, inp.household
    parts = [
        text("letter_to", lang, name=inp.counterparty),
        text("letter_hardship_intro", lang, borrower=inp.borrower),
    ]
    house = [
        heading(1, text("letter_h_household", lang), lang),
        text(
            "letter_household",
            lang,
            adults=h.adults,
            children=h.children,
            dependents=h.other_dependents,
        ),
    ]
    if h.province:
        house.append(text("letter_household_place", lang, place=_region(h.province, lang)))
    parts.append("\n".join(house))
    income = [
        heading(2, text("letter_h_income", lang), lang),
        text("letter_income_regular", lang, amount=money_text(c.monthly_income)),
    ]
    if c.irregular_income > 0:
        income.append(text("letter_income_irregular", lang, amount=money_text(c.irregular_income)))
    parts.append("\n".join(income))
    costs = [
        heading(3, text("letter_h_costs", lang), lang),
        text("letter_costs_essential", lang, amount=money_text(c.own_essential_living_costs)),
    ]
    if c.essential_living_costs != c.own_essential_living_costs:
        costs.append(text("letter_costs_used", lang, amount=money_text(c.essential_living_costs)))
    if c.reference is not None:
        fig = c.reference.figure
        costs.append(
            text(
                "letter_costs_reference",
                lang,
                region=_region(fig.region, lang),
                year=fig.year,
                persons=format(c.reference.persons.normalize(), "f"),
                amount=money_text(c.reference.household_monthly),
            )
        )
    if c.other_expenses > 0:
        costs.append(text("letter_costs_other", lang, amount=money_text(c.other_expenses)))
    parts.append("\n".join(costs))
    debts = [
        heading(4, text("letter_h_debts", lang), lang),
        text("letter_debts_monthly", lang, amount=money_text(c.current_debt_service)),
        text("letter_debts_total", lang, amount=money_text(c.total_debt)),
    ]
    if c.debt_service_ratio is not None:
        debts.append(text("letter_debts_ratio", lang, ratio=percent(c.debt_service_ratio, 1)))
    parts.append("\n".join(debts))
    capacity = [
        heading(5, text("letter_h_capacity", lang), lang),
        text(
            "letter_capacity",
            lang,
            amount=money_text(c.repayment_capacity),
            buffer=money_text(c.buffer),
        ),
    ]
    if c.shortfall > 0:
        capacity.append(text("letter_capacity_shortfall", lang, amount=money_text(c.shortfall)))
    parts.append("\n".join(capacity))
    parts.append(
        "\n".join(
            (
                heading(6, text("letter_h_assets", lang), lang),
                text("letter_assets_liquid", lang, amount=money_text(c.liquid_assets)),
                text("letter_assets_total", lang, amount=money_text(c.total_assets)),
            )
        )
    )
    reason = inp.reason or text("letter_reason_placeholder", lang)
    parts.append(heading(7, text("letter_h_reason", lang), lang) + "\n" + reason)
    parts.append(text("letter_hardship_declaration", lang))
    parts.append(
        signature_block(
            text("letter_signed_statement", lang, name=inp.borrower), inp.contact, inp.made_on, lang
        )
    )
    return Letter(HARDSHIP_STATEMENT, lang, text("letter_hardship_title", lang), _join(parts))


def _region(name: str, lang: str) -> str:
    key = f"region_{name}"
    label = text(key, lang)
    return name if label == key else label


# ---------------------------------------------------------------------------------------------
# The request letter (协商还款申请书)


def request_letter(inp: LetterInput, lang: str) -> Letter:
    """The request: the loans, the plan asked for each (in words, with its payments and its
    total against the contract), charges above the legal cap where there are any, a request
    for a written reply within ``inp.reply_days`` days, the contact line and a closing."""
    lang = normalize_lang(lang)
    parts = [
        text("letter_to", lang, name=inp.counterparty),
        text("letter_request_intro", lang, borrower=inp.borrower),
    ]
    section = 1
    loans = [heading(section, text("letter_h_loans", lang), lang)]
    for n, line in enumerate(inp.loans, start=1):
        loans.append(_loan_lines(n, line, lang))
    parts.append("\n".join(loans))
    section += 1
    parts.append(_requests(section, inp, lang))
    notes = [(line, note) for line in inp.loans for note in line.notes]
    if notes:
        section += 1
        body = [heading(section, text("letter_h_legal", lang), lang)]
        body += [
            item(n, _note_text(line, note, lang), lang)
            for n, (line, note) in enumerate(notes, start=1)
        ]
        body.append(text("letter_legal_disclaimer", lang))
        parts.append("\n".join(body))
    section += 1
    parts.append(
        "\n".join(
            (
                heading(section, text("letter_h_reply", lang), lang),
                text("letter_reply", lang, days=inp.reply_days),
            )
        )
    )
    parts.append(text("letter_enclosure", lang))
    parts.append(text("letter_thanks", lang))
    parts.append(regards(lang))
    parts.append(
        signature_block(
            text("letter_signed_request", lang, name=inp.borrower), inp.contact, inp.made_on, lang
        )
    )
    return Letter(REQUEST_LETTER, lang, text("letter_request_title", lang), _join(parts))


def regards(lang: str) -> str:
    """The closing formula: 此致 / 敬礼 on two lines in Chinese, one line in English."""
    if lang == "zh":
        return text("letter_regards", lang) + "\n" + text("letter_regards_tail", lang)
    return text("letter_regards", lang)


def _loan_lines(n: int, line: LoanLine, lang: str) -> str:
    head = text(
        "letter_loan",
        lang,
        contract=line.contract_no,
        date=date_text(line.contract_date, lang),
        principal=money_text(line.principal),
    )
    rows = [
        item(n, head, lang),
        "   "
        + text(
            "letter_loan_owed", lang, date=date_text(line.as_of, lang), amount=money_text(line.owed)
        ),
    ]
    if line.overdue_installments > 0:
        rows.append(
            "   "
            + text(
                "letter_loan_overdue",
                lang,
                n=line.overdue_installments,
                days=line.days_overdue,
                amount=money_text(line.overdue_amount),
                penalty=money_text(line.penalty),
            )
        )
    else:
        rows.append("   " + text("letter_loan_current", lang))
    return "\n".join(rows)


def _requests(section: int, inp: LetterInput, lang: str) -> str:
    rows = [heading(section, text("letter_h_requests", lang), lang)]
    for n, line in enumerate(inp.loans, start=1):
        outcome = line.outcome
        if outcome is None:
            rows.append(item(n, text("letter_request_open", lang, contract=line.contract_no), lang))
            continue
        words = describe_proposal(outcome, lang) or outcome.proposal.label
        rows.append(
            item(n, text("letter_request", lang, contract=line.contract_no, request=words), lang)
        )
        payments = _payments(outcome, lang)
        if payments:
            rows.append("   " + payments)
        comparison = _versus_contract(outcome, lang)
        if comparison:
            rows.append("   " + comparison)
    chosen = [line.outcome for line in inp.loans if line.outcome is not None]
    if len(chosen) > 1:
        monthly = total(o.summary.regular_payment for o in chosen)
        rows.append(text("letter_request_monthly_total", lang, amount=money_text(monthly)))
    key = "letter_request_capacity" if len(chosen) > 1 else "letter_request_capacity_one"
    rows.append(text(key, lang, amount=money_text(inp.capacity.repayment_capacity)))
    return "\n".join(rows)


def payment_runs(outcome: ProposalOutcome) -> list[tuple[Decimal, int]]:
    """The schedule's payments as runs of equal amounts, in order (months with nothing due,
    such as a payment holiday, are left out: the request's words name them).

    >>> from xieshang.domain.concessions import Proposal, InterestStop
    >>> from xieshang.domain.proposals import apply_proposal, loan_position
    >>> pos = loan_position(as_of=date(2024, 3, 10), overdue_principal="100", annual_rate="0")
    >>> payment_runs(apply_proposal(pos, Proposal((InterestStop(3),))))
    [(Decimal('33.33'), 2), (Decimal('33.34'), 1)]
    """
    runs: list[tuple[Decimal, int]] = []
    for row in outcome.schedule.rows:
        if row.payment <= 0:
            continue
        if runs and runs[-1][0] == row.payment:
            runs[-1] = (row.payment, runs[-1][1] + 1)
        else:
            runs.append((row.payment, 1))
    return runs


def _payments(outcome: ProposalOutcome, lang: str) -> str:
    """The new payments in words, exactly: one amount, a different first or last payment,
    two runs, or (say, equal principal) the range with the first and the last."""
    runs = payment_runs(outcome)
    n = sum(count for _, count in runs)
    amount_total = money_text(outcome.summary.total_to_pay)
    if not runs:  # every plan the domain builds has a payment; nothing to say otherwise
        return ""
    first, last = money_text(runs[0][0]), money_text(runs[-1][0])
    if len(runs) == 1:
        return text("letter_payments_level", lang, regular=first, months=n, total=amount_total)
    if len(runs) == 2:
        (a, k), (b, m) = runs
        if k == 1:
            return text(
                "letter_payments", lang, first=first, regular=last, months=n, total=amount_total
            )
        if m == 1:
            return text(
                "letter_payments_last", lang, regular=first, last=last, n=n, total=amount_total
            )
        return text(
            "letter_payments_two",
            lang,
            first=money_text(a),
            k=k,
            regular=money_text(b),
            m=m,
            n=n,
            total=amount_total,
        )
    if len(runs) == 3 and runs[0][1] == 1 and runs[2][1] == 1:
        return text(
            "letter_payments_first_last",
            lang,
            first=first,
            regular=money_text(runs[1][0]),
            last=last,
            n=n,
            total=amount_total,
        )
    amounts = [amount for amount, _ in runs]
    return text(
        "letter_payments_varying",
        lang,
        low=money_text(min(amounts)),
        high=money_text(max(amounts)),
        first=first,
        last=last,
        n=n,
        total=amount_total,
    )


def _versus_contract(outcome: ProposalOutcome, lang: str) -> str:
    s = outcome.summary
    if s.savings_vs_contract is None:
        return ""
    contract = money_text(s.total_to_pay + s.savings_vs_contract)
    if s.savings_vs_contract >= 0:
        amount = money_text(s.savings_vs_contract)
        return text("letter_vs_contract_less", lang, contract=contract, amount=amount)
    amount = money_text(-s.savings_vs_contract)
    return text("letter_vs_contract_more", lang, contract=contract, amount=amount)


def _note_text(line: LoanLine, note: LegalNote, lang: str) -> str:
    citation = note.citation_zh if lang == "zh" else note.citation_en
    if note.code == "law.above_cap":
        return text(
            "letter_note_cap",
            lang,
            contract=line.contract_no,
            received=money_text(line.received),
            apr=percent(line.apr),
            cap=_cap_text(line, lang),
            amount=money_text(line.amount_above_cap),
            citation=citation,
            mark=note.confidence,
        )
    if note.code in CITED_CODES:
        deducted = Decimal(note.params.get("deducted", str(line.principal - line.received)))
        return text(
            "letter_note_deduction",
            lang,
            contract=line.contract_no,
            deducted=money_text(deducted),
            received=money_text(line.received),
            citation=citation,
            mark=note.confidence,
        )
    explanation = note.explanation_zh if lang == "zh" else note.explanation_en
    return text(
        "letter_note_other",
        lang,
        contract=line.contract_no,
        explanation=explanation,
        citation=citation,
        mark=note.confidence,
    )


def letter_title(kind: str, lang: str) -> str:
    """The generated title of a letter kind, for a letter stored as its text only."""
    keys = {
        HARDSHIP_STATEMENT: "letter_hardship_title",
        REQUEST_LETTER: "letter_request_title",
        CONDUCT_COMPLAINT: "complaint_title",
    }
    if kind not in keys:
        raise DomainError("letter.kind_unknown", field="kind", value=kind)
    return text(keys[kind], normalize_lang(lang))
