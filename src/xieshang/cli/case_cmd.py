"""``xieshang case …``: negotiation cases from the command line, on this instance's database,
acting as a user (``--as EMAIL``; the password from ``XIESHANG_PASSWORD`` or a prompt,
``--totp`` for a code).

* ``case open --loan ID [--loan ID …] (--platform NAME | --lender-org ID)`` — a draft case;
* ``case list``, ``case show ID`` — the cases, one case with its offers;
* ``case submit ID --terms FILE`` — send the request (the first offer); ``case offer ID --terms
  FILE [--for-platform]`` — a counter-offer (the platform's, recorded by the borrower side);
  each prints the caller's side's evaluation of the offer;
* ``case accept ID`` — accept the other side's standing offer (the agreement is drawn up);
* ``case review|reject|withdraw|reopen ID [--reason TEXT]`` — the other moves;
* ``case note ID --kind call_note --person … --channel … --text … --result …`` — a contact;
* ``case log ID [--verify]`` — the evidence log, checked entry by entry with ``--verify``;
* ``case receipt ID --out FILE`` — a receipt of the log's head signed by the instance key;
* ``case checkpoint`` — as the instance: sign the head of every case whose log moved since
  its last checkpoint (run it daily from cron).

A terms file is TOML (``.toml``) or JSON (``.json``) with the fields of an offer (see
``examples/offer-terms.toml``); ``start`` defaults to today (China time) and a loan's
``loan_id`` may be left out when the case has a single loan.

Exit codes: 0 done; 1 refused — a move the case's state or turn does not allow, a case or loan
you cannot see, wrong credentials; 2 bad input (a clear line naming the field); with
``log --verify``, 1 also when the log does not verify.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from xieshang.domain.errors import DomainError

from . import case_log_cmd
from .agreement_case_cmd import AsOption, TotpOption
from .case_common import (
    ForPlatformOption,
    ReasonOption,
    checked_id,
    echo_lines,
    session,
    side_label,
    state_label,
)
from .common import JsonOption, LangOption, print_json, read_toml_file, resolve_lang

if TYPE_CHECKING:
    from xieshang.bootstrap import Container
    from xieshang.services.cases import CaseView, OfferView

MOVES = {"review": "start_review", "reject": "reject", "withdraw": "withdraw", "reopen": "reopen"}


def register(group: typer.Typer) -> None:
    """Add the case commands to the ``case`` group."""
    group.command("open")(open_case)
    group.command("list")(list_cases)
    group.command("show")(show)
    group.command("submit")(submit)
    group.command("offer")(offer)
    group.command("accept")(accept)
    for name in MOVES:
        group.command(name)(_move_command(name))
    group.command("note")(case_log_cmd.note)
    group.command("log")(case_log_cmd.log)
    group.command("receipt")(case_log_cmd.receipt)
    group.command("checkpoint")(case_log_cmd.checkpoint)


# ---------------------------------------------------------------------------------------------
# shared


def read_terms(path: Path) -> dict[str, Any]:
    """An offer's terms from a TOML or JSON file (numbers with a fraction read exactly)."""
    from .common import _read

    suffix = path.suffix.lower()
    if suffix == ".toml":
        return read_toml_file(path)
    if suffix == ".json":
        raw = _read(path, "terms")
        try:
            data = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise DomainError(
                "file.json_invalid", field="terms", path=str(path), detail=str(exc)
            ) from None
        if not isinstance(data, dict):
            raise DomainError("offer.not_an_object", field="terms")
        return data
    raise DomainError("case.terms_file_type", field="terms", path=str(path))


def complete_terms(
    record: Mapping[str, Any], loan_ids: tuple[int, ...], today: date, start: date | None
) -> dict[str, Any]:
    """Fill what a terms file may leave out: ``start`` (``--start``, else today) and, for a
    case with one loan, that loan's id.

    >>> t = complete_terms({"loans": [{"concessions": []}]}, (7,), date(2026, 3, 2), None)
    >>> t["start"], t["loans"][0]["loan_id"]
    (datetime.date(2026, 3, 2), '7')
    """
    terms = dict(record)
    if start is not None:
        terms["start"] = start
    terms.setdefault("start", today)
    loans = terms.get("loans")
    if isinstance(loans, list) and len(loan_ids) == 1:
        terms["loans"] = [
            {**item, "loan_id": item.get("loan_id", str(loan_ids[0]))}
            if isinstance(item, dict)
            else item
            for item in loans
        ]
    return terms


