"""The settlement certificate: golden text in both languages, a PDF with the facts and the CJK
font, and an honest word on what it rests on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from xieshang.documents.settlement import settlement_html, settlement_pdf, settlement_text

from .golden_files import assert_matches_golden
from .pdf_tools import pdf_fonts, pdf_text
from .samples import sample_settlement

LANGS = ("zh", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_example_certificate_matches_its_golden_text(lang):
    assert_matches_golden(f"settlement_{lang}.txt", settlement_text(sample_settlement(lang)))


def test_the_certificate_pdf_names_the_agreement_the_amount_and_the_day_it_was_settled(tmp_path):
    doc = sample_settlement("zh")
    pdf = settlement_pdf(doc)
    assert any("WenQuanYi" in f.name and f.embedded for f in pdf_fonts(pdf, tmp_path))
    text = pdf_text(pdf, tmp_path)
    for expected in ("结清证明", "张三", doc.agreement_ref, doc.agreement_sha256, "¥20,520.00"):
        assert expected in text, expected
    assert "2027年12月1日" in text


def test_the_same_certificate_gives_the_same_pdf_bytes():
    doc = sample_settlement("en")
    assert settlement_pdf(doc) == settlement_pdf(doc)


def test_a_certificate_for_an_external_lender_says_it_does_not_replace_the_lender_s_own():
    external = settlement_text(sample_settlement("en"))
    assert "does not replace a certificate issued by Party A" in external
    doc = sample_settlement("en")
    on_system = settlement_text(replace(doc, lender=replace(doc.lender, external=False)))
    assert "does not replace" not in on_system
    assert "based on the payments recorded in this system" in on_system


def test_a_certificate_without_payment_dates_leaves_those_lines_out():
    doc = sample_settlement("zh", first_paid_on=None, last_paid_on=None, payments_count=0)
    text = settlement_text(doc)
    assert "首笔还款日" not in text and "末笔还款日" not in text


def test_the_certificate_html_escapes_hostile_names():
    doc = sample_settlement("zh")
    hostile = "<img src=x onerror=alert(1)>"
    doc = replace(doc, borrower=replace(doc.borrower, name=hostile), agreement_ref=hostile)
    html = settlement_html(doc)
    assert "<img" not in html
    assert "&lt;img" in html
