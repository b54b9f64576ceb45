"""The rendering infrastructure: labels from the catalog, escaping, and PDFs that are
deterministic, self-contained and carry an embedded CJK font."""

from __future__ import annotations

import io
import struct
from datetime import date
from decimal import Decimal

import jinja2
import pytest
from pypdf import PdfReader

from xieshang.documents.render import (
    _pin_font_timestamps,
    date_text,
    label,
    money_text,
    page_counter_css,
    render_pdf,
    template_env,
)

from .pdf_tools import pdf_fonts, pdf_text

PAGE = """{% extends "base.html.j2" %}
{% block doc_title %}{{ t("total") }}{% endblock %}
{% block footer_right %}{{ ref | css_string }}{% endblock %}
{% block content %}<h1>{{ heading }}</h1><p>{{ amount | money }} · {{ day | day }}</p>
{{ extra | safe }}{% endblock %}
"""
MADE_ON = date(2026, 11, 29)


def page(lang: str = "zh", heading: str = "协商还款协议", extra: str = "") -> str:
    return (
        template_env()
        .from_string(PAGE)
        .render(
            lang=lang,
            heading=heading,
            ref="XS-2026-0001",
            amount=Decimal("12345.67"),
            day=MADE_ON,
            extra=extra,
        )
    )


def test_amounts_are_written_with_the_yuan_sign_and_thousands_separators():
    assert money_text(Decimal("12345.67")) == "¥12,345.67"
    assert money_text(Decimal("0")) == "¥0.00"
    assert money_text(Decimal("-0.5")) == "-¥0.50"


def test_dates_are_written_in_the_reader_s_language():
    assert date_text(MADE_ON, "zh") == "2026年11月29日"
    assert date_text(MADE_ON, "en") == "29 Nov 2026"
    assert date_text(date(2027, 1, 5), "en_US") == "5 Jan 2027"


def test_a_label_missing_from_the_catalog_is_an_error_not_a_silent_key():
    with pytest.raises(LookupError):
        label("doc_no_such_label", "zh")


def test_an_undefined_template_variable_is_an_error():
    with pytest.raises(jinja2.UndefinedError):
        template_env().from_string("{{ nothing.here }}").render(lang="zh")


def test_the_page_footer_counts_pages_in_the_reader_s_language():
    assert page_counter_css("zh") == '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    assert "counter(pages)" in page_counter_css("en")


def test_html_pages_escape_what_they_are_given():
    html = page(heading='<script>alert("x")</script>')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_hostile_footer_text_cannot_close_the_style_element():
    html = (
        template_env()
        .from_string(PAGE)
        .render(
            lang="en",
            heading="h",
            ref='</style><script>"',
            amount=Decimal(1),
            day=MADE_ON,
            extra="",
        )
    )
    assert "</style><script>" not in html


def test_the_pdf_embeds_the_cjk_font_and_its_text_can_be_extracted(tmp_path):
    pdf = render_pdf(page(), title="协商还款协议", made_on=MADE_ON)
    fonts = pdf_fonts(pdf, tmp_path)
    assert any("WenQuanYi" in f.name and f.embedded for f in fonts), fonts
    text = pdf_text(pdf, tmp_path)
    assert "协商还款协议" in text
    assert "¥12,345.67" in text
    assert "2026年11月29日" in text
    assert "XS-2026-0001" in text


def test_the_pdf_footer_numbers_the_pages(tmp_path):
    text = pdf_text(render_pdf(page("en"), title="t", made_on=MADE_ON), tmp_path)
    assert "Page 1 of 1" in text


def test_the_same_page_gives_the_same_pdf_bytes_even_when_the_clock_moves(monkeypatch):
    # The font subsetter stamps the embedded font with the clock (SOURCE_DATE_EPOCH when set):
    # move that clock between the renders, and the bytes must still be equal.
    html = page()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    first = render_pdf(html, title="协商还款协议", made_on=MADE_ON)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")
    second = render_pdf(html, title="协商还款协议", made_on=MADE_ON)
    assert first == second


def test_the_pdf_metadata_carries_the_title_and_the_date_it_was_made():
    pdf = render_pdf(page(), title="协商还款协议 XS-1", made_on=MADE_ON)
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None
    assert info.title == "协商还款协议 XS-1"
    assert info.creation_date is not None and info.creation_date.date() == MADE_ON
    assert info.modification_date is not None and info.modification_date.date() == MADE_ON
    other_day = render_pdf(page(), title="协商还款协议 XS-1", made_on=date(2026, 12, 1))
    assert other_day != pdf


def test_the_pdf_fetches_nothing_from_outside(tmp_path):
    css = tmp_path / "leak.css"
    css.write_text('h1::after { content: "LEAKED"; }', encoding="utf-8")
    extra = f'<link rel="stylesheet" href="{css.as_uri()}">'
    pdf = render_pdf(page(extra=extra), title="t", made_on=MADE_ON)
    assert "LEAKED" not in pdf_text(pdf, tmp_path)


def _font_with_head(created: int, modified: int) -> bytes:
    """A minimal sfnt: the table directory and one 54-byte ``head`` table."""
    head = bytearray(54)
    head[20:28] = struct.pack(">q", created)
    head[28:36] = struct.pack(">q", modified)
    directory = struct.pack(">4sHHHH", b"\x00\x01\x00\x00", 1, 16, 0, 0)
    record = struct.pack(">4sLLL", b"head", 0, 12 + 16, len(head))
    return directory + record + bytes(head) + b"\0\0"


def test_pinning_a_font_sets_its_modified_time_to_its_creation_time_and_fixes_checksums():
    font = _font_with_head(created=111, modified=999)
    pinned = _pin_font_timestamps(font)
    head = pinned[28 : 28 + 54]
    assert struct.unpack(">q", head[28:36])[0] == 111
    padded = pinned + b"\0" * (-len(pinned) % 4)
    whole = sum(struct.unpack(f">{len(padded) // 4}L", padded)) & 0xFFFFFFFF
    assert whole == 0xB1B0AFBA
    assert _pin_font_timestamps(_font_with_head(created=111, modified=5)) == pinned


def test_something_that_is_not_a_font_is_left_alone():
    assert _pin_font_timestamps(b"not a font at all") == b"not a font at all"
