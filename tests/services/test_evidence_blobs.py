"""Evidence never goes with an upload: deleting an uploaded document whose bytes equal the
sealed agreement (or a PDF the case log names) keeps the blob; an ordinary upload's blob goes."""

from __future__ import annotations

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, make_container, make_world
from support.sealed_case import sealed_case
from xieshang.services import agreements
from xieshang.services.documents import delete_document, upload_document


def upload(container, actor, data: bytes):
    return upload_document(
        container.uow(),
        container.blobs,
        actor,
        actor.user_id,
        filename="协议.pdf",
        declared_type="application/pdf",
        data=data,
        kind="contract",
        loan_id=None,
        max_bytes=10 * 1024 * 1024,
        now=NOW,
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_deleting_an_upload_of_the_sealed_agreement_keeps_the_agreement(
    request, tmp_path, database
):
    url = "" if database == "sqlite" else request.getfixturevalue("postgres_url")
    container = make_container(tmp_path, url)
    try:
        world = make_world(container)
        borrower = world.borrower
        case = sealed_case(container, borrower, now=NOW)
        for fmt_sha in ("document_sha256", "sealed_sha256"):
            deal = agreements.get_agreement(container.uow(), borrower, case.case_id)
            sha = getattr(deal, fmt_sha)
            assert sha is not None
            data = container.blobs.read(sha)
            doc = upload(container, borrower, data)
            delete_document(container.uow(), container.blobs, borrower, doc.id)
            assert container.blobs.exists(sha), fmt_sha
        pdf, _ = agreements.agreement_document(
            container.uow(), container.blobs, borrower, case.case_id, fmt="pdf"
        )
        assert pdf  # still readable after both deletions
        ordinary = upload(container, borrower, b"%PDF-1.4\n% just an upload\n%%EOF\n")
        delete_document(container.uow(), container.blobs, borrower, ordinary.id)
        assert not container.blobs.exists(ordinary.sha256)
    finally:
        container.close()
