"""The loans pages: the list and a loan's page show the figures the loans service computes (in
中文 and English), the schedule table adds up, the loan form refuses bad input beside the field
and keeps what was typed, and a loan's documents are uploaded (checked like the API's), listed,
previewed, served and deleted — only within the borrower's own file."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from html import unescape

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from web.world import SMALL_PDF, _borrower_with_case
from xieshang.i18n import message, text
from xieshang.present.numbers import money_text, percent
from xieshang.services import documents, loans

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
CONSUMER_LOAN = {
    "lender": "某消费金融公司",
    "lender_type": "consumer_finance",
    "contract_date": "2025-06-10",
    "start": "2025-06-10",
    "principal": "12,000",
    "annual_rate": "23.9",
    "months": "12",
    "method": "annuity",
    "day_count": "30/360",
    "paid_installments": "3",
    "deducted_interest": "",
    "overdue_rate": "",
    "default_charge": "",
    "lender_organisation_id": "",
}


@pytest.fixture
def borrower(people, new_browser):
    """A borrower logged in through the login form: (person, browser)."""
    person = people.logged_in("borrower")
    browser = new_browser()
    browser.log_in(person)
    return person, browser


def api_loan(people, person, **changes) -> int:
    body = {**private_loan_json(), **changes}
    response = people.client.post(
        f"/api/loans?borrower_id={person.id}", json=body, headers=person.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def detail_of(container, person, loan_id):
    today = loans.local_today(container.clock())
    return loans.get_loan(container.uow(), person.actor, loan_id, as_of=today)


def docs_of(container, person):
    return documents.list_documents(
        container.uow(), person.actor, person.id, limit=100, offset=0
    ).items


def cells(row_html: str) -> list[str]:
    """The text of each cell, tags removed and spaces collapsed."""
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found]


def table_rows(html: str, table_class: str) -> tuple[list[list[str]], list[list[str]]]:
    """(body rows, foot rows) of the table with this class, each row a list of cell texts."""
    table = re.search(rf'<table class="{table_class}"[^>]*>(.*?)</table>', html, re.S)
    assert table, f"no table.{table_class}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    foot = re.search(r"<tfoot>(.*?)</tfoot>", table.group(1), re.S)
    rows = lambda part: [cells(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S)]  # noqa: E731
    return rows(body.group(1) if body else ""), rows(foot.group(1) if foot else "")


def yuan(cell: str) -> Decimal:
    return Decimal(cell.replace("¥", "").replace(",", ""))


def field_error(html: str, name: str) -> str:
    found = re.search(
        rf'<p class="error" id="e-{re.escape(name)}" role="alert">(.*?)</p>', html, re.S
    )
    assert found, f"no error beside {name}"
    return unescape(found.group(1)).strip()


def input_value(html: str, name: str) -> str:
    found = re.search(rf'<input id="f-{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert found, f"no input {name}"
    return unescape(found.group(1))


# ---------------------------------------------------------------- list and detail


def test_the_list_shows_each_loan_with_the_figures_the_loans_service_computes(
    borrower, people, container
):
    person, web = borrower
    private = api_loan(people, person)
    consumer = api_loan(
        people,
        person,
        lender="某消费金融公司",
        lender_type="consumer_finance",
        contract_date="2026-01-05",
        start="2026-01-05",
        principal="12000",
        annual_rate="18",
        months=12,
        method="annuity",
        paid_installments=1,
        deducted_interest="0",
        overdue_rate=None,
    )
    page = web.get("/loans")
    assert page.status_code == 200
    body, _ = table_rows(page.text, "loans-table")
    assert len(body) == 2
    shown = {row[0].split(" ")[0]: row for row in body}
    for loan_id in (private, consumer):
        detail = detail_of(container, person, loan_id)
        loan = detail.view.loan
        row = shown[loan.lender.split(" ")[0]]
        assert f'href="/loans/{loan_id}"' in page.text
        assert row[1] == text(f"lt_{loan.lender_type.value}", "zh")
        assert row[2] == money_text(loan.principal)
        assert row[3] == money_text(detail.standing.position.total_owed)
        assert row[5] == str(detail.standing.days_overdue)
        if detail.assessment.amount_above_cap > 0:
            assert money_text(detail.assessment.amount_above_cap) in row[6]
            assert text("web_risk_above_cap", "zh") in row[6]
        else:
            assert row[6] == text("web_loans_within_cap", "zh")
    # The private loan's 24 % penalty on a 4×LPR cap: above the cap, and overdue.
    assert detail_of(container, person, private).assessment.amount_above_cap > 0
    web.post("/lang", {"lang": "en", "next": "/loans"})
    english = web.get("/loans").text
    assert text("web_loans_next_due", "en") in english and text("lt_private", "en") in english


def test_a_loans_page_shows_its_terms_true_apr_and_the_legal_finding_with_the_article(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    detail = detail_of(container, person, loan_id)
    a = detail.assessment
    html = unescape(web.get(f"/loans/{loan_id}").text)
    assert percent(a.apr.apr_simple) in html and percent(a.apr.apr_compound) in html
    assert money_text(a.amount_above_cap) in html
    assert money_text(detail.view.loan.received) in html
    assert text(f"regime_{a.regime_id}", "zh") in html
    assert a.findings, "the example private loan has findings"
    for finding in a.findings:
        assert finding.explanation_zh in html
        assert finding.citation in html
    assert message(a.disclaimer, "zh") in html
    assert money_text(detail.standing.position.total_owed) in html
    web.post("/lang", {"lang": "en", "next": f"/loans/{loan_id}"})
    english = unescape(web.get(f"/loans/{loan_id}").text)
    for finding in a.findings:
        assert finding.explanation_en in english and finding.explanation_zh not in english
    assert text(f"regime_{a.regime_id}", "en") in english


def test_the_schedule_table_rows_add_up_to_its_totals_row_and_to_the_services_totals(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(
        people,
        person,
        method="annuity",
        months=12,
        fees=[{"kind": "service", "amount": "30", "timing": "per_installment"}],
    )
    schedule = detail_of(container, person, loan_id).schedule
    body, foot = table_rows(web.get(f"/loans/{loan_id}").text, "schedule")
    assert len(body) == len(schedule.rows) == 12
    # Columns: No., due date, payment, principal, interest, fee, balance.
    for column, total in ((2, "total_payment"), (3, "total_principal"), (4, "total_interest"),
                          (5, "total_fees")):  # fmt: skip
        summed = sum((yuan(row[column]) for row in body), Decimal(0))
        assert summed == yuan(foot[0][column - 1]) == getattr(schedule, total), total
    for row, installment in zip(body, schedule.rows, strict=True):
        assert yuan(row[6]) == installment.balance
    assert yuan(body[-1][6]) == 0


def test_the_amounts_of_the_tables_are_right_aligned(borrower, people):
    person, web = borrower
    loan_id = api_loan(people, person)
    html = web.get(f"/loans/{loan_id}").text
    schedule = re.search(r'<table class="schedule".*?</table>', html, re.S).group(0)
    assert schedule.count('<td class="num">¥') >= 4 * 12
    listing = web.get("/loans").text
    assert '<td class="num">¥' in listing


def test_a_loans_page_draws_its_balance_as_a_chart_beside_the_table(borrower, people):
    person, web = borrower
    loan_id = api_loan(people, person)
    html = web.get(f"/loans/{loan_id}").text
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S)
    assert svg and 'role="img"' in svg.group(0)
    assert "<title id=" in svg.group(0) and text("web_loans_chart_title", "zh") in svg.group(0)
    assert "style=" not in svg.group(0)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script (CSP)"


def test_a_loan_in_negotiation_says_so_and_its_terms_cannot_be_changed(people, new_browser):
    lender = people.organisation("lender", "Lender Here")
    person = people.logged_in("borrower")
    people.client.put(
        f"/api/statement?borrower_id={person.id}",
        json=STATEMENT,
        headers=person.headers,
    )
    loan_id, case_id = _borrower_with_case(people, person, "出借人丙", lender)
    web = new_browser()
    web.log_in(person)
    page = web.get(f"/loans/{loan_id}").text
    assert f"协商案件 {case_id}" in page
    form = web.get(f"/loans/{loan_id}/edit")
    assert form.status_code == 200 and input_value(form.text, "lender") == "出借人丙"
    data = {**CONSUMER_LOAN, "lender": "出借人丙（改）"}
    refused = web.post(f"/loans/{loan_id}/edit", data)
    assert refused.status_code == 400
    assert message("loan.in_negotiation", "zh", field="loan_id", value=case_id) in unescape(
        refused.text
    )
    assert input_value(refused.text, "lender") == "出借人丙（改）"


# ---------------------------------------------------------------- the loan form


def test_a_borrower_adds_a_loan_through_the_form_and_lands_on_its_page(borrower, container):
    person, web = borrower
    assert web.get("/loans/new").status_code == 200
    response = web.post("/loans/new", CONSUMER_LOAN)
    assert response.status_code == 303
    loan_id = int(response.headers["location"].rsplit("/", 1)[1])
    stored = detail_of(container, person, loan_id).view.loan
    assert stored.lender == "某消费金融公司" and stored.principal == Decimal("12000.00")
    assert stored.annual_rate == Decimal("0.239") and stored.months == 12
    assert stored.paid_installments == 3
    assert web.get(response.headers["location"]).status_code == 200


def test_a_refused_loan_form_shows_the_error_beside_the_field_and_keeps_what_was_typed(
    borrower, container
):
    person, web = borrower
    refused = web.post("/loans/new", {**CONSUMER_LOAN, "principal": "一万二"})
    assert refused.status_code == 400
    assert field_error(refused.text, "principal") == message(
        "amount.not_a_number", "zh", field="principal", value="一万二"
    )
    assert input_value(refused.text, "principal") == "一万二"
    assert input_value(refused.text, "lender") == "某消费金融公司"
    assert input_value(refused.text, "annual_rate") == "23.9"
    assert 'aria-invalid="true" aria-describedby="e-principal"' in refused.text
    assert loans.list_loans(container.uow(), person.actor, person.id, limit=10, offset=0).total == 0

    missing = web.post("/loans/new", {**CONSUMER_LOAN, "start": ""})
    assert field_error(missing.text, "start") == message("case.field_required", "zh", field="start")
    late = web.post("/loans/new", {**CONSUMER_LOAN, "first_due": "2025-06-01"})
    assert field_error(late.text, "first_due") == message(
        "loan.first_due_not_after_start", "zh", field="first_due"
    )
    web.post("/lang", {"lang": "en", "next": "/loans/new"})
    english = web.post("/loans/new", {**CONSUMER_LOAN, "months": "twelve"})
    assert english.status_code == 400
    assert field_error(english.text, "months") == message(
        "cli.bad_integer", "en", field="months", value="twelve"
    )
    assert input_value(english.text, "months") == "twelve"


def test_fees_and_a_contracts_own_schedule_are_taken_from_the_form(borrower, container):
    person, web = borrower
    form = {
        **CONSUMER_LOAN,
        "months": "",
        "paid_installments": "0",
        "annual_rate": "12",
        "principal": "3000",
        "fee_kind": ["服务费", "", ""],
        "fee_amount": ["20", "", ""],
        "fee_timing": ["per_installment", "", ""],
        "fee_on": ["", "", ""],
        "rows": "2025-07-10 1030.00 1000.00 30.00 2000.00\n"
        "2025-08-10, 1,020.00, 1000.00, 20.00, 1000.00\n"
        "2025-09-10\t1010.00\t1000.00\t10.00\t0.00",
    }
    response = web.client.post(
        "/loans/new",
        data={**form, "csrf_token": web.token},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    loan_id = int(response.headers["location"].rsplit("/", 1)[1])
    loan = detail_of(container, person, loan_id).view.loan
    assert loan.method.value == "manual" and loan.months == 3
    assert [r.payment for r in loan.manual_rows] == [Decimal("1030.00"), Decimal("1020.00"),
                                                    Decimal("1010.00")]  # fmt: skip
    assert [(f.kind, f.amount, f.timing.value) for f in loan.fees] == [
        ("服务费", Decimal("20.00"), "per_installment")
    ]
    # The edit form gives the same loan back.
    edit = web.get(f"/loans/{loan_id}/edit").text
    assert input_value(edit, "fee_amount-0") == "20.00"
    assert "2025-08-10 1020.00 1000.00 20.00 1000.00" in edit


def test_a_bad_fee_line_or_schedule_line_is_pointed_out_where_it_is(borrower):
    _, web = borrower
    fee = web.client.post(
        "/loans/new",
        data={
            **CONSUMER_LOAN,
            "fee_kind": ["担保费", "会员费"],
            "fee_amount": ["100", "很多"],
            "fee_timing": ["deducted_upfront", "paid_upfront"],
            "fee_on": ["", ""],
            "csrf_token": web.token,
        },
        headers={"Accept": "text/html"},
    )
    assert fee.status_code == 400
    assert field_error(fee.text, "fee_1") == message(
        "amount.not_a_number", "zh", field="fees[1].amount", value="很多"
    )
    assert input_value(fee.text, "fee_amount-1") == "很多"
    assert input_value(fee.text, "fee_kind-0") == "担保费"
    rows = web.post("/loans/new", {**CONSUMER_LOAN, "months": "", "rows": "2025-07-10 1030"})
    assert rows.status_code == 400
    assert field_error(rows.text, "rows") == message(
        "web.loans_row_shape", "zh", field="rows[0]", line=1, count=2
    )
    assert "2025-07-10 1030</textarea>" in rows.text


def test_a_borrower_changes_a_loans_terms_through_the_form(borrower, people, container):
    person, web = borrower
    loan_id = api_loan(people, person)
    form = web.get(f"/loans/{loan_id}/edit").text
    assert input_value(form, "principal") == "50000.00"
    assert input_value(form, "annual_rate") == "14.4"
    response = web.post(f"/loans/{loan_id}/edit", {**CONSUMER_LOAN, "principal": "11000"})
    assert response.status_code == 303 and response.headers["location"] == f"/loans/{loan_id}"
    assert detail_of(container, person, loan_id).view.loan.principal == Decimal("11000.00")


def test_a_counselor_adds_a_loan_to_the_clients_file_they_work_on(people, new_browser, container):
    owner = people.logged_in("borrower")
    counseling = people.organisation("counseling", "Counseling Centre")
    counselor = people.logged_in("counselor", counseling)
    granted = people.client.post(
        "/api/sharing/grants", json={"counselor_id": counselor.id}, headers=owner.headers
    )
    assert granted.status_code == 201, granted.text
    web = new_browser()
    web.log_in(counselor)
    assert web.post(f"/clients/{owner.id}/switch", {}).status_code == 303
    assert web.post("/loans/new", CONSUMER_LOAN).status_code == 303
    found = loans.list_loans(container.uow(), owner.actor, owner.id, limit=10, offset=0)
    assert [v.loan.lender for v in found.items] == ["某消费金融公司"]


# ---------------------------------------------------------------- documents


def upload(web, loan_id, name, data, media_type, kind="contract"):
    return web.client.post(
        f"/loans/{loan_id}/documents",
        data={"kind": kind, "csrf_token": web.token},
        files={"file": (name, data, media_type)},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )


def test_a_pdf_and_a_png_are_uploaded_listed_previewed_and_served_inline(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}")
    pdf = upload(web, loan_id, "借款合同.pdf", SMALL_PDF, "application/pdf")
    assert pdf.status_code == 303 and pdf.headers["location"] == f"/loans/{loan_id}#documents"
    png = upload(web, loan_id, "还款截图.png", PNG_BYTES, "image/png", kind="repayment_record")
    assert png.status_code == 303
    stored = {d.filename: d for d in docs_of(container, person)}
    assert set(stored) == {"借款合同.pdf", "还款截图.png"}
    assert all(d.loan_id == loan_id for d in stored.values())

    body, _ = table_rows(web.get(f"/loans/{loan_id}").text, "documents")
    listed = {row[0]: row for row in body}
    assert listed["借款合同.pdf"][1] == text("web_loans_doc_contract", "zh")
    assert listed["还款截图.png"][1] == text("web_loans_doc_repayment_record", "zh")
    assert listed["借款合同.pdf"][2] == f"{len(SMALL_PDF)} B"

    pdf_doc, png_doc = stored["借款合同.pdf"], stored["还款截图.png"]
    preview = web.get(f"/loans/{loan_id}/documents/{pdf_doc.id}").text
    assert f'<iframe class="doc-frame" src="/documents/{pdf_doc.id}/file"' in preview
    image = web.get(f"/loans/{loan_id}/documents/{png_doc.id}").text
    assert f'<img class="doc-image" src="/documents/{png_doc.id}/file"' in image

    served = web.get(f"/documents/{pdf_doc.id}/file")
    assert served.status_code == 200 and served.content == SMALL_PDF
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("inline;")
    assert "frame-ancestors 'self'" in served.headers["content-security-policy"]
    assert served.headers["x-frame-options"] == "SAMEORIGIN"
    assert served.headers["x-content-type-options"] == "nosniff"
    picture = web.get(f"/documents/{png_doc.id}/file")
    assert picture.content == PNG_BYTES and picture.headers["content-type"] == "image/png"
    assert "sandbox" in picture.headers["content-security-policy"]


def test_a_text_document_is_served_only_as_an_attachment(borrower, people):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}")
    csv = "日期,金额\n2025-09-01,4000.00\n".encode()
    assert upload(web, loan_id, "还款记录.csv", csv, "text/csv").status_code == 303
    doc_id = re.search(rf"/loans/{loan_id}/documents/(\d+)", web.get(f"/loans/{loan_id}").text)
    served = web.get(f"/documents/{doc_id.group(1)}/file")
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]
    preview = web.get(f"/loans/{loan_id}/documents/{doc_id.group(1)}").text
    assert text("web_loans_no_preview", "zh") in preview and "<iframe" not in preview


def test_an_oversize_upload_is_refused_with_a_clear_message_and_nothing_is_stored(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}")
    limit = container.settings.max_upload_bytes
    big = SMALL_PDF + b"0" * (limit + 1 - len(SMALL_PDF))
    refused = upload(web, loan_id, "大文件.pdf", big, "application/pdf", kind="statement")
    assert refused.status_code == 413
    assert field_error(refused.text, "file") == message("upload.too_large", "zh", max_bytes=limit)
    assert '<option value="statement" selected>' in refused.text  # the type chosen is kept
    assert docs_of(container, person) == ()
    assert not container.blobs.exists(hashlib.sha256(big[: limit + 1]).hexdigest())


def test_a_file_whose_content_is_not_what_its_name_says_is_refused_in_the_users_language(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.post("/lang", {"lang": "en", "next": f"/loans/{loan_id}"})
    web.get(f"/loans/{loan_id}")
    refused = upload(web, loan_id, "contract.pdf", b"<html><script>x</script>", "application/pdf")
    assert refused.status_code == 415  # as the API answers
    assert field_error(refused.text, "file").startswith("the file's content (text/html)")
    zipped = upload(web, loan_id, "scan.zip", b"PK\x03\x04" + b"\x00" * 40, "application/zip")
    assert zipped.status_code == 415
    assert field_error(zipped.text, "file") == message(
        "upload.type_not_allowed", "en", detected="application/zip"
    )
    nothing = web.client.post(
        f"/loans/{loan_id}/documents",
        data={"kind": "contract", "csrf_token": web.token},
        files={"file": ("", b"", "application/octet-stream")},
        headers={"Accept": "text/html"},
    )
    assert nothing.status_code == 400
    assert field_error(nothing.text, "file") == message("upload.missing", "en")
    assert docs_of(container, person) == ()


def test_the_other_borrower_can_neither_see_nor_download_nor_delete_your_document(
    borrower, people, new_browser, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}")
    assert upload(web, loan_id, "合同.pdf", SMALL_PDF, "application/pdf").status_code == 303
    (doc,) = docs_of(container, person)
    other = new_browser()
    other.log_in(people.logged_in("borrower"))
    for path in (
        f"/loans/{loan_id}",
        f"/loans/{loan_id}/documents/{doc.id}",
        f"/documents/{doc.id}/file",
    ):
        refused = other.get(path)
        assert refused.status_code == 404, path
        assert SMALL_PDF not in refused.content and "合同.pdf" not in refused.text
    assert other.post(f"/documents/{doc.id}/delete", {"confirm": "yes"}).status_code == 404
    assert docs_of(container, person) == (doc,)


def test_a_document_is_deleted_only_once_the_deletion_is_confirmed(borrower, people, container):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}")
    assert upload(web, loan_id, "合同.pdf", SMALL_PDF, "application/pdf").status_code == 303
    (doc,) = docs_of(container, person)
    web.get(f"/loans/{loan_id}/documents/{doc.id}")
    unconfirmed = web.post(f"/documents/{doc.id}/delete", {})
    assert unconfirmed.status_code == 400
    assert field_error(unconfirmed.text, "confirm") == message("web.loans_delete_unconfirmed", "zh")
    assert docs_of(container, person) == (doc,)
    deleted = web.post(f"/documents/{doc.id}/delete", {"confirm": "yes"})
    assert (
        deleted.status_code == 303 and deleted.headers["location"] == f"/loans/{loan_id}#documents"
    )
    assert docs_of(container, person) == ()
    assert web.get(f"/documents/{doc.id}/file").status_code == 404


def test_a_loan_is_deleted_only_once_confirmed_and_never_while_a_case_refers_to_it(
    borrower, people, container
):
    person, web = borrower
    loan_id = api_loan(people, person)
    web.get(f"/loans/{loan_id}/edit")
    unconfirmed = web.post(f"/loans/{loan_id}/delete", {})
    assert unconfirmed.status_code == 400
    assert field_error(unconfirmed.text, "delete") == message(
        "web.loans_delete_loan_unconfirmed", "zh"
    )
    assert input_value(unconfirmed.text, "lender") == "张某（个人出借人）"
    deleted = web.post(f"/loans/{loan_id}/delete", {"confirm": "yes"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/loans"
    assert loans.list_loans(container.uow(), person.actor, person.id, limit=10, offset=0).total == 0

    lender = people.organisation("lender", "Lender Here")
    people.client.put(
        f"/api/statement?borrower_id={person.id}", json=STATEMENT, headers=person.headers
    )
    in_case, case_id = _borrower_with_case(people, person, "出借人丁", lender)
    web.get(f"/loans/{in_case}/edit")
    kept = web.post(f"/loans/{in_case}/delete", {"confirm": "yes"})
    assert kept.status_code == 400
    assert field_error(kept.text, "delete") == message(
        "loan.in_case", "zh", field="loan_id", value=case_id
    )
    assert detail_of(container, person, in_case).view.id == in_case


def test_a_loan_recorded_before_its_value_date_shows_its_schedule_and_says_so(
    borrower, people, container
):
    person, web = borrower
    today = loans.local_today(container.clock())
    later = today.replace(year=today.year + 1).isoformat()
    loan_id = api_loan(people, person, contract_date=later, start=later, paid_installments=0)
    listing = web.get("/loans").text
    assert text("web_loans_not_started", "zh") in listing
    page = web.get(f"/loans/{loan_id}")
    assert page.status_code == 200
    body, _ = table_rows(page.text, "schedule")
    assert len(body) == 12 and "row-overdue" not in page.text
