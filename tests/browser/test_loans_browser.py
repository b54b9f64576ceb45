"""Loans in a real browser: a new borrower adds a loan through the form (a refused field first),
uploads a small PDF by choosing it and a picture by dropping it on the upload field, sees both
listed and previews them; the loan's page works at 360 px with no CSP refusal."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page

from xieshang.i18n import message, text

from .conftest import LiveApp, Shots

PNG_HEX = (
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea73581840000000049454e44ae426082"
)


def tiny_pdf(words: str = "Loan contract") -> bytes:
    """A valid one-page PDF (a line of text), its cross-reference table computed."""
    stream = f"BT /F1 24 Tf 72 720 Td ({words}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


SMALL_PDF = tiny_pdf()


def _sign_up(page: Page) -> None:
    page.goto("/signup")
    page.locator("#f-display_name").fill("王芳")
    page.locator("#f-email").fill(f"loans-{uuid.uuid4().hex[:10]}@browser.xieshang.test")
    page.locator("#f-password").fill("一个足够长的密码-慢慢还-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")


def _fill_loan(page: Page, principal: str) -> None:
    page.locator("#f-lender").fill("某消费金融公司")
    page.locator("#f-lender_type").select_option("consumer_finance")
    page.locator("#f-contract_date").fill("2025-06-10")
    page.locator("#f-start").fill("2025-06-10")
    page.locator("#f-principal").fill(principal)
    page.locator("#f-annual_rate").fill("23.9")
    page.locator("#f-months").fill("12")
    page.locator("#f-paid_installments").fill("3")
    page.locator("#f-fee_kind-0").fill("服务费")
    page.locator("#f-fee_amount-0").fill("300")
    page.locator("#f-fee_timing-0").select_option("deducted_upfront")


def test_a_new_borrower_adds_a_loan_uploads_a_pdf_and_a_picture_and_previews_them(
    page: Page, live_app: LiveApp, shots: Shots, tmp_path: Path
) -> None:
    refusals: list[str] = []

    def watch(msg: ConsoleMessage) -> None:
        if msg.type == "error" or "Refused" in msg.text:
            refusals.append(msg.text)

    page.on("console", watch)
    _sign_up(page)
    page.goto("/loans")
    assert page.locator("main h1").inner_text() == text("web_nav_loans", "zh")
    page.locator("main a[href='/loans/new']").click()
    page.wait_for_url("**/loans/new")

    # A refused field: the message beside it, everything typed kept.
    _fill_loan(page, "一万二")
    page.locator("form.loan-form button[type=submit]").click()
    error = page.locator("#e-principal")
    error.wait_for()
    assert error.inner_text() == message(
        "amount.not_a_number", "zh", field="principal", value="一万二"
    )
    assert page.locator("#f-principal").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-lender").input_value() == "某消费金融公司"
    assert page.locator("#f-contract_date").input_value() == "2025-06-10"
    assert page.locator("#f-fee_kind-0").input_value() == "服务费"
    assert page.locator("#f-fee_timing-0").input_value() == "deducted_upfront"
    shots.save(page, "loan-form-refused-zh")

    page.locator("#f-principal").fill("12,000")
    page.locator("form.loan-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/loans/\d+$"))
    loan_url = page.url
    assert page.locator("main h1").inner_text() == text(
        "web_loans_title", "zh", lender="某消费金融公司"
    )
    assert page.locator("table.schedule tbody tr").count() == 12
    assert page.locator("svg.chart[role=img]").count() == 1

    # Choose a PDF with the file input (no script needed for this path).
    pdf = tmp_path / "借款合同.pdf"
    pdf.write_bytes(SMALL_PDF)
    page.locator("#f-kind").select_option("contract")
    page.locator("#f-file").set_input_files(str(pdf))
    assert page.locator(".drop-status").inner_text() == text(
        "web_loans_file_chosen", "zh", name="借款合同.pdf"
    )
    page.locator("form.upload button[type=submit]").click()
    page.wait_for_url("**#documents")
    rows = page.locator("table.documents tbody tr")
    assert rows.count() == 1
    assert "借款合同.pdf" in rows.first.inner_text()
    assert text("web_loans_doc_contract", "zh") in rows.first.inner_text()

    # Drop a picture on the upload field: upload.js puts it into the file input.
    page.locator("#f-kind").select_option("repayment_record")
    page.evaluate(
        """hex => {
            const bytes = new Uint8Array(hex.match(/../g).map(h => parseInt(h, 16)));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "还款截图.png", {type: "image/png"}));
            const zone = document.querySelector(".drop-zone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }""",
        PNG_HEX,
    )
    assert page.locator("#f-file").evaluate("input => input.files[0].name") == "还款截图.png"
    page.locator("form.upload button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table.documents tbody tr").count() == 2
    shots.save(page, "loan-detail-zh")

    # Preview: the PDF in a frame of this site, the picture as an image.
    page.locator("table.documents a", has_text="借款合同.pdf").click()
    page.wait_for_url("**/documents/*")
    frame = page.locator("iframe.doc-frame")
    source = frame.get_attribute("src")
    assert source and source.startswith("/documents/") and source.endswith("/file")
    served = page.request.get(source)
    assert served.status == 200 and served.body() == SMALL_PDF
    assert served.headers["content-disposition"].startswith("inline")
    page.wait_for_timeout(1000)  # only so the screenshot shows the viewer's page drawn
    shots.save(page, "loan-document-pdf-zh")
    page.goto(loan_url)
    page.locator("table.documents a", has_text="还款截图.png").click()
    page.wait_for_url("**/documents/*")
    image = page.locator("img.doc-image")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1

    # At 360 px the loan's page scrolls only inside its tables.
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(loan_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shots.save(page, "loan-detail-360-zh")
    assert not [r for r in refusals if "Refused" in r or "Content Security Policy" in r], refusals


def test_a_file_over_the_limit_dropped_on_the_upload_field_is_refused_before_it_is_sent(
    page: Page, live_app: LiveApp
) -> None:
    _sign_up(page)
    page.goto("/loans/new")
    _fill_loan(page, "8000")
    page.locator("form.loan-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/loans/\d+$"))
    limit = live_app.container.settings.max_upload_bytes
    page.evaluate(
        """size => {
            const data = new DataTransfer();
            const big = new File([new Uint8Array(size)], "扫描件.pdf", {type: "application/pdf"});
            data.items.add(big);
            document.querySelector(".drop-zone")
                .dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }""",
        limit + 1,
    )
    status = page.locator(".drop-status")
    assert status.inner_text() == message("upload.too_large", "zh", max_bytes=limit)
    assert page.locator("#f-file").get_attribute("aria-invalid") == "true"
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.locator("form.upload button[type=submit]").click()
    page.wait_for_timeout(300)  # a request would have started at once
    assert posts == []
    assert page.locator("table.documents").count() == 0
    assert page.evaluate("document.activeElement.id") == "f-file"