def _case_lines(v: CaseView, language: str) -> list[str]:
    from xieshang.i18n import text

    lines = [text("cases_header", language, id=v.id, counterparty=v.counterparty)]
    if v.external:
        lines.append(text("cases_external", language))
    lines.append(
        text(
            "cases_state",
            language,
            state=state_label(v.state, language),
            round=v.round,
            side=side_label(v.my_side, language),
        )
    )
    if v.awaiting:
        who = ("、" if language == "zh" else ", ").join(side_label(s, language) for s in v.awaiting)
        deadline = "—" if v.deadline is None else v.deadline.isoformat()
        lines.append(text("cases_awaiting", language, who=who, deadline=deadline))
    if v.overdue:
        lines.append(text("cases_overdue", language))
    lines.append(text("cases_loans", language, loans=", ".join(str(i) for i in v.loan_ids)))
    if v.frozen_on is not None:
        lines.append(text("cases_frozen", language, date=v.frozen_on.isoformat()))
    if v.allowed:
        lines.append(text("cases_allowed", language, moves=", ".join(v.allowed)))
    lines.append(text("cases_log_head", language, events=v.events, head=v.head or "—"))
    return lines


def _offer_line(o: OfferView, language: str) -> str:
    from xieshang.i18n import text

    return text(
        "cases_offer_line",
        language,
        number=o.number,
        by=side_label(o.made_by, language),
        status=o.status,
        monthly=o.figures.get("regular_payment", "—"),
        total=o.figures.get("total_to_pay", "—"),
    )


def _today(container: Container) -> date:
    from xieshang.services.loans import local_today

    return local_today(container.clock())


# ---------------------------------------------------------------------------------------------
# opening and reading


