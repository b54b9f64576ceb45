"""The negotiated repayment agreement: golden text in both languages, a PDF with the CJK font
embedded and the facts a reader must find in it, a schedule table that adds up, and names that
cannot break the page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.documents.agreement import (
    agreement_html,
    agreement_pdf,
    agreement_text,
    allocation_sentence,
    concession_clauses,
    consent_text,
)
from xieshang.domain.amortization import annuity_schedule, equal_principal_schedule
from xieshang.domain.concessions import (
    FirstPayment,
    HolidayInterest,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from xieshang.domain.ledger import AllocationOrder, Component
from xieshang.domain.schedule import Schedule

from .golden_files import assert_matches_golden
from .pdf_tools import pdf_fonts, pdf_text
from .samples import HEAD, sample_agreement

LANGS = ("zh", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_example_agreement_matches_its_golden_text(lang):
    assert_matches_golden(f"agreement_{lang}.txt", agreement_text(sample_agreement(lang)))


@pytest.mark.parametrize("lang", LANGS)
def test_the_agreement_states_every_term_the_parties_agreed(lang):
    doc = sample_agreement(lang)
    text = agreement_text(doc)
    for expected in (
        doc.ref,
        doc.borrower.name,
        doc.lender.name,
        "HT-2024-000381",
        "¥21,870.50",  # owed before
        "¥20,520.00",  # total to pay, first payment included
        "¥1,350.50",  # the penalty waived
        "19,520.00",  # the schedule's total
        HEAD,
        consent_text(lang),
        *doc.legal_notes,
        *concession_clauses(doc.loans[0].proposal, lang),
    ):
        assert expected in text, expected
    assert ("3 天" if lang == "zh" else "3 days") in text
    assert ("60 天" if lang == "zh" else "60 days") in text


@pytest.fixture(scope="module")
def zh_pdf() -> bytes:
    return agreement_pdf(sample_agreement("zh"))


def test_the_agreement_pdf_embeds_the_chinese_font_and_carries_the_key_facts(zh_pdf, tmp_path):
    doc = sample_agreement("zh")
    fonts = pdf_fonts(zh_pdf, tmp_path)
    assert any("WenQuanYi" in f.name and f.embedded for f in fonts), fonts
    assert all(f.embedded for f in fonts), fonts
    text = pdf_text(zh_pdf, tmp_path)
    assert "协商还款协议" in text
    assert doc.borrower.name in text
    assert doc.lender.name in text
    assert "19,520.00" in text
    assert HEAD in text
    assert "第 1 页 / 共" in text or "第1页/共" in text


def test_the_english_agreement_pdf_carries_the_key_facts(tmp_path):
    doc = sample_agreement("en")
    text = pdf_text(agreement_pdf(doc), tmp_path)
    assert "Negotiated Repayment Agreement" in text
    assert "Zhang San" in text
    assert "19,520.00" in text
    assert HEAD in text
    assert "Page 1 of" in text


def test_the_same_agreement_gives_the_same_pdf_bytes(zh_pdf):
    assert agreement_pdf(sample_agreement("zh")) == zh_pdf


def test_a_signer_confirms_a_consent_sentence_in_their_language():
    assert consent_text("zh").startswith(
        "我已阅读并同意本协议全部条款，确认以上签署出于本人真实意愿"
    )
    assert consent_text("en").startswith("I have read and agree to all the terms")
    custom = agreement_text(sample_agreement("en", consent="I agree."))
    assert "I agree." in custom
    assert consent_text("en") not in custom


EVERY_CONCESSION = (
    Proposal((Settlement(Decimal("0.6"), 3), FirstPayment(Decimal("500")))),
    Proposal((InterestStop(36), Waiver("penalty"), Waiver("fees", fraction=Decimal("0.5")))),
    Proposal((TermExtension(6), RateReduction(Decimal("0.072")), ReAgeing(4))),
    Proposal((TermExtension(12, include_overdue_principal=True),)),
    Proposal((Waiver("overdue_interest", amount=Decimal("800")), Waiver("interest"))),
    *(Proposal((PaymentHoliday(3, mode),)) for mode in HolidayInterest),
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "proposal", EVERY_CONCESSION, ids=lambda p: "+".join(c.kind for c in p.concessions)
)
def test_every_concession_is_written_out_in_full(proposal, lang):
    clauses = concession_clauses(proposal, lang)
    assert len(clauses) == len(proposal.concessions)
    for clause in clauses:
        assert "{" not in clause and "doc_" not in clause and "item_" not in clause, clause
    assert len(set(clauses)) == len(clauses)


def test_the_concession_clauses_state_the_numbers_agreed():
    words = " | ".join(concession_clauses(EVERY_CONCESSION[0], "zh"))
    assert "60.00%" in words and "3 期" in words and "¥500.00" in words
    words = " | ".join(concession_clauses(EVERY_CONCESSION[2], "en"))
    assert "6 months" in words and "7.20%" in words and "4 installments" in words
    words = " | ".join(concession_clauses(EVERY_CONCESSION[4], "en"))
    assert "¥800.00" in words and "overdue interest" in words


def test_every_holiday_interest_mode_reads_differently():
    clauses = {concession_clauses(p, "zh")[0] for p in EVERY_CONCESSION[5:]}
    assert len(clauses) == len(HolidayInterest)


def test_the_allocation_order_is_written_as_agreed():
    order = AllocationOrder((Component.PRINCIPAL, Component.INTEREST, Component.FEE))
    assert "principal → interest → fees" in allocation_sentence(order, "en")
    text = agreement_text(sample_agreement("zh", allocation_order=order))
    assert "本金 → 利息 → 费用" in text


def test_without_legal_notes_the_sections_are_numbered_without_a_gap():
    text = agreement_text(sample_agreement("zh", legal_notes=()))
    assert "法律提示" not in text
    assert "四、协商记录" in text and "五、签署" in text
    text = agreement_text(sample_agreement("en", legal_notes=()))
    assert "4. The negotiation record" in text and "5. Signatures" in text


def test_no_grace_days_is_said_plainly_and_an_on_system_lender_is_not_called_external():
    doc = sample_agreement("zh", grace_days=0)
    doc = replace(doc, lender=replace(doc.lender, external=False))
    text = agreement_text(doc)
    assert "不设宽限期" in text
    assert "甲方未使用本系统" not in text


# ---------------------------------------------------------------------------------------------
# The schedule table adds up


AMOUNT = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d{2}$")


def _number(cell: str) -> Decimal:
    assert AMOUNT.match(cell), cell
    return Decimal(cell.replace(",", ""))


def _html_table_rows(html: str) -> list[list[str]]:
    body = html.split('<table class="schedule">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [[c.strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)] for r in rows]


schedules = st.builds(
    lambda builder, fen, rate_bp, months, day, fees: _with_fees(
        builder(Decimal(fen) / 100, Decimal(rate_bp) / 10000, months, day), fees
    ),
    st.sampled_from([annuity_schedule, equal_principal_schedule]),
    st.integers(min_value=100, max_value=50_000_000),
    st.integers(min_value=0, max_value=3600),
    st.integers(min_value=1, max_value=36),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.lists(st.integers(min_value=0, max_value=9_999), max_size=36),
)


def _with_fees(schedule: Schedule, fees: list[int]) -> Schedule:
    """Add a fee (fen) to the first rows, paid with them: payment = principal + interest + fee."""
    rows = tuple(
        replace(r, fee=Decimal(f) / 100, payment=r.payment + Decimal(f) / 100)
        if (f := (fees[i] if i < len(fees) else 0))
        else r
        for i, r in enumerate(schedule.rows)
    )
    return replace(schedule, rows=rows)


@settings(max_examples=60, deadline=None)
@given(schedules, st.sampled_from(LANGS))
def test_the_schedule_table_total_equals_the_schedule_total_and_its_rows_sum(schedule, lang):
    html = agreement_html(sample_agreement(lang, schedule=schedule))
    _header, *rows, total = _html_table_rows(html)
    assert len(rows) == len(schedule.rows)
    for column, expected in (
        (2, schedule.total_payment),
        (3, schedule.total_principal),
        (4, schedule.total_interest),
        (5, schedule.total_fees),
    ):
        assert _number(total[column]) == expected
        assert sum((_number(r[column]) for r in rows), Decimal(0)) == expected
    assert sum((r.payment for r in schedule.rows), Decimal(0)) == schedule.total_payment


@settings(max_examples=30, deadline=None)
@given(schedules)
def test_the_text_schedule_total_row_equals_the_schedule_total(schedule):
    text = agreement_text(sample_agreement("en", schedule=schedule))
    total_line = next(line for line in text.splitlines() if line.startswith("Total "))
    cells = total_line.split()
    assert _number(cells[1]) == schedule.total_payment
    assert _number(cells[2]) == schedule.total_principal
    assert _number(cells[3]) == schedule.total_interest
    assert _number(cells[4]) == schedule.total_fees


# ---------------------------------------------------------------------------------------------
# Names from outside


HOSTILE = '<script>alert("x")</script>'


def test_the_html_escapes_hostile_names_everywhere_they_appear():
    doc = sample_agreement("zh")
    doc = replace(
        doc,
        borrower=replace(doc.borrower, name=HOSTILE),
        lender=replace(doc.lender, name=HOSTILE, detail=HOSTILE),
        loans=(replace(doc.loans[0], label=HOSTILE, contract_no=HOSTILE),),
        legal_notes=(HOSTILE,),
        ref=HOSTILE,
    )
    html = agreement_html(doc)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 7
    assert HOSTILE in agreement_text(doc)  # plain text keeps the name as given


def test_very_long_and_non_bmp_names_render_to_pdf(tmp_path):
    doc = sample_agreement("zh")
    long_name = "𠀀" + "很长的名字" * 60
    doc = replace(
        doc,
        borrower=replace(doc.borrower, name="𠀀𠀁 张"),
        lender=replace(doc.lender, name=long_name),
        loans=(replace(doc.loans[0], label="A" * 600),),
    )
    pdf = agreement_pdf(doc)
    text = pdf_text(pdf, tmp_path)
    assert "𠀀𠀁 张" in text
    assert "协商还款协议" in text
