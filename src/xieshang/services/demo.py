"""Demo data: one instance's worth of people to try every workflow with (idempotent).

A borrower with the examples' statement and six loans, a counselor she granted access to, a
lender organisation (consumer finance) with an agent and a supervisor she shared her statement
summary and loans with — and a case in their queue: her consumer-finance loan, submitted with the
examples' request (a 12-month extension, penalty waived) — a second borrower to test privacy
against, and an admin.  Lender staff
have TOTP enrolled (it is required for them); their secrets are printed so an authenticator app
— or ``python -c "import pyotp; print(pyotp.TOTP('SECRET').now())"`` — gives the codes.
Running it again changes nothing and prints the same logins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xieshang.security.passwords import DEFAULT_PASSWORD_POLICY, PasswordPolicy
from xieshang.security.totp import totp_code
from xieshang.store.convert import new_loan_row, new_statement_row
from xieshang.store.models import Consent, CounselorGrant, Organisation
from xieshang.store.unit_of_work import UnitOfWork

from . import cases
from .access import Actor
from .accounts import create_account
from .case_log import Signer
from .loans import local_today
from .organisations import create_organisation
from .profile import confirm_totp, enrol_totp
from .sessions import actor_for
from .situation import Situation

DEMO_PASSWORD = "xieshang-demo-2026"
LENDER = "示例消费金融有限公司"
COUNSELING = "示例债务咨询中心"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    password: str
    totp_secret: str | None = None


PEOPLE: tuple[tuple[str, str, str, str | None], ...] = (
    # (role, email, display name, organisation)
    ("admin", "admin@demo.xieshang.test", "管理员 Admin", None),
    ("borrower", "li.ming@demo.xieshang.test", "李明 Li Ming", None),
    ("borrower", "wang.fang@demo.xieshang.test", "王芳 Wang Fang", None),
    ("counselor", "counselor@demo.xieshang.test", "赵咨询 Zhao (counselor)", COUNSELING),
    ("agent", "agent@demo.xieshang.test", "钱专员 Qian (agent)", LENDER),
    ("supervisor", "supervisor@demo.xieshang.test", "孙主管 Sun (supervisor)", LENDER),
)


def load_demo(
    uow_factory: Callable[[], UnitOfWork],
    situation: Situation,
    *,
    now: datetime,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
    request: Mapping[str, Any] | None = None,
    sign: Signer | None = None,
) -> tuple[DemoLogin, ...]:
    """Create what is missing of the demo and return every login (idempotent).  ``request``:
    the terms of the borrower's request in the demo case (an offer-terms record, without
    loan ids; none: no demo case); ``sign``: the instance key that signs its log entries."""
    admin = _user(uow_factory, PEOPLE[0][1]) or _create(
        uow_factory, PEOPLE[0], organisation_id=None, policy=policy, now=now
    )
    admin_actor = admin.actor
    orgs = {
        LENDER: _organisation(
            uow_factory, admin_actor, "lender", LENDER, "consumer_finance", now=now
        ),
        COUNSELING: _organisation(
            uow_factory, admin_actor, "counseling", COUNSELING, None, now=now
        ),
    }
    logins = [DemoLogin("admin", PEOPLE[0][1], DEMO_PASSWORD)]
    for role, email, name, org in PEOPLE[1:]:
        user = _user(uow_factory, email) or _create(
            uow_factory,
            (role, email, name, org),
            organisation_id=orgs[org] if org else None,
            policy=policy,
            now=now,
        )
        secret = None
        if role in ("agent", "supervisor"):
            secret = _totp(uow_factory, user, now)
        logins.append(DemoLogin(role, email, DEMO_PASSWORD, secret))
    _borrower_data(uow_factory, situation, orgs[LENDER], now)
    if request is not None:
        _demo_case(uow_factory, orgs[LENDER], request, now, sign)
    return tuple(logins)


@dataclass(frozen=True, slots=True)
class _Person:
    """What the demo needs of a stored user, read inside the unit of work (rows are not
    usable after it closes)."""

    actor: Actor
    totp_secret: str | None


def _user(uow_factory: Callable[[], UnitOfWork], email: str) -> _Person | None:
    with uow_factory() as uow:
        user = uow.users.get_by_email(email)
        if user is None:
            return None
        secret = user.totp_secret if user.totp_enabled else None
        return _Person(actor_for(user), secret)


def _create(
    uow_factory: Callable[[], UnitOfWork],
    person: tuple[str, str, str, str | None],
    *,
    organisation_id: int | None,
    policy: PasswordPolicy,
    now: datetime,
) -> _Person:
    role, email, name, _ = person
    create_account(
        uow_factory,
        email=email,
        password=DEMO_PASSWORD,
        display_name=name,
        role=role,
        organisation_id=organisation_id,
        policy=policy,
        now=now,
    )
    user = _user(uow_factory, email)
    if user is None:  # pragma: no cover - create_account committed it
        raise RuntimeError(f"demo user {email} was not stored")
    return user


def _organisation(
    uow_factory: Callable[[], UnitOfWork],
    admin: Actor,
    kind: str,
    name: str,
    licence: str | None,
    *,
    now: datetime,
) -> int:
    with uow_factory() as uow:
        row: Organisation | None = uow.organisations.get_by_name(name)
        if row is not None:
            return row.id
    view = create_organisation(
        uow_factory,
        admin,
        kind=kind,
        name=name,
        licence_type=licence,
        now=now,
    )
    return view.id


def _totp(uow_factory: Callable[[], UnitOfWork], person: _Person, now: datetime) -> str:
    """Enrol and confirm TOTP once; afterwards return the stored secret."""
    if person.totp_secret:
        return person.totp_secret
    enrolment = enrol_totp(uow_factory, person.actor)
    confirm_totp(uow_factory, person.actor, totp_code(enrolment.secret, now), now=now)
    return enrolment.secret


def _borrower_data(
    uow_factory: Callable[[], UnitOfWork], situation: Situation, lender_id: int, now: datetime
) -> None:
    with uow_factory() as uow:
        borrower = uow.users.get_by_email(PEOPLE[1][1])
        counselor = uow.users.get_by_email(PEOPLE[3][1])
        if borrower is None or counselor is None:
            return
        if uow.statements.get_for_borrower(borrower.id) is not None:
            return  # already loaded
        uow.statements.add(new_statement_row(situation.statement, borrower_id=borrower.id, now=now))
        for loan in situation.loans:
            uow.loans.add(new_loan_row(loan, borrower_id=borrower.id, now=now))
        uow.grants.add(
            CounselorGrant(borrower_id=borrower.id, counselor_id=counselor.id, granted_at=now)
        )
        for scope in ("statement_summary", "loans"):
            uow.consents.add(
                Consent(
                    borrower_id=borrower.id, organisation_id=lender_id, scope=scope, granted_at=now
                )
            )
        uow.commit()


DEMO_CASE_LENDER_TYPE = "consumer_finance"


def _demo_case(
    uow_factory: Callable[[], UnitOfWork],
    lender_id: int,
    request: Mapping[str, Any],
    now: datetime,
    sign: Signer | None,
) -> None:
    """The borrower's consumer-finance loan, submitted to the demo lender (once: skipped when
    she has any case)."""
    borrower = _user(uow_factory, PEOPLE[1][1])
    if borrower is None:
        return
    actor = borrower.actor
    with uow_factory() as uow:
        if uow.cases.list_for_borrower(actor.user_id, limit=1, offset=0).total:
            return
        loan_id = next(
            (
                loan.id
                for loan in uow.loans.list_for_borrower(actor.user_id).items
                if loan.lender_type == DEMO_CASE_LENDER_TYPE
            ),
            None,
        )
    if loan_id is None:
        return
    case = cases.open_case(
        uow_factory(),
        actor,
        actor.user_id,
        loan_ids=[loan_id],
        lender_organisation_id=lender_id,
        now=now,
        sign=sign,
    )
    terms = {
        **request,
        "start": local_today(now).isoformat(),
        "loans": [{**loan, "loan_id": str(loan_id)} for loan in request.get("loans", [])],
    }
    cases.submit_case(uow_factory(), actor, case.id, terms=terms, now=now, sign=sign)
