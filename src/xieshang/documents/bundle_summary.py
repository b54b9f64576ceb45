"""The readable summary page of an evidence bundle (``summary.zh.html``, ``summary.en.html``).

For people, not for proof: the parties and the state, the size and head of the log and what the
head means, every file with its SHA-256, and how to check the bundle with Xieshang or with
standard tools.  Deterministic: the same bundle content gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from xieshang.i18n import catalog, normalize_lang

from .bundle_format import FileFact, key_fingerprint
from .render import date_text, render_html

if TYPE_CHECKING:
    from .bundle import BundleContent

# Case times are shown in China Standard Time, the time the parties lived the case in.
CHINA_TIME = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """What the summary shows: the content, the log head, the listed files (without the
    summaries and the manifest) and the original names of the documents by member name."""

    content: BundleContent
    head: str
    files: tuple[FileFact, ...]
    titles: Mapping[str, str]


def time_text(moment: datetime, lang: str) -> str:
    """A moment in China Standard Time, in words.

    >>> from datetime import UTC
    >>> t = datetime(2026, 3, 1, 8, 5, 9, tzinfo=UTC)
    >>> time_text(t, "zh"), time_text(t, "en")
    ('2026年3月1日 16:05:09（北京时间）', '1 Mar 2026 16:05:09 (UTC+8)')
    """
    local = moment.astimezone(CHINA_TIME)
    clock = local.strftime("%H:%M:%S")
    if normalize_lang(lang) == "zh":
        return f"{date_text(local.date(), 'zh')} {clock}（北京时间）"
    return f"{date_text(local.date(), 'en')} {clock} (UTC+8)"


def state_label(state: str, lang: str) -> str:
    """The case state in words; a state without a label is shown as it is."""
    key = f"bundle_state_{state}"
    entry = catalog().get("ui", {}).get(key)
    return entry[normalize_lang(lang)] if isinstance(entry, dict) else state


def summary_html(facts: SummaryFacts, lang: str) -> bytes:
    """The summary page in ``lang`` as UTF-8 HTML."""
    content = facts.content
    page = render_html(
        "bundle_summary",
        lang,
        reference=content.case_reference,
        case_id=content.case_id,
        borrower=content.borrower,
        counterparty=content.counterparty,
        state=state_label(content.state, lang),
        created=time_text(content.created_at, lang),
        exported=time_text(content.exported_at, lang),
        events=len(content.entries),
        head=facts.head,
        checkpoints=len(content.checkpoints),
        receipts=len(content.receipts),
        payments=len(content.payments),
        fingerprint=key_fingerprint(content.public_key_pem),
        files=[(f, facts.titles.get(f.name, "")) for f in facts.files],
    )
    return page.encode("utf-8")
