"""``xieshang evidence verify BUNDLE.zip``: check an evidence bundle offline.

Exit codes: 0 intact (every byte as signed, every signature valid); 1 not intact, naming the
first item that fails; 2 the bundle or the key file cannot be read, or an option is wrong.

Without ``--public-key`` the bundle is checked against its own ``public_key.pem``: that proves
nothing changed since it was signed, not who signed it, and the output says so beside the
key's fingerprint.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from xieshang.domain.errors import DomainError

from .common import JsonOption, LangOption, print_json, resolve_lang

if TYPE_CHECKING:
    from xieshang.services.evidence_bundles import BundleFailure, BundleReport

evidence_app = typer.Typer(help="Evidence bundles: check one offline.", no_args_is_help=True)

EXIT_NOT_INTACT = 1
CHINA_TIME = timezone(timedelta(hours=8))
LOG_MEMBER = "log.jsonl"
CONTAINER = "ZIP"


@evidence_app.command("verify")
def verify(
    bundle: Path = typer.Argument(..., help="The evidence bundle (ZIP) a case export made."),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The instance's public key (PEM); default: the bundle's own (integrity only).",
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Check a bundle offline: "intact", or the first item that fails (exit 1)."""
    from xieshang.services.evidence_bundles import verify_evidence_bundle

    language = resolve_lang(lang)
    data = _read_bytes(bundle, "bundle")
    pem = None if public_key is None else _read_public_key(public_key)
    report = verify_evidence_bundle(data, public_key_pem=pem)
    if as_json:
        print_json(report_json(report, language))
    else:
        for line in report_lines(report, language):
            typer.echo(line)
    if not report.ok:
        raise typer.Exit(EXIT_NOT_INTACT)


def _read_bytes(path: Path, field: str) -> bytes:
    if not path.is_file():
        raise DomainError("file.not_found", field=field, path=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        detail = exc.strerror or type(exc).__name__
        raise DomainError("file.unreadable", field=field, path=str(path), detail=detail) from None


def _read_public_key(path: Path) -> str:
    from xieshang.security.signing import SigningKeyError, public_verifier

    raw = _read_bytes(path, "public_key")
    try:
        pem = raw.decode("ascii")
        public_verifier(pem)
    except (UnicodeDecodeError, SigningKeyError):
        raise DomainError(
            "evidence.public_key_file_invalid", field="public_key", path=str(path)
        ) from None
    return pem


def failure_item(failure: BundleFailure, lang: str) -> str:
    """Where it failed, in words: ``log.jsonl 第 17 条`` / ``log.jsonl entry 17``."""
    from xieshang.i18n import text

    if failure.line is None:
        return (
            text("evidence_item_container", lang) if failure.member == CONTAINER else failure.member
        )
    key = "evidence_item_entry" if failure.member == LOG_MEMBER else "evidence_item_line"
    return text(key, lang, member=failure.member, line=failure.line)


def failure_message(failure: BundleFailure, lang: str) -> str:
    """What failed, in words (a ``reason`` code in the detail is translated too)."""
    from xieshang.i18n import message

    params: dict[str, Any] = dict(failure.detail)
    reason = params.get("reason")
    if isinstance(reason, str):
        params["reason"] = message(reason, lang, line=failure.line)
    return message(failure.code, lang, **params)


def _local_time(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text
    return moment.astimezone(CHINA_TIME).isoformat(sep=" ", timespec="seconds")


def report_lines(report: BundleReport, lang: str) -> list[str]:
    """The report as lines of text: the verdict first, then what the bundle is."""
    from xieshang.i18n import text

    if report.failure is None:
        lines = [text("evidence_intact", lang)]
    else:
        item = failure_item(report.failure, lang)
        lines = [
            text("evidence_failed", lang, item=item, reason=failure_message(report.failure, lang))
        ]
    if report.case_id is not None:
        lines.append(
            text(
                "evidence_case",
                lang,
                reference=report.case_reference,
                case_id=report.case_id,
                exported=_local_time(report.exported_at),
            )
        )
    if report.ok:
        lines.append(
            text(
                "evidence_totals",
                lang,
                events=report.events,
                checkpoints=report.checkpoints,
                receipts=report.receipts,
                payments=report.payments,
                files=report.files,
            )
        )
        lines.append(text("evidence_head", lang, head=report.head))
    if report.ok and report.key_fingerprint is not None:  # a failure names a key when it matters
        key = "evidence_key_given" if report.key_source == "given" else "evidence_key_bundle"
        lines.append(text(key, lang, fingerprint=report.key_fingerprint))
    return lines


def report_json(report: BundleReport, lang: str) -> dict[str, Any]:
    """The report for machines; the failure carries its item and message in ``lang``."""
    failure = report.failure
    return {
        "intact": report.ok,
        "failure": None
        if failure is None
        else {
            "item": failure.item,
            "member": failure.member,
            "line": failure.line,
            "code": failure.code,
            "detail": dict(failure.detail),
            "where": failure_item(failure, lang),
            "message": failure_message(failure, lang),
        },
        "key": {"source": report.key_source, "fingerprint": report.key_fingerprint},
        "case_id": report.case_id,
        "case_reference": report.case_reference,
        "exported_at": report.exported_at,
        "events": report.events,
        "head": report.head,
        "files": report.files,
        "checkpoints": report.checkpoints,
        "receipts": report.receipts,
        "payments": report.payments,
    }
