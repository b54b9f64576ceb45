"""``xieshang case pay`` and ``xieshang case ledger``: repayment under a case's sealed
agreement, from the command line, on this instance's database.

* ``case pay ID --amount 944.09 --ref TX123 [--date 2026-12-10] [--channel bank_transfer]
  --as EMAIL`` records a payment for your side (``--for-platform``: an external platform's
  record of it).  The amount is in yuan with at most two decimals; the date is China's today
  unless given.  The same reference again with the same amount, date and channel is the same
  payment (said so, exit 0); with other details it is refused.
* ``case ledger ID --as EMAIL`` shows every installment (due, paid, outstanding, status), the
  agreement's status and why, and the totals; like the API it first makes the moves the ledger
  calls for today (completed, breached).

``--as EMAIL`` logs in as that user (password from ``XIESHANG_PASSWORD`` or a prompt; ``--totp``
for a code).  Exit codes: 0 done; 2 bad input or refused (one line in the chosen language).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from .agreement_case_cmd import AsOption, TotpOption, _case_id, _password, login_as
from .common import JsonOption, LangOption, parse_date, print_json, resolve_lang, yuan

if TYPE_CHECKING:
    from xieshang.services.payments import LedgerView, PaymentOutcome

CHANNEL_HELP = "bank_transfer (default), alipay, wechat, app, cash or other."


def register(group: typer.Typer) -> None:
    """Add ``pay`` and ``ledger`` to the ``case`` command group."""
    group.command("pay")(pay)
    group.command("ledger")(ledger)


def pay(
    case_id: int = typer.Argument(..., help="The case."),
    amount: str = typer.Option(..., "--amount", help="Yuan, e.g. 944.09 (at most 2 decimals)."),
    ref: str = typer.Option(
        ..., "--ref", help="The payment's own reference (the transfer's transaction number)."
    ),
    day: str | None = typer.Option(None, "--date", help="When it was paid (default: today)."),
    channel: str = typer.Option("bank_transfer", "--channel", help=CHANNEL_HELP),
    receipt: int | None = typer.Option(
        None, "--receipt-document", help="The id of an uploaded receipt document."
    ),
    for_platform: bool = typer.Option(
        False, "--for-platform", help="Record it as the external platform's record."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Record a payment under the case's sealed agreement."""
    from xieshang.bootstrap import build_container
    from xieshang.services.loans import local_today
    from xieshang.services.payments import (
        PaymentInput,
        payment_amount,
        payment_channel,
        payment_reference,
        record_payment,
    )

    language = resolve_lang(lang)
    # Bad input is refused before the password is asked for.
    payment_amount(amount)
    payment_channel(channel)
    payment_reference(ref)
    paid_on = None if day is None else parse_date(day, "date")
    password = _password(language)
    container = build_container(migrate=False)
    try:
        actor = login_as(container, email, password, totp)
        now = container.clock()
        outcome = record_payment(
            container.uow(),
            container.blobs,
            actor,
            _case_id(case_id),
            PaymentInput(
                amount=amount,
                paid_on=paid_on or local_today(now),
                channel=channel,
                external_ref=ref,
                receipt_document_id=receipt,
            ),
            for_platform=for_platform,
            now=now,
            sign=container.instance_key.sign,
        )
    finally:
        container.close()
    if as_json:
        print_json(_outcome_json(outcome))
    else:
        _print_outcome(outcome, language)


def _outcome_json(o: PaymentOutcome) -> dict[str, Any]:
    p = o.payment
    return {
        "id": p.id,
        "case_id": p.case_id,
        "agreement_ref": p.agreement_ref,
        "external_ref": p.ref,
        "amount": p.amount,
        "paid_on": p.paid_on,
        "channel": p.channel,
        "recorded_by": p.recorded_by,
        "event_hash": p.event_hash,
        "created": o.created,
        "case_state": o.case_state,
    }


def _print_outcome(o: PaymentOutcome, lang: str) -> None:
    from xieshang.i18n import text

    p = o.payment
    key = "pay_recorded" if o.created else "pay_already_recorded"
    typer.echo(
        text(key, lang, amount=yuan(p.amount), ref=p.ref, day=p.paid_on.isoformat(), id=p.id)
    )
    typer.echo(text("pay_case_state", lang, state=text(f"case_state_{o.case_state}", lang)))


def ledger(
    case_id: int = typer.Argument(..., help="The case."),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """The case's repayment ledger today: installments, status and why, totals."""
    from xieshang.bootstrap import build_container
    from xieshang.services.loans import local_today
    from xieshang.services.payments import ledger_view, refresh

    language = resolve_lang(lang)
    password = _password(language)
    container = build_container(migrate=False)
    try:
        actor = login_as(container, email, password, totp)
        now = container.clock()
        target = _case_id(case_id)
        refresh(
            container.uow(),
            container.blobs,
            actor,
            target,
            now=now,
            sign=container.instance_key.sign,
        )
        view = ledger_view(container.uow(), actor, target, today=local_today(now))
    finally:
        container.close()
    if as_json:
        print_json(_ledger_json(view, language))
    else:
        _print_ledger(view, language)


def _ledger_json(v: LedgerView, lang: str) -> dict[str, Any]:
    from xieshang.i18n import message

    return {
        "case_id": v.case_id,
        "case_state": v.case_state,
        "agreement_ref": v.agreement_ref,
        "today": v.today,
        "status": v.status,
        "reasons": [{"code": c, "message": message(c, lang)} for c in v.reasons],
        "grace_days": v.grace_days,
        "total_due": v.total_due,
        "total_paid": v.total_paid,
        "outstanding": v.outstanding,
        "unapplied": v.unapplied,
        "payments": v.payments,
        "installments": [
            {
                "n": i.n,
                "loan_id": i.loan_id,
                "due_date": i.due_date,
                "due": i.due,
                "paid": i.paid,
                "outstanding": i.outstanding,
                "status": i.status,
                "paid_on": i.paid_on,
            }
            for i in v.installments
        ],
        "settlement_sha256": v.settlement_sha256,
    }


def _print_ledger(v: LedgerView, lang: str) -> None:
    from rich.table import Table

    from xieshang.i18n import message, text

    from .report import console

    out = console()
    out.print(text("ledger_title", lang, ref=v.agreement_ref, case_id=v.case_id, today=v.today))
    table = Table(box=None, padding=(0, 2))
    for name, right in (
        ("n", True),
        ("due_date", False),
        ("ledger_due", True),
        ("ledger_paid", True),
        ("ledger_outstanding", True),
        ("ledger_status", False),
    ):
        table.add_column(text(name, lang), justify="right" if right else "left")
    for i in v.installments:
        table.add_row(
            str(i.n),
            i.due_date.isoformat(),
            yuan(i.due),
            yuan(i.paid),
            yuan(i.outstanding),
            text(f"installment_{i.status}", lang),
        )
    out.print(table)
    status = text(f"agreement_{v.status}", lang)
    state = text(f"case_state_{v.case_state}", lang)
    out.print(text("ledger_status_line", lang, status=status, state=state))
    for code in v.reasons:
        out.print(f"  · {message(code, lang)}")
    out.print(
        text(
            "ledger_totals",
            lang,
            due=yuan(v.total_due),
            paid=yuan(v.total_paid),
            outstanding=yuan(v.outstanding),
            unapplied=yuan(v.unapplied),
        )
    )
