"""``xieshang case agreement|sign|export``: a case's agreement, signing it, and the case's
evidence bundle, from the command line, on this instance's database.

* ``case agreement ID --as EMAIL --out FILE`` writes the agreement: the PDF (sealed once both
  parties signed) or, with ``--format html|text``, a rendering in ``--doc-lang`` (the other
  language is a convenience translation).
* ``case sign ID --as EMAIL`` shows the agreement's reference, the SHA-256 of its PDF and the
  consent sentence, asks for confirmation (``--yes`` to skip) and signs for your side; the
  password typed to log in (with ``--totp`` when the user has TOTP) is also the re-entry the
  signature needs, and a wrong one counts against the login throttle.  ``--sha256`` makes
  sure you sign the document you read.
* ``case export ID --out bundle.zip [--as EMAIL]``: the evidence bundle, to be checked offline
  with ``xieshang evidence verify``.  Without ``--as`` the export is made as the instance
  operator — whoever can run this command on the instance's data folder can read its
  database — and includes everything the case holds.

``--as EMAIL`` logs in as that user: the password is read from ``XIESHANG_PASSWORD`` or asked
for.  Exit codes: 0 done; 2 bad input or refused; 1 not signed (you said no).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from xieshang.domain.errors import DomainError

from .common import JsonOption, LangOption, print_json, resolve_lang

if TYPE_CHECKING:
    from xieshang.bootstrap import Container
    from xieshang.services.access import Actor
    from xieshang.services.agreements import AgreementView

CLIENT_KEY = "cli"
EXIT_NOT_SIGNED = 1
FORMATS = ("pdf", "html", "text")

AsOption = typer.Option(
    ..., "--as", help="Act as this user (e-mail); password from XIESHANG_PASSWORD or a prompt."
)
TotpOption = typer.Option(None, "--totp", help="A TOTP code, for users who enabled it.")
ForceOption = typer.Option(False, "--force", help="Overwrite FILE if it exists.")


def register(group: typer.Typer) -> None:
    """Add ``agreement``, ``sign`` and ``export`` to the ``case`` command group."""
    group.command("agreement")(agreement)
    group.command("sign")(sign)
    group.command("export")(export)


# ---------------------------------------------------------------------------------------------
# shared


def _password(language: str) -> str:
    from xieshang.i18n import text

    return os.environ.get("XIESHANG_PASSWORD") or str(
        typer.prompt(text("password_prompt", language), hide_input=True)
    )


def login_as(container: Container, email: str, password: str, totp: str | None) -> Actor:
    """The actor for ``email`` after a login with ``password`` (and ``totp``), as the API's
    login checks it (throttle included).  Lender staff must have enrolled TOTP."""
    from xieshang.services.accounts import AccountRules, login

    result = login(
        container.uow,
        email=email,
        password=password,
        totp_code=totp,
        client_key=CLIENT_KEY,
        kind="api",
        rules=AccountRules.from_settings(container.settings, container.password_policy),
        now=container.clock(),
    )
    if result.totp_enrolment_required:
        raise DomainError("auth.totp_enrolment_required")
    return result.actor


def write_file(path: Path, data: bytes, *, force: bool) -> None:
    """Write ``data`` to ``path``; an existing file only with ``force``."""
    try:
        if path.exists() and not force:
            raise DomainError("file.exists", field="out", path=str(path))
        with path.open("wb" if force else "xb") as handle:
            handle.write(data)
    except OSError as exc:
        raise DomainError(
            "file.unwritable", field="out", path=str(path), detail=exc.strerror or str(exc)
        ) from None


def _written(path: Path, data: bytes, language: str, as_json: bool) -> None:
    from xieshang.i18n import text

    facts = {"path": str(path), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if as_json:
        print_json(facts)
    else:
        typer.echo(text("case_file_written", language, **facts))


def _case_id(value: int) -> int:
    if not 1 <= value <= 2**31 - 1:
        raise DomainError("cli.bad_value", field="case_id", option="CASE_ID", detail=str(value))
    return value


# ---------------------------------------------------------------------------------------------
# commands


def agreement(
    case_id: int = typer.Argument(..., help="The case."),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    email: str = AsOption,
    totp: str | None = TotpOption,
    fmt: str = typer.Option("pdf", "--format", help="pdf (default), html or text."),
    doc_lang: str | None = typer.Option(
        None, "--doc-lang", help="zh or en for html/text (default: the agreement's language)."
    ),
    force: bool = ForceOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Write a case's agreement: the PDF (sealed once both signed), or HTML/text."""
    from xieshang.bootstrap import build_container
    from xieshang.services.agreements import agreement_document

    language = resolve_lang(lang)
    if fmt not in FORMATS:
        raise DomainError("agreement.format_unknown", field="format", value=fmt)
    if doc_lang is not None and doc_lang not in ("zh", "en"):
        raise DomainError("agreement.lang_unknown", field="lang", value=doc_lang)
    password = _password(language)
    container = build_container(migrate=False)
    try:
        actor = login_as(container, email, password, totp)
        data, _ = agreement_document(
            container.uow(),
            container.blobs,
            actor,
            _case_id(case_id),
            fmt=fmt,
            lang=None if fmt == "pdf" else doc_lang,
        )
    finally:
        container.close()
    write_file(out, data, force=force)
    _written(out, data, language, as_json)


