"""The evidence bundle of a real case, exported through the services on SQLite and PostgreSQL and
checked offline with ``xieshang evidence verify``: open → submit → counter → accept → sign both
→ a payment, with a sent letter and an uploaded contract.  The untouched bundle is intact; one
changed byte makes it fail."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY
from support.negotiated_case import TODAY, agreed_case, sign_both, submitted_case
from support.pdf import tiny_pdf
from xieshang.cli.main import run
from xieshang.domain.errors import DomainError
from xieshang.services import agreements, case_export, payments, request_package, sharing
from xieshang.services.documents import upload_document
from xieshang.services.payments import PaymentInput
from xieshang.services.repayment import settlement_digest


def export(container, actor, case_id) -> bytes:
    return case_export.export_bundle(
        container.uow(), container.blobs, actor, case_id, key=container.instance_key, now=NOW
    )


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return {name: z.read(name) for name in z.namelist()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(tmp_path, bundle: bytes, *args: str) -> int:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    return run(["evidence", "verify", str(path), "--lang", "en", *args])


def repaid_case(container, world):
    """The whole story: a contract uploaded, the request letter sent, the agent's counter
    accepted, both signatures, the first payment."""
    b = world.borrower
    made = agreed_case(container, world)
    contract = upload_document(
        container.uow(),
        container.blobs,
        b,
        b.user_id,
        filename="借款合同.pdf",
        declared_type="application/pdf",
        data=tiny_pdf("Contract 1"),
        kind="contract",
        loan_id=made.loan_id,
        max_bytes=64 * 1024,
        now=NOW,
    )
    request_package.generate_letters(container.uow(), b, made.case_id, reason="失业", now=NOW)
    letter = request_package.send_letter(
        container.uow(),
        container.blobs,
        b,
        made.case_id,
        "request_letter",
        lang="zh",
        now=NOW,
        sign=container.instance_key.sign,
    )
    sign_both(container, world, made.case_id)
    deal = agreements.get_agreement(container.uow(), b, made.case_id)
    first = deal.terms["schedule"][0]
    payments.record_payment(
        container.uow(),
        container.blobs,
        b,
        made.case_id,
        PaymentInput(
            amount=first["payment"],
            paid_on=TODAY,
            channel="bank_transfer",
            external_ref="TX-0001",
        ),
        now=NOW,
        sign=container.instance_key.sign,
    )
    return made, contract, letter, deal


def test_an_exported_case_is_intact_offline_and_one_changed_byte_fails(
    container, world, tmp_path, capsys
):
    made, contract, letter, deal = repaid_case(container, world)
    bundle = export(container, world.borrower, made.case_id)
    files = members(bundle)
    # The sealed agreement, the PDF the parties signed, the sent letter, the upload.
    assert sha(files["agreement.pdf"]) == deal.sealed_sha256
    documents = {sha(data): name for name, data in files.items() if name.startswith("documents/")}
    assert {deal.document_sha256, letter.sent_sha256, contract.sha256} <= set(documents)
    payment = json.loads(files["payments.jsonl"].splitlines()[0])
    assert payment["ref"] == "TX-0001" and len(payment["event_hash"]) == 64
    assert (
        files["public_key.pem"].decode()
        == container.instance_key.public_key_pem().rstrip("\n") + "\n"
    )
    manifest = json.loads(files["manifest.json"])
    assert manifest["case_reference"] == f"XS-{made.case_id}"
    summary = files["summary.en.html"].decode()
    assert "l******" in summary and "li.ming" not in summary
    key = tmp_path / "instance.pem"
    key.write_text(container.instance_key.public_key_pem(), encoding="ascii")
    capsys.readouterr()
    assert verify(tmp_path, bundle, "--public-key", str(key)) == 0
    assert capsys.readouterr().out.startswith("intact")
    # One changed byte — in the payment's log entry, or inside the sealed agreement — fails,
    # naming the first item that does.
    for marker, named in ((b"TX-0001", "log.jsonl entry"), (b"/ByteRange", "agreement.pdf")):
        changed = bytearray(bundle)
        changed[bundle.index(marker)] ^= 0x01
        assert verify(tmp_path, bytes(changed), "--public-key", str(key)) == 1
        assert named in capsys.readouterr().out


def test_the_operator_s_export_equals_the_borrower_s_and_lender_staff_get_no_uploads(
    container, world
):
    made, contract, _, _ = repaid_case(container, world)
    mine = export(container, world.borrower, made.case_id)
    operator = case_export.export_bundle_as_operator(
        container.uow(), container.blobs, made.case_id, key=container.instance_key, now=NOW
    )
    assert operator == mine
    theirs = members(export(container, world.agent_a, made.case_id))
    assert contract.sha256 not in {sha(d) for d in theirs.values()}
    assert theirs["log.jsonl"] == members(mine)["log.jsonl"]
    # With the borrower's consent to share documents, the agent's bundle has the upload too.
    sharing.give_consent(
        container.uow(), world.borrower, organisation_id=world.org_a, scope="documents", now=NOW
    )
    shared = members(export(container, world.agent_a, made.case_id))
    assert contract.sha256 in {sha(d) for d in shared.values()}
    for stranger in (world.agent_b, world.other_borrower):
        with pytest.raises(DomainError, match=r"access.not_found"):
            export(container, stranger, made.case_id)


@SQLITE_ONLY
def test_a_case_still_in_negotiation_exports_its_log_without_an_agreement(
    container, world, tmp_path
):
    made = submitted_case(container, world)
    files = members(export(container, world.borrower, made.case_id))
    assert "agreement.pdf" not in files and files["payments.jsonl"] == b""
    assert len(files["log.jsonl"].splitlines()) == 3  # opened, submitted, the offer
    assert verify(tmp_path, export(container, world.borrower, made.case_id)) == 0
    with pytest.raises(DomainError, match=r"access.not_found"):
        case_export.export_bundle_as_operator(
            container.uow(), container.blobs, 999_999, key=container.instance_key, now=NOW
        )


@SQLITE_ONLY
def test_a_completed_case_s_bundle_carries_the_settlement_certificate(container, world, tmp_path):
    made = agreed_case(container, world)
    sign_both(container, world, made.case_id)
    deal = agreements.get_agreement(container.uow(), world.borrower, made.case_id)
    everything = sum(Decimal(str(r["payment"])) for r in deal.terms["schedule"])
    outcome = payments.record_payment(
        container.uow(),
        container.blobs,
        world.borrower,
        made.case_id,
        PaymentInput(
            amount=everything, paid_on=TODAY, channel="bank_transfer", external_ref="TX-ALL"
        ),
        now=NOW,
        sign=container.instance_key.sign,
    )
    assert outcome.case_state == "completed"
    with container.uow() as uow:
        certificate = settlement_digest(uow, made.case_id)
    bundle = export(container, world.borrower, made.case_id)
    files = members(bundle)
    named = {sha(data): name for name, data in files.items()}
    assert certificate is not None and named[certificate].endswith(".pdf")
    assert named[certificate].startswith("documents/") and "settlement" in named[certificate]
    assert verify(tmp_path, bundle) == 0
