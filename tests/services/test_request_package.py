"""The request package through the services, on SQLite and PostgreSQL: the borrower generates
the hardship statement and the request letter (zh and en) for a submitted case, edits one, sends
it — its PDF's digest and text go into the case log — and can change it no more; lender staff
read a letter only once it was sent.  Golden files hold the letters of a fixed case."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from documents.golden_files import assert_matches_golden
from documents.pdf_tools import pdf_fonts, pdf_text
from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY
from support.negotiated_case import submitted_case, terms
from xieshang.documents.render import money_text
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, verify_chain
from xieshang.services import cases, negotiation, request_package
from xieshang.services.request_package import letter_document

REASON = {
    "zh": "2026年6月本人被裁员，新工作月收入由约1.4万元降至8500元。",
    "en": "I was made redundant in June 2026; my new job pays 8,500 a month instead of 14,000.",
}


def generate(container, actor, case_id, **kwargs):
    return request_package.generate_letters(
        container.uow(), actor, case_id, reason=REASON["zh"], now=NOW, **kwargs
    )


def letter_of(views, kind, lang):
    return next(v for v in views if v.kind == kind and v.lang == lang)


def log_of(container, case_id):
    with container.uow() as uow:
        return uow.case_events.list_for_case(case_id)


def test_the_borrower_gets_both_letters_in_both_languages_from_the_request(container, world):
    made = submitted_case(container, world)
    views = generate(container, world.borrower, made.case_id, contact="138****5678")
    assert sorted((v.kind, v.lang) for v in views) == [
        ("hardship_statement", "en"),
        ("hardship_statement", "zh"),
        ("request_letter", "en"),
        ("request_letter", "zh"),
    ]
    assert not any(v.edited or v.sent for v in views)
    request_zh = letter_of(views, "request_letter", "zh")
    assert request_zh.title == "协商还款申请书"
    assert "Lender A" in request_zh.text and "138****5678" in request_zh.text
    # The amounts asked for are the submitted offer's, as the case computed them.
    offer = cases.get_offer(container.uow(), world.borrower, made.case_id, 1)
    owed_total = money_text(Decimal(offer.figures["loans"][0]["total_to_pay"]))
    assert owed_total in request_zh.text
    hardship = letter_of(views, "hardship_statement", "zh")
    assert REASON["zh"] in hardship.text and "¥11,700.00" in hardship.text  # 8500 + 3200 a month
    assert "li.ming" in letter_of(views, "hardship_statement", "en").text


def test_an_edited_letter_is_sent_as_edited_and_frozen_in_the_log(container, world, tmp_path):
    made = submitted_case(container, world)
    uow, b = container.uow, world.borrower
    views = generate(container, b, made.case_id)
    text = letter_of(views, "request_letter", "zh").text + "\n附：收入证明一份。\n"
    edited = request_package.edit_letter(
        uow(), b, made.case_id, "request_letter", lang="zh", text=text, now=NOW
    )
    assert edited.edited and edited.text == text
    # Regenerating keeps the borrower's edit (unless asked to replace it).
    again = generate(container, b, made.case_id)
    assert letter_of(again, "request_letter", "zh").text == text
    sent = request_package.send_letter(
        uow(),
        container.blobs,
        b,
        made.case_id,
        "request_letter",
        lang="zh",
        now=NOW,
        sign=container.instance_key.sign,
    )
    assert sent.sent and sent.text == text
    pdf, media = letter_document(
        uow(), container.blobs, b, made.case_id, "request_letter", lang="zh", fmt="pdf", now=NOW
    )
    assert media == "application/pdf"
    assert hashlib.sha256(pdf).hexdigest() == sent.sent_sha256
    assert "附：收入证明一份。" in pdf_text(pdf, tmp_path)
    assert any(f.embedded and "WenQuanYi" in f.name for f in pdf_fonts(pdf, tmp_path))
    entries = log_of(container, made.case_id)
    assert verify_chain(entries).ok
    event = entries[-1]
    assert event.kind == EntryKind.DOCUMENT and event.hash == sent.sent_event_hash
    assert event.body["sha256"] == sent.sent_sha256 and event.body["text"] == text
    assert event.body["edited"] is True and event.body["kind"] == "request_letter"
    for attempt in (
        lambda: request_package.edit_letter(
            uow(), b, made.case_id, "request_letter", lang="zh", text="换掉", now=NOW
        ),
        lambda: request_package.send_letter(
            uow(), container.blobs, b, made.case_id, "request_letter", lang="zh", now=NOW
        ),
    ):
        with pytest.raises(DomainError, match=r"letter.already_sent"):
            attempt()
    # Regenerating leaves a sent letter as it was sent, even when asked to replace edits.
    final = generate(container, b, made.case_id, replace_edited=True)
    assert letter_of(final, "request_letter", "zh").text == text
    assert len(log_of(container, made.case_id)) == len(entries)


def test_lender_staff_read_a_letter_only_once_it_was_sent_and_never_write_one(container, world):
    made = submitted_case(container, world)
    uow, b, agent = container.uow, world.borrower, world.agent_a
    generate(container, b, made.case_id)
    assert request_package.list_letters(uow(), agent, made.case_id) == ()
    with pytest.raises(DomainError, match=r"access.not_found"):
        request_package.get_letter(uow(), agent, made.case_id, "hardship_statement", lang="en")
    for attempt in (
        lambda: generate(container, agent, made.case_id),
        lambda: request_package.edit_letter(
            uow(), agent, made.case_id, "hardship_statement", lang="en", text="x", now=NOW
        ),
        lambda: request_package.send_letter(
            uow(), container.blobs, agent, made.case_id, "hardship_statement", lang="en", now=NOW
        ),
    ):
        with pytest.raises(DomainError, match=r"access.forbidden"):
            attempt()
    sent = request_package.send_letter(
        uow(), container.blobs, b, made.case_id, "hardship_statement", lang="en", now=NOW
    )
    seen = request_package.get_letter(uow(), agent, made.case_id, "hardship_statement", lang="en")
    assert seen.sent and seen.text == sent.text
    assert [v.lang for v in request_package.list_letters(uow(), agent, made.case_id)] == ["en"]
    # Another lender's agent and another borrower see nothing at all.
    for stranger in (world.agent_b, world.other_borrower):
        with pytest.raises(DomainError, match=r"access.not_found"):
            request_package.list_letters(uow(), stranger, made.case_id)


def test_the_letter_proposes_the_standing_offer_or_the_terms_given(container, world):
    made = submitted_case(container, world)
    uow, b = container.uow, world.borrower
    counter = negotiation.counter_offer(
        uow(), world.agent_a, made.case_id, terms=terms(made.loan_id, 6), now=NOW
    )

    def asked(views) -> str:
        return letter_of(views, "request_letter", "en").text

    standing = asked(generate(container, b, made.case_id))
    assert money_text(Decimal(counter.figures["loans"][0]["total_to_pay"])) in standing
    given = asked(generate(container, b, made.case_id, terms=terms(made.loan_id, 24)))
    assert given != standing
    with pytest.raises(DomainError) as refused:
        generate(container, b, made.case_id, terms={"start": "not a date", "loans": []})
    assert refused.value.code.startswith("offer.")


@SQLITE_ONLY
def test_without_a_statement_the_letters_are_refused_by_name(container, world):
    made = submitted_case(container, world)
    with container.uow() as uow:
        uow.statements.delete(uow.statements.get_for_borrower(world.borrower.user_id))
        uow.commit()
    with pytest.raises(DomainError, match=r"letter.statement_missing") as refused:
        generate(container, world.borrower, made.case_id)
    assert refused.value.field == "statement"


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("kind", "lang", "text", "code", "field"),
    [
        ("complaint", "zh", "x", "letter.kind_unknown", "kind"),
        ("request_letter", "fr", "x", "letter.lang_unknown", "lang"),
        ("request_letter", "zh", "  \n ", "letter.text_required", "text"),
        ("request_letter", "zh", "长" * 200_001, "letter.text_too_long", "text"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_field(container, world, kind, lang, text, code, field):
    made = submitted_case(container, world)
    generate(container, world.borrower, made.case_id)
    with pytest.raises(DomainError) as refused:
        request_package.edit_letter(
            container.uow(), world.borrower, made.case_id, kind, lang=lang, text=text, now=NOW
        )
    assert (refused.value.code, refused.value.field) == (code, field)


@SQLITE_ONLY
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_letters_of_a_fixed_case_match_their_golden_files(container, world, lang):
    made = submitted_case(container, world)
    request_package.generate_letters(
        container.uow(), world.borrower, made.case_id, reason=REASON[lang], now=NOW
    )
    for kind, name in (("hardship_statement", "hardship"), ("request_letter", "request")):
        data, media = letter_document(
            container.uow(),
            container.blobs,
            world.borrower,
            made.case_id,
            kind,
            lang=lang,
            fmt="text",
            now=NOW,
        )
        assert media.startswith("text/plain")
        assert_matches_golden(f"case_letter_{name}_{lang}.txt", data.decode("utf-8"))


@SQLITE_ONLY
def test_the_html_rendering_is_the_stored_text_escaped(container, world):
    made = submitted_case(container, world)
    uow, b = container.uow, world.borrower
    generate(container, b, made.case_id)
    request_package.edit_letter(
        uow(), b, made.case_id, "request_letter", lang="en", text="<script>x</script>", now=NOW
    )
    html, media = letter_document(
        uow(), container.blobs, b, made.case_id, "request_letter", lang="en", fmt="html", now=NOW
    )
    assert media.startswith("text/html")
    assert b"&lt;script&gt;x&lt;/script&gt;" in html and b"<script>" not in html
    with pytest.raises(DomainError, match=r"letter.format_unknown"):
        letter_document(
            uow(), container.blobs, b, made.case_id, "request_letter", lang="en", fmt="doc", now=NOW
        )
