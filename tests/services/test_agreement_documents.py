"""The agreement of a real case, as the services render it: golden text in Chinese (the
agreement's language) and English (the convenience translation), and the PDF the parties sign
with the CJK font embedded and the borrower, the total and the log head in its text; sealed
once both have signed."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from documents.golden_files import assert_matches_golden
from documents.pdf_tools import pdf_fonts, pdf_text
from support.data_world import SQLITE_ONLY
from support.negotiated_case import agreed_case, sign_both
from xieshang.documents.render import money_text
from xieshang.domain.errors import DomainError
from xieshang.security.pdf_seal import verify_sealed_pdf
from xieshang.services import agreements


def document(container, actor, case_id, fmt, lang=None):
    return agreements.agreement_document(
        container.uow(), container.blobs, actor, case_id, fmt=fmt, lang=lang
    )


@SQLITE_ONLY
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_agreement_text_of_a_fixed_case_matches_its_golden_file(container, world, lang):
    made = agreed_case(container, world)
    data, media = document(container, world.agent_a, made.case_id, "text", lang)
    assert media.startswith("text/plain")
    assert_matches_golden(f"case_agreement_{lang}.txt", data.decode("utf-8"))


@SQLITE_ONLY
def test_the_signed_pdf_embeds_the_cjk_font_and_shows_borrower_total_and_log_head(
    container, world, tmp_path
):
    made = agreed_case(container, world)
    deal = agreements.get_agreement(container.uow(), world.borrower, made.case_id)
    pdf, media = document(container, world.borrower, made.case_id, "pdf")
    assert media == "application/pdf" and hashlib.sha256(pdf).hexdigest() == deal.document_sha256
    fonts = pdf_fonts(pdf, tmp_path)
    assert any("WenQuanYi" in f.name and f.embedded for f in fonts), fonts
    text = pdf_text(pdf, tmp_path)
    total = sum((Decimal(str(r["payment"])) for r in deal.terms["schedule"]), Decimal(0))
    assert "li.ming" in text
    assert money_text(total).lstrip("¥") in text
    assert deal.terms["log_head"] in text
    html, _ = document(container, world.borrower, made.case_id, "html", "en")
    assert b"Negotiated Repayment Agreement" in html
    with pytest.raises(DomainError, match=r"agreement.format_unknown"):
        document(container, world.borrower, made.case_id, "docx")
    sign_both(container, world, made.case_id)
    sealed, _ = document(container, world.borrower, made.case_id, "pdf")
    assert sealed != pdf
    report = verify_sealed_pdf(sealed, public_key_pem=container.instance_key.public_key_pem())
    assert report.intact and report.signed_by_key
