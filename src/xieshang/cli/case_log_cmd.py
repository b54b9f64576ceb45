"""``xieshang case note|log|receipt|checkpoint``: a case's evidence log from the command line —
record a contact, read and verify the log, take a signed receipt of its head, and (as the
instance) sign the periodic checkpoints.  See ``case_cmd`` for acting as a user and the exit
codes; ``log --verify`` also exits 1 when the log does not verify."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from xieshang.domain.errors import DomainError

from .agreement_case_cmd import AsOption, ForceOption, TotpOption, write_file
from .case_common import EXIT_REFUSED, ForPlatformOption, checked_id, session
from .common import JsonOption, LangOption, print_json, resolve_lang


def note(
    case_id: int = typer.Argument(..., help="The case."),
    kind: str = typer.Option("call_note", "--kind", help="call_note (default) or message."),
    text_: str = typer.Option(..., "--text", help="What was said or written."),
    person: str = typer.Option("", "--person", help="With whom (call notes)."),
    channel: str = typer.Option(
        "", "--channel", help="phone, sms, app, email, wechat, letter, visit or other."
    ),
    result: str = typer.Option("", "--result", help="What came of it."),
    at: str | None = typer.Option(
        None,
        "--at",
        help="When it happened: 2026-03-01 14:30 is China time, or give a zone (default: now).",
    ),
    for_platform: bool = ForPlatformOption,
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Record a contact in the case log: a call note (time, person, channel, what was said,
    result) or a message."""
    from xieshang.domain.evidence import entry_record
    from xieshang.i18n import text
    from xieshang.services.cases import NoteInput, add_note

    language = resolve_lang(lang)
    happened = None if at is None else parse_time(at)
    with session(email, totp, language) as (container, actor):
        entry = add_note(
            container.uow(),
            actor,
            checked_id(case_id, "case_id"),
            NoteInput(
                kind=kind,
                text=text_,
                at=happened,
                person=person,
                channel=channel,
                result=result,
                for_platform=for_platform,
            ),
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    if as_json:
        print_json(json.loads(_canonical(entry_record(entry))))
        return
    typer.echo(text("cases_note_added", language, seq=entry.seq, kind=entry.kind, hash=entry.hash))


def parse_time(value: str) -> datetime:
    """A contact's time: ISO with a zone, or without one as China time.

    >>> parse_time("2026-03-01 14:30").isoformat()
    '2026-03-01T14:30:00+08:00'
    """
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DomainError("cli.bad_value", field="at", option="--at", detail=value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return moment


def _canonical(value: object) -> bytes:
    from xieshang.domain.evidence import canonical_json

    return canonical_json(value)


# ---------------------------------------------------------------------------------------------
# the evidence log


def _summary(kind: str, body: Mapping[str, Any]) -> str:
    if kind == "state_change":
        before = f"{body['from']} " if body.get("from") else ""
        return f"{body.get('action', '')}: {before}→ {body.get('to', '')}"
    if kind in ("offer", "counter_offer"):
        return f"#{body.get('number', '')} ({body.get('by', '')})"
    if kind == "acceptance":
        return f"#{body.get('offer', '')}"
    if kind in ("message", "call_note", "refusal"):
        said = str(body.get("text", body.get("reason", "")))
        return said if len(said) <= 60 else said[:59] + "…"
    return ""


def log(
    case_id: int = typer.Argument(..., help="The case."),
    verify: bool = typer.Option(
        False, "--verify", help="Check every entry's hash and link; exit 1 if any fails."
    ),
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """The case's evidence log (append-only, hash-chained)."""
    from zoneinfo import ZoneInfo

    from xieshang.domain.evidence import entry_record
    from xieshang.i18n import message, text
    from xieshang.services.case_receipts import log_report

    language = resolve_lang(lang)
    with session(email, totp, language) as (container, actor):
        report = log_report(container.uow(), actor, checked_id(case_id, "case_id"))
    check = report.verification
    if as_json:
        entries = [json.loads(_canonical(entry_record(e))) for e in report.entries]
        receipts = [json.loads(_canonical(r.record())) for r in report.receipts]
        print_json({"entries": entries, "verification": check, "receipts": receipts})
    else:
        china = ZoneInfo("Asia/Shanghai")
        for e in report.entries:
            when = e.at.astimezone(china).strftime("%Y-%m-%d %H:%M")
            summary = _summary(e.kind, e.body)
            typer.echo(f"{e.seq:>4}  {when}  {e.kind:<13} {e.actor:<24} {summary}".rstrip())
        if verify and check.ok:
            typer.echo(text("cases_log_intact", language, length=check.length, head=check.head))
        elif verify:
            problem = message(check.problem or "evidence.head_mismatch", language)
            seq = "—" if check.first_bad_seq is None else check.first_bad_seq
            typer.echo(text("cases_log_broken", language, seq=seq, problem=problem))
    if verify and not check.ok:
        raise typer.Exit(EXIT_REFUSED)


def receipt(
    case_id: int = typer.Argument(..., help="The case."),
    out: Path = typer.Option(..., "--out", help="The receipt file (JSON) to write."),
    force: bool = ForceOption,
    email: str = AsOption,
    totp: str | None = TotpOption,
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """A receipt of the log's head, signed by the instance key, with the public key to
    check it offline."""
    from xieshang.i18n import text
    from xieshang.services.case_receipts import receipt_document, receipt_for_case

    language = resolve_lang(lang)
    if out.exists() and not force:  # before the receipt is issued and kept on record
        raise DomainError("file.exists", field="out", path=str(out))
    with session(email, totp, language) as (container, actor):
        key = container.instance_key
        signed = receipt_for_case(
            container.uow(),
            actor,
            checked_id(case_id, "case_id"),
            now=container.clock(),
            sign=key.sign,
        )
        document = receipt_document(
            signed, public_key_pem=key.public_key_pem(), fingerprint=key.fingerprint
        )
    data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_file(out, data, force=force)
    if as_json:
        print_json({"path": str(out), **document})
        return
    typer.echo(
        text(
            "cases_receipt_written",
            language,
            path=str(out),
            seq=document["seq"],
            head=document["head"],
            fingerprint=document["key_fingerprint"],
        )
    )


def checkpoint(as_json: bool = JsonOption, lang: str | None = LangOption) -> None:
    """As the instance: sign a checkpoint of every case whose log moved since its last one
    (run daily, e.g. from cron)."""
    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.case_receipts import checkpoint_all

    language = resolve_lang(lang)
    container = build_container(migrate=False)
    try:
        made = checkpoint_all(
            container.uow, now=container.clock(), sign=container.instance_key.sign
        )
    finally:
        container.close()
    if as_json:
        print_json({"checkpoints": made})
        return
    typer.echo(text("cases_checkpointed", language, count=made))
