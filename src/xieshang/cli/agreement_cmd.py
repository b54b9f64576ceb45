"""``xieshang agreement verify FILE.pdf``: check the instance's seal on an agreement, offline.

Exit codes: 0 the seal is intact (and, when a key is known, made with it); 1 it is not (the
problems in words); 2 the file or the key file cannot be read, or an option is wrong.

The key checked against is, in this order: ``--public-key PEMFILE``; the instance key of the
configured data folder, if it has one (read only: verifying never creates a key); otherwise
none, and only integrity is checked, with the sealing key's fingerprint printed so that it can
be compared with the one the instance published.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from xieshang.domain.errors import DomainError

from .common import JsonOption, LangOption, print_json, resolve_lang

if TYPE_CHECKING:
    from xieshang.security.pdf_seal import SealReport

agreement_app = typer.Typer(
    help="Agreements: check the instance's seal on a PDF.", no_args_is_help=True
)

EXIT_NOT_INTACT = 1
CHINA = "Asia/Shanghai"


@agreement_app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="The sealed agreement PDF."),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The instance's public key (PEM); default: this instance's key, if it has one.",
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Check the seal offline: intact, by which key, when; exit 1 when it is not intact."""
    from xieshang.security.pdf_seal import verify_sealed_pdf

    language = resolve_lang(lang)
    pdf = read_binary(file, "file")
    pem, source = _expected_key(public_key)
    report = verify_sealed_pdf(pdf, public_key_pem=pem)
    if report.problems == ("seal.not_a_pdf",):
        raise DomainError("file.not_pdf", field="file", path=str(file))
    if as_json:
        print_json(_report_json(report, source, language))
    else:
        _print_report(report, source, language)
    if not report.ok:
        raise typer.Exit(EXIT_NOT_INTACT)


def read_binary(path: Path, field: str) -> bytes:
    """The bytes of a file named on the command line; a missing or unreadable one is bad input
    (exit 2), named by ``field``."""
    if not path.is_file():
        raise DomainError("file.not_found", field=field, path=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DomainError(
            "file.unreadable", field=field, path=str(path), detail=exc.strerror or str(exc)
        ) from None


def _expected_key(public_key: Path | None) -> tuple[str | None, dict[str, str] | None]:
    """(PEM, where it came from) of the key to check against, or (None, None)."""
    from xieshang.security.signing import (
        SigningKeyError,
        instance_key_path,
        load_instance_key,
        raw_public_key_from_pem,
    )
    from xieshang.settings import Settings

    if public_key is not None:
        raw = read_binary(public_key, "public_key")
        try:
            pem = raw.decode("ascii")
            raw_public_key_from_pem(pem)
        except (UnicodeDecodeError, SigningKeyError):
            raise DomainError(
                "file.not_public_key", field="public_key", path=str(public_key)
            ) from None
        return pem, {"kind": "file", "path": str(public_key)}
    settings = Settings.from_env()
    key = load_instance_key(settings)
    if key is None:
        return None, None
    return key.public_key_pem(), {"kind": "instance", "path": str(instance_key_path(settings))}


def _local_time(report: SealReport) -> str | None:
    from zoneinfo import ZoneInfo

    if report.signed_at is None:
        return None
    return report.signed_at.astimezone(ZoneInfo(CHINA)).isoformat(sep=" ")


def _report_json(report: SealReport, source: dict[str, str] | None, lang: str) -> dict[str, Any]:
    from xieshang.i18n import message

    return {
        "intact": report.intact,
        "signed_by_key": report.signed_by_key,
        "checked_against": source,
        "signer_name": report.signer_name,
        "signed_at": None if report.signed_at is None else report.signed_at.isoformat(),
        "key_fingerprint": report.key_fingerprint,
        "problems": [{"code": p, "message": message(p, lang)} for p in report.problems],
    }


def _print_report(report: SealReport, source: dict[str, str] | None, lang: str) -> None:
    from xieshang.i18n import message, text

    lines = [text("seal_intact" if report.ok else "seal_not_intact", lang)]
    lines += [f"  - {message(code, lang)}" for code in report.problems]
    if report.signer_name is not None:
        lines.append(text("seal_signer", lang, name=report.signer_name))
    if report.signed_at is not None:
        lines.append(text("seal_time", lang, time=_local_time(report)))
    if report.key_fingerprint is not None:  # a seal was found: say which key made it
        lines.append(text("seal_fingerprint", lang, fingerprint=report.key_fingerprint))
        if source is None:
            lines.append(text("seal_integrity_only", lang))
        else:
            where = "seal_key_from_file" if source["kind"] == "file" else "seal_key_from_instance"
            lines.append(text(where, lang, path=source["path"]))
            if report.signed_by_key:
                lines.append(text("seal_key_matches", lang))
    for line in lines:
        typer.echo(line)