def open_case(
    loans: list[int] = typer.Option(..., "--loan", help="A loan of the borrower (repeatable)."),
    platform: str | None = typer.Option(
        None, "--platform", help="The external platform's name (not on this instance)."
    ),
    lender_org: int | None = typer.Option(
        None, "--lender-org", help="The lender's organisation id on this instance."
    ),
    borrower: int | None = typer.Option(
        None, "--borrower", help="For a counselor: the borrower acted for (default: yourself)."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Open a draft case of your loans with an external platform or a lender here."""
    from xieshang.i18n import text
    from xieshang.services.cases import open_case as open_service

    language = resolve_lang(lang)
    loan_ids = [checked_id(i, "loan") for i in loans]
    with session(email, totp, language) as (container, actor):
        view = open_service(
            container.uow(),
            actor,
            actor.user_id if borrower is None else checked_id(borrower, "borrower"),
            loan_ids=loan_ids,
            lender_organisation_id=None
            if lender_org is None
            else checked_id(lender_org, "lender_org"),
            external_platform=platform,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    if as_json:
        print_json(view)
        return
    loans_text = ", ".join(str(i) for i in view.loan_ids)
    typer.echo(
        text("cases_opened", language, id=view.id, counterparty=view.counterparty, loans=loans_text)
    )


def list_cases(
    borrower: int | None = typer.Option(
        None, "--borrower", help="For a counselor: the borrower (default: yourself)."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=200, help="At most this many."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many."),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Your cases (lender staff: your organisation's)."""
    from xieshang.i18n import text
    from xieshang.services.cases import list_cases as list_service

    language = resolve_lang(lang)
    with session(email, totp, language) as (container, actor):
        views, total = list_service(
            container.uow(),
            actor,
            borrower_id=None if borrower is None else checked_id(borrower, "borrower"),
            limit=limit,
            offset=offset,
            now=container.clock(),
        )
    if as_json:
        print_json({"items": views, "total": total, "limit": limit, "offset": offset})
        return
    typer.echo(text("cases_count", language, total=total))
    for v in views:
        deadline = "" if v.deadline is None else v.deadline.isoformat()
        state = state_label(v.state, language)
        typer.echo(f"{v.id:>6}  {state}  {v.counterparty}  {deadline}".rstrip())


def show(
    case_id: int = typer.Argument(..., help="The case."),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """A case as your side sees it, with its offers."""
    from xieshang.services.cases import get_case, list_offers

    language = resolve_lang(lang)
    with session(email, totp, language) as (container, actor):
        view = get_case(
            container.uow(), actor, checked_id(case_id, "case_id"), now=container.clock()
        )
        offers = list_offers(container.uow(), actor, view.id)
    if as_json:
        print_json({"case": view, "offers": offers})
        return
    echo_lines(_case_lines(view, language) + [_offer_line(o, language) for o in offers])


# ---------------------------------------------------------------------------------------------
# offers and moves


def _make_offer(
    case_id: int,
    terms_file: Path,
    *,
    start: str | None,
    reply_days: int | None,
    for_platform: bool | None,
    email: str,
    totp: str | None,
    as_json: bool,
    language: str,
) -> None:
    """Submit (``for_platform`` None) or counter; then the caller's evaluation of the offer."""
    from xieshang.services import cases, negotiation
    from xieshang.services.offer_evaluation import evaluate_offer

    from .common import parse_date

    record = read_terms(terms_file)
    start_on = None if start is None else parse_date(start, "start")
    cid = checked_id(case_id, "case_id")
    with session(email, totp, language) as (container, actor):
        now = container.clock()
        case = cases.get_case(container.uow(), actor, cid, now=now)
        terms = complete_terms(record, case.loan_ids, _today(container), start_on)
        sign = container.instance_key.sign
        if for_platform is None:
            made = cases.submit_case(
                container.uow(), actor, cid, terms=terms, reply_days=reply_days, now=now, sign=sign
            )
        else:
            made = negotiation.counter_offer(
                container.uow(),
                actor,
                cid,
                terms=terms,
                for_platform=for_platform,
                reply_days=reply_days,
                now=now,
                sign=sign,
            )
        evaluation = evaluate_offer(container.uow(), actor, cid, made.number, now=now)
        after = cases.get_case(container.uow(), actor, cid, now=now)
    if as_json:
        print_json({"offer": made, "evaluation": evaluation, "case": after})
        return
    echo_lines([_offer_line(made, language), *_evaluation_lines(evaluation, language)])
    echo_lines(_case_lines(after, language)[2:3])


def _evaluation_lines(evaluation: Any, language: str) -> list[str]:
    from xieshang.i18n import message, text

    lines: list[str] = []
    mine = evaluation.borrower
    if mine is not None:
        lines.append(text("cases_verdict", language, verdict=message(mine.verdict, language)))
        lines += [f"  - {message(code, language)}" for code in mine.findings]
    lender = evaluation.lender
    if lender is not None:
        verdict = message(lender.verdict, language)
        lines.append(text("cases_lender_verdict", language, verdict=verdict))
        for b in lender.breaches:
            lines.append(f"  - {message(b['code'], language, value=b['value'], limit=b['limit'])}")
    return lines


def submit(
    case_id: int = typer.Argument(..., help="The case (a draft)."),
    terms: Path = typer.Option(..., "--terms", help="The offer's terms (TOML or JSON)."),
    start: str | None = typer.Option(
        None, "--start", help="The new plan's start (YYYY-MM-DD; default: the file's, or today)."
    ),
    reply_days: int | None = typer.Option(
        None, "--reply-days", min=1, max=365, help="Days the lender has to reply."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Send the request: your first offer (the loans' arrears pause from today)."""
    _make_offer(
        case_id,
        terms,
        start=start,
        reply_days=reply_days,
        for_platform=None,
        email=email,
        totp=totp,
        as_json=as_json,
        language=resolve_lang(lang),
    )


def offer(
    case_id: int = typer.Argument(..., help="The case."),
    terms: Path = typer.Option(..., "--terms", help="The offer's terms (TOML or JSON)."),
    for_platform: bool = ForPlatformOption,
    start: str | None = typer.Option(
        None, "--start", help="The new plan's start (YYYY-MM-DD; default: the file's, or today)."
    ),
    reply_days: int | None = typer.Option(
        None, "--reply-days", min=1, max=365, help="Days the other side has to reply."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """A counter-offer (with --for-platform: the platform's, as it told you)."""
    _make_offer(
        case_id,
        terms,
        start=start,
        reply_days=reply_days,
        for_platform=for_platform,
        email=email,
        totp=totp,
        as_json=as_json,
        language=resolve_lang(lang),
    )


def _print_case(view: CaseView, as_json: bool, language: str) -> None:
    from xieshang.i18n import text

    if as_json:
        print_json(view)
        return
    typer.echo(text("cases_moved", language, id=view.id, state=state_label(view.state, language)))


def accept(
    case_id: int = typer.Argument(..., help="The case."),
    for_platform: bool = ForPlatformOption,
    doc_lang: str | None = typer.Option(
        None, "--doc-lang", help="The agreement's language: zh or en (default: --lang)."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Accept the other side's standing offer; the agreement is drawn up for signing."""
    from xieshang.services.negotiation import accept_offer

    language = resolve_lang(lang)
    if doc_lang is not None and doc_lang not in ("zh", "en"):
        raise DomainError("agreement.lang_unknown", field="lang", value=doc_lang)
    with session(email, totp, language) as (container, actor):
        view = accept_offer(
            container.uow(),
            container.blobs,
            actor,
            checked_id(case_id, "case_id"),
            for_platform=for_platform,
            lang=doc_lang or language,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    _print_case(view, as_json, language)


def _move_command(name: str) -> Any:
    action_name = MOVES[name]

    def command(
        case_id: int = typer.Argument(..., help="The case."),
        reason: str = ReasonOption,
        for_platform: bool = ForPlatformOption,
        email: str = AsOption,
        totp: str | None = TotpOption,
        as_json: bool = JsonOption,
        lang: str | None = LangOption,
    ) -> None:
        from xieshang.domain.case_state import Action
        from xieshang.services.cases import move

        language = resolve_lang(lang)
        with session(email, totp, language) as (container, actor):
            view = move(
                container.uow(),
                actor,
                checked_id(case_id, "case_id"),
                Action(action_name),
                reason=reason,
                for_platform=for_platform,
                now=container.clock(),
                sign=container.instance_key.sign,
            )
        _print_case(view, as_json, language)

    command.__name__ = name
    command.__doc__ = {
        "review": "Start reviewing a submitted request (lender side).",
        "reject": "Reject the standing offer (lender side, or --for-platform).",
        "withdraw": "Withdraw the case (borrower side).",
        "reopen": "Open a new round of a rejected or breached case.",
    }[name]
    return command