def _sign_preview(view: AgreementView, language: str) -> list[str]:
    from xieshang.i18n import text

    return [
        text("case_sign_agreement", language, ref=view.ref, status=view.status),
        text("case_sign_document", language, sha256=view.document_sha256),
        text("case_sign_consent", language, consent=view.consent_text),
    ]


def _signed_json(view: AgreementView) -> dict[str, Any]:
    return {
        "case_id": view.case_id,
        "ref": view.ref,
        "status": view.status,
        "document_sha256": view.document_sha256,
        "sealed_sha256": view.sealed_sha256,
        "signatures": list(view.signatures),
    }


def sign(
    case_id: int = typer.Argument(..., help="The case."),
    email: str = AsOption,
    totp: str | None = TotpOption,
    sha256: str | None = typer.Option(
        None, "--sha256", help="The SHA-256 of the PDF you read; refused if it changed."
    ),
    for_platform: bool = typer.Option(
        False, "--for-platform", help="Record the external platform's signature."
    ),
    yes: bool = typer.Option(False, "--yes", help="Sign without asking for confirmation."),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Sign a case's agreement for your side after reading its digest and consent sentence."""
    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.accounts import AccountRules
    from xieshang.services.agreement_signing import sign_with_reentry
    from xieshang.services.agreements import get_agreement

    language = resolve_lang(lang)
    password = _password(language)
    container = build_container(migrate=False)
    try:
        actor = login_as(container, email, password, totp)
        view = get_agreement(container.uow(), actor, _case_id(case_id))
        if not as_json:
            for line in _sign_preview(view, language):
                typer.echo(line)
        if not yes and not typer.confirm(text("case_sign_confirm", language), default=False):
            typer.echo(text("case_sign_cancelled", language))
            raise typer.Exit(EXIT_NOT_SIGNED)
        signed = sign_with_reentry(
            container.uow,
            container.blobs,
            actor,
            view.case_id,
            document_sha256=sha256 or view.document_sha256,
            consent=view.consent_text,
            # The login just used the TOTP code (a code works once): re-enter the password.
            password=password,
            for_platform=for_platform,
            client_key=CLIENT_KEY,
            rules=AccountRules.from_settings(container.settings, container.password_policy),
            now=container.clock(),
            key=container.instance_key,
        )
    finally:
        container.close()
    if as_json:
        print_json(_signed_json(signed))
        return
    typer.echo(text("case_signed", language, count=len(signed.signatures), status=signed.status))
    if signed.sealed_sha256 is not None:
        typer.echo(text("case_sealed", language, sha256=signed.sealed_sha256))


def export(
    case_id: int = typer.Argument(..., help="The case."),
    out: Path = typer.Option(..., "--out", help="The bundle (ZIP) to write."),
    email: str | None = typer.Option(
        None,
        "--as",
        help="Export as this user (a party of the case); without it, as the instance "
        "operator, with everything the case holds.",
    ),
    totp: str | None = TotpOption,
    force: bool = ForceOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Write a case's evidence bundle; check it with `xieshang evidence verify`."""
    from xieshang.bootstrap import build_container
    from xieshang.services.case_export import export_bundle, export_bundle_as_operator

    language = resolve_lang(lang)
    password = None if email is None else _password(language)
    container = build_container(migrate=False)
    try:
        now = container.clock()
        if email is None or password is None:
            data = export_bundle_as_operator(
                container.uow(),
                container.blobs,
                _case_id(case_id),
                key=container.instance_key,
                now=now,
            )
        else:
            actor = login_as(container, email, password, totp)
            data = export_bundle(
                container.uow(),
                container.blobs,
                actor,
                _case_id(case_id),
                key=container.instance_key,
                now=now,
            )
    finally:
        container.close()
    write_file(out, data, force=force)
    _written(out, data, language, as_json)


# The ``case`` group.  The case commands' own module adds these three to its group with
# ``register``; until then this group carries them.
case_app = typer.Typer(help="Negotiation cases: the agreement, signing, the evidence bundle.")
register(case_app)
