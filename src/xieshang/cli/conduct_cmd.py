"""``xieshang conduct check CONTACTS.csv``: a collection-contact log checked against the rules,
file-based (no database), with an optional complaint draft.

Exit codes: 0 checked (flags or not); 2 bad input — a missing or malformed file, any bad row
(all bad rows are named by line in one message, and nothing is written), a complaint asked for
with nothing flagged.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from xieshang.domain.errors import DomainError
from xieshang.i18n import message, text

from .common import JsonOption, LangOption, print_json, read_csv_file, resolve_lang

if TYPE_CHECKING:
    from xieshang.domain.conduct import ConductRules
    from xieshang.services.conduct import ContactInput, FlagView, RecordedContact

REQUIRED = ("at", "channel", "contacted")
OPTIONAL = ("caller", "effective", "note", "organisation")
CHANNELS = ("call", "sms", "visit", "message", "other")
CONTACTED = ("debtor", "family", "employer", "other_third_party")
YES = {"", "1", "yes", "y", "true", "是", "接通", "已接通"}
NO = {"0", "no", "n", "false", "否", "未接通"}
SHOWN_BAD_ROWS = 10
COMPLAINT_TYPES = {".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf"}
MARKS = {"violation": "✗", "warning": "!", "info": "·"}

conduct_app = typer.Typer(
    help="Collection conduct: check a log of collection contacts against the rules.",
    no_args_is_help=True,
)


@conduct_app.command("check")
def check(
    file: Path = typer.Argument(
        ...,
        help=(
            "A CSV file with a header row.  Columns: at (required; 2025-03-01 22:30 is China "
            "time, or give a zone: 2025-03-01T22:30+08:00), channel (required: call, sms, "
            "visit, message, other — or 电话, 短信, 上门, 消息, 其他), contacted (required: "
            "debtor, family, employer, other_third_party — or 本人, 家人, 工作单位, "
            "其他第三方), caller (who called), effective (yes/no: did the call connect; "
            "default yes), note, organisation (the lender or agency; default --organisation)."
        ),
    ),
    complaint: Path | None = typer.Option(
        None,
        "--complaint",
        help="Also write a complaint draft from the flagged contacts (.txt, .html or .pdf).",
    ),
    organisation: str | None = typer.Option(
        None, "--organisation", help="Whom the complaint is to (required with --complaint)."
    ),
    borrower: str | None = typer.Option(
        None, "--borrower", help="Your name, to sign the complaint (required with --complaint)."
    ),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Flag contacts between 22:00 and 08:00, more than 3 calls in a day, and contacts with
    third parties, citing each rule; optionally draft the complaint letter."""
    from xieshang.data.conduct import load_conduct_rules
    from xieshang.services.conduct import review_recorded

    language = resolve_lang(lang)
    fmt = _complaint_format(complaint, organisation, borrower)
    rules = load_conduct_rules()
    records = read_contacts(file, rules, organisation, language)
    flags = review_recorded(records, rules)
    written = None
    if complaint is not None and organisation is not None and borrower is not None:
        _write_complaint(complaint, fmt, borrower, organisation, records, rules, language)
        written = str(complaint)
    if as_json:
        print_json(review_json(records, flags, rules, language, complaint=written))
    else:
        _print_review(records, flags, rules, language, complaint=written)


def _complaint_format(
    complaint: Path | None, organisation: str | None, borrower: str | None
) -> str | None:
    """Options checked before any file is read."""
    if complaint is None:
        return None
    if not (organisation or "").strip():
        raise DomainError("conduct.complaint_needs_organisation", field="organisation")
    if not (borrower or "").strip():
        raise DomainError("conduct.complaint_needs_borrower", field="borrower")
    fmt = COMPLAINT_TYPES.get(complaint.suffix.lower())
    if fmt is None:
        raise DomainError("conduct.complaint_file_type", field="complaint", path=str(complaint))
    return fmt


def _line_label(line: int, lang: str) -> str:
    """ "第3行：" or "line 3: " before what is said about a row."""
    label = text("conduct_line", lang, line=line)
    return label if lang == "zh" else label + " "


def _choice(value: str, codes: tuple[str, ...], label: str) -> str:
    """A code from its value or its zh/en label (``conduct_channel_call`` → 电话, call)."""
    wanted = value.strip().casefold()
    for code in codes:
        names = {code, text(f"{label}_{code}", "zh"), text(f"{label}_{code}", "en")}
        if wanted in {n.casefold() for n in names}:
            return code
    return value.strip()  # the domain names the unknown value


def _row_input(row: dict[str, str], organisation: str) -> ContactInput:
    from xieshang.services.conduct import ContactInput

    raw_at = row["at"]
    try:
        at = datetime.fromisoformat(raw_at.strip())
    except ValueError:
        raise DomainError("conduct.time_invalid", field="at", value=raw_at) from None
    effective = row.get("effective", "").strip().casefold()
    if effective not in YES | NO:
        raise DomainError("conduct.effective_invalid", field="effective", value=effective)
    return ContactInput(
        at=at,
        organisation=row.get("organisation") or organisation,
        channel=_choice(row["channel"], CHANNELS, "conduct_channel"),
        contacted=_choice(row["contacted"], CONTACTED, "conduct_contacted"),
        caller=row.get("caller", ""),
        effective=effective in YES,
        note=row.get("note", ""),
    )


