"""The documents service: uploads checked by content before anything is stored, blobs kept
once by SHA-256 and removed only with their last document, links only to the owner's loans,
and the ``documents`` consent for lender staff (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY
from support.pdf import tiny_pdf
from xieshang.domain.errors import DomainError
from xieshang.security.uploads import DocumentKind, UploadRejected
from xieshang.services import documents, sharing
from xieshang.services.documents import (
    delete_document,
    get_document,
    list_documents,
    read_document,
    upload_document,
)
from xieshang.services.loans import LoanInput, create_loan

PDF = tiny_pdf()


def upload(
    container,
    actor,
    borrower_id,
    data=PDF,
    *,
    filename="合同.pdf",
    kind="contract",
    loan_id=None,
    declared="application/pdf",
):
    return upload_document(
        container.uow(),
        container.blobs,
        actor,
        borrower_id,
        filename=filename,
        declared_type=declared,
        data=data,
        kind=kind,
        loan_id=loan_id,
        max_bytes=container.settings.max_upload_bytes,
        now=NOW,
    )


def a_loan(container, actor):
    data = LoanInput(
        lender="某银行",
        lender_type="bank",
        contract_date=NOW.date(),
        principal="10000",
        annual_rate="6",
        start=NOW.date(),
        months=12,
    )
    return create_loan(container.uow(), actor, actor.user_id, data, now=NOW)


def test_a_real_pdf_is_stored_by_its_hash_and_read_back_byte_for_byte(container, world):
    loan = a_loan(container, world.borrower)
    doc = upload(
        container, world.borrower, world.borrower.user_id, kind="借款合同", loan_id=loan.id
    )
    assert (doc.media_type, doc.kind, doc.size, doc.loan_id) == (
        "application/pdf",
        "contract",
        len(PDF),
        loan.id,
    )
    assert container.blobs.verify(doc.sha256)
    content = read_document(container.uow(), container.blobs, world.borrower, doc.id)
    assert content.data == PDF and content.document == doc


# Refused by the content checks before any write: the database adds nothing, SQLite suffices.
@SQLITE_ONLY
def test_html_renamed_to_pdf_oversize_and_empty_uploads_store_nothing(container, world):
    me = world.borrower.user_id
    cases = [
        (b"<html><script>alert(1)</script></html>", "upload.type_mismatch", 415),
        (b"%PDF-1.4\n" + b"0" * container.settings.max_upload_bytes, "upload.too_large", 413),
        (b"", "upload.empty", 422),
    ]
    for data, code, status in cases:
        with pytest.raises(UploadRejected) as caught:
            upload(container, world.borrower, me, data, filename="contract.pdf")
        assert (caught.value.code, caught.value.status) == (code, status)
    assert list(container.blobs.iter_all()) == []
    assert list_documents(container.uow(), world.borrower, me, limit=10, offset=0).total == 0


def test_a_path_traversal_name_is_stored_sanitised(container, world):
    doc = upload(
        container,
        world.borrower,
        world.borrower.user_id,
        filename="../../etc/passwd/..\\还款记录.pdf",
        kind="repayment_record",
    )
    assert doc.filename == "还款记录.pdf"


def test_a_document_cannot_be_linked_to_someone_elses_loan(container, world):
    theirs = a_loan(container, world.other_borrower)
    with pytest.raises(DomainError) as caught:
        upload(container, world.borrower, world.borrower.user_id, loan_id=theirs.id)
    assert (caught.value.code, caught.value.field) == ("access.not_found", "loan_id")
    assert list(container.blobs.iter_all()) == []


def test_a_statement_upload_is_stored_and_listed_with_its_kind(container, world):
    me = world.borrower.user_id
    by_code = upload(container, world.borrower, me, kind="statement", filename="对账单.pdf")
    by_label = upload(container, world.borrower, me, kind="对账单", filename="账单.pdf")
    assert by_code.kind == by_label.kind == "statement"
    page = list_documents(container.uow(), world.borrower, me, limit=10, offset=0)
    assert [(d.id, d.kind) for d in page.items] == [
        (by_code.id, "statement"),
        (by_label.id, "statement"),
    ]
    assert get_document(container.uow(), world.borrower, by_code.id) == by_code


def test_the_migrated_database_accepts_every_kind_the_upload_checks_offer(container, world):
    # A kind added to DocumentKind without a migration fails here, on the database's CHECK.
    for kind in DocumentKind:
        doc = upload(container, world.borrower, world.borrower.user_id, kind=kind.value)
        assert doc.kind == kind.value


# Refused while parsing the kind, before any database work: SQLite suffices.
@SQLITE_ONLY
def test_an_unknown_kind_is_refused(container, world):
    with pytest.raises(DomainError) as caught:
        upload(container, world.borrower, world.borrower.user_id, kind="selfie")
    assert caught.value.code == "document.kind_unknown"


def test_the_blob_goes_only_with_the_last_document_pointing_at_it(container, world):
    first = upload(container, world.borrower, world.borrower.user_id)
    second = upload(container, world.other_borrower, world.other_borrower.user_id)
    assert first.sha256 == second.sha256 and len(list(container.blobs.iter_all())) == 1
    delete_document(container.uow(), container.blobs, world.borrower, first.id)
    assert container.blobs.exists(first.sha256)
    assert (
        read_document(container.uow(), container.blobs, world.other_borrower, second.id).data == PDF
    )
    delete_document(container.uow(), container.blobs, world.other_borrower, second.id)
    assert not container.blobs.exists(first.sha256)


def test_a_failed_row_write_leaves_no_orphan_blob(container, world, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise DomainError("access.not_found", field="document")

    calls = {"n": 0}
    real = documents.require_write

    def second_check_fails(uow, actor, borrower_id, what):
        calls["n"] += 1
        if calls["n"] == 2:  # inside the transaction that writes the row
            refuse()
        real(uow, actor, borrower_id, what)

    monkeypatch.setattr(documents, "require_write", second_check_fails)
    with pytest.raises(DomainError):
        upload(container, world.borrower, world.borrower.user_id)
    assert list(container.blobs.iter_all()) == []


def test_lender_staff_read_documents_only_with_the_documents_consent(container, world):
    doc = upload(container, world.borrower, world.borrower.user_id)
    sharing.give_consent(
        container.uow(),
        world.borrower,
        organisation_id=world.org_a,
        scope="statement_summary",
        now=NOW,
    )
    for actor in (world.agent_a, world.agent_b, world.counselor, world.other_borrower):
        with pytest.raises(DomainError) as caught:
            get_document(container.uow(), actor, doc.id)
        assert caught.value.code == "access.not_found"
    sharing.give_consent(
        container.uow(), world.borrower, organisation_id=world.org_a, scope="documents", now=NOW
    )
    assert get_document(container.uow(), world.agent_a, doc.id) == doc
    page = list_documents(container.uow(), world.agent_a, world.borrower.user_id, limit=5, offset=0)
    assert [d.id for d in page.items] == [doc.id]
    with pytest.raises(DomainError):
        get_document(container.uow(), world.agent_b, doc.id)
    with pytest.raises(DomainError) as caught:
        delete_document(container.uow(), container.blobs, world.agent_a, doc.id)
    assert caught.value.code in ("access.forbidden", "access.not_found")
    assert container.blobs.exists(doc.sha256)
