"""What the ``xieshang case …`` commands share: acting as a user on this instance's database,
refusals as exit 1 (one line in the user's language), ids, state and side labels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from xieshang.domain.errors import DomainError

from .agreement_case_cmd import _password as password_for
from .agreement_case_cmd import login_as

if TYPE_CHECKING:
    from xieshang.bootstrap import Container
    from xieshang.services.access import Actor

EXIT_REFUSED = 1
MAX_ID = 2**31 - 1
# Refusals (exit 1), not bad input (exit 2): what the API answers with 401, 403, 404 or 409.
REFUSED = frozenset(
    {
        "access.not_found",
        "access.forbidden",
        "auth.invalid_credentials",
        "auth.totp_required",
        "auth.totp_invalid",
        "auth.throttled",
        "auth.totp_enrolment_required",
        "case.illegal_transition",
        "case.wrong_party",
        "case.not_your_turn",
        "case.cannot_accept_own_offer",
        "case.already_signed",
        "case.no_standing_offer",
        "case.changed_concurrently",
        "case.loan_in_open_case",
        "agreement.not_awaiting_signatures",
        "policy.approval_required",
    }
)
ReasonOption = typer.Option("", "--reason", help="Why (kept in the case log).")
ForPlatformOption = typer.Option(
    False, "--for-platform", help="Record the external platform's move (external cases only)."
)


@contextmanager
def session(email: str, totp: str | None, language: str) -> Iterator[tuple[Container, Actor]]:
    """The container and the logged-in actor; a refusal prints one line and exits 1."""
    from xieshang.bootstrap import build_container

    password = password_for(language)
    container = build_container(migrate=False)
    try:
        with refusals(language):
            yield container, login_as(container, email, password, totp)
    finally:
        container.close()


@contextmanager
def refusals(language: str) -> Iterator[None]:
    """A refused act is one line on stderr and exit 1; other errors go on (bad input: 2)."""
    from xieshang.i18n import message

    try:
        yield
    except DomainError as exc:
        if exc.code not in REFUSED:
            raise
        typer.echo(message(exc.code, language, field=exc.field, **dict(exc.params)), err=True)
        raise typer.Exit(EXIT_REFUSED) from None


def checked_id(value: int, field: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise DomainError("cli.bad_value", field=field, option=field, detail=str(value))
    return value


def state_label(state: str, language: str) -> str:
    from xieshang.i18n import text

    label = text(f"case_state_{state}", language)
    return state if label == f"case_state_{state}" else label


def side_label(side: str | None, language: str) -> str:
    from xieshang.i18n import text

    return "—" if side is None else text(f"cases_side_{side}", language)


def echo_lines(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)