def read_contacts(
    path: Path, rules: ConductRules, organisation: str | None, lang: str
) -> list[RecordedContact]:
    """Every row as a ``RecordedContact`` whose id is its line number; any bad row refuses the
    whole file, naming each bad line (up to ``SHOWN_BAD_ROWS``)."""
    from xieshang.services.conduct import RecordedContact, checked_contact

    rows = read_csv_file(path, columns=REQUIRED)
    if rows:
        unknown = sorted(set(rows[0][1]) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise DomainError(
                "conduct.csv_unknown_column",
                field="file",
                path=str(path),
                columns=",".join(unknown),
                known=",".join(REQUIRED + OPTIONAL),
            )
    default = (organisation or "").strip() or text("conduct_unnamed", lang)
    now = datetime.now(UTC)
    records: list[RecordedContact] = []
    bad: list[str] = []
    for line, row in rows:
        try:
            name, contact = checked_contact(_row_input(row, default), rules, now=now)
        except DomainError as exc:
            said = message(exc.code, lang, field=exc.field, **dict(exc.params))
            bad.append(_line_label(line, lang) + said)
            continue
        records.append(RecordedContact(line, name, contact))
    if bad:
        shown = bad[:SHOWN_BAD_ROWS]
        if len(bad) > SHOWN_BAD_ROWS:
            shown.append(text("conduct_more_rows", lang, n=len(bad) - SHOWN_BAD_ROWS))
        raise DomainError(
            "conduct.csv_rows_invalid",
            field="file",
            path=str(path),
            count=len(bad),
            detail=("；" if lang == "zh" else "; ").join(shown),
        )
    return records


def _write_complaint(
    path: Path,
    fmt: str | None,
    borrower: str,
    organisation: str,
    records: list[RecordedContact],
    rules: ConductRules,
    lang: str,
) -> None:
    """Draft and render first; then replace the file in one step (never half-written)."""
    from xieshang.services.conduct_complaint import draft_complaint, render_letter
    from xieshang.services.loans import local_today

    made_on = local_today(datetime.now(UTC))
    letter = draft_complaint(borrower, organisation, records, rules, lang=lang, made_on=made_on)
    rendered = render_letter(letter, fmt or "text", made_on=made_on)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DomainError("file.not_found", field="complaint", path=str(folder))
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".complaint-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(rendered.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# output


def _flag_json(flag: FlagView, lang: str) -> dict[str, Any]:
    return {
        "code": flag.code,
        "message": message(flag.code, lang),
        "rule_id": flag.rule_id,
        "organisation": flag.organisation,
        "day": flag.day,
        "severity": flag.severity,
        "confidence": flag.confidence,
        "citation": flag.citation_zh if lang == "zh" else flag.citation_en,
        "lines": list(flag.contact_ids),
    }


def review_json(
    records: list[RecordedContact],
    flags: tuple[FlagView, ...],
    rules: ConductRules,
    lang: str,
    *,
    complaint: str | None,
) -> dict[str, Any]:
    """The same keys as ``GET /api/conduct/review`` (``lines`` for its ``contact_ids``)."""
    retention = rules.record_retention
    return {
        "timezone": rules.timezone,
        "contacts_reviewed": len(records),
        "flags": [_flag_json(f, lang) for f in flags],
        "record_retention": None
        if retention is None
        else {
            "years": retention.years,
            "message": message("conduct.record_retention", lang),
            "confidence": retention.rule.confidence,
            "citation": retention.rule.citation_zh if lang == "zh" else retention.rule.citation_en,
        },
        "disclaimer": message("conduct.not_legal_advice", lang),
        "complaint": complaint,
    }


def _print_review(
    records: list[RecordedContact],
    flags: tuple[FlagView, ...],
    rules: ConductRules,
    lang: str,
    *,
    complaint: str | None,
) -> None:
    from xieshang.services.conduct_complaint import contact_local_time as local_time

    echo = typer.echo
    echo(
        text(
            "conduct_check_title",
            lang,
            contacts=len(records),
            flags=len(flags),
            timezone=rules.timezone,
        )
    )
    by_line = {r.id: r for r in records}
    if not flags:
        echo(text("conduct_no_flags", lang))
    for flag in flags:
        echo("")
        echo(f"{MARKS.get(flag.severity, '·')} {flag.day.isoformat()} · {flag.organisation}")
        echo(f"  {message(flag.code, lang)}")
        for line in flag.contact_ids:
            c = by_line[line].contact
            parts = [
                local_time(c.at, rules.timezone),
                text(f"conduct_channel_{c.channel.value}", lang),
                text(f"conduct_contacted_{c.contacted.value}", lang),
            ]
            if c.caller:
                parts.append(c.caller)
            echo("  " + _line_label(line, lang) + " · ".join(parts))
        citation = flag.citation_zh if lang == "zh" else flag.citation_en
        echo("  " + text("conduct_rule", lang, mark=flag.confidence, citation=citation))
    retention = rules.record_retention
    if retention is not None:
        citation = retention.rule.citation_zh if lang == "zh" else retention.rule.citation_en
        echo("")
        echo(f"· {message('conduct.record_retention', lang)}")
        echo("  " + text("conduct_rule", lang, mark=retention.rule.confidence, citation=citation))
    if complaint is not None:
        echo("")
        echo(text("conduct_complaint_written", lang, path=complaint))
    echo("")
    echo(message("conduct.not_legal_advice", lang))
