"""Offers, agreements, signatures, payments, receipts, letters, collection contacts and lender
settings in the store: one repository contract on SQLite, PostgreSQL and the fake, and the
database itself refusing to change evidence (signatures, payments, receipts, sealed agreements).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from xieshang.store.models import (
    AgreementRow,
    CaseLetterRow,
    CaseReceiptRow,
    CaseRow,
    CollectionContactRow,
    LenderSettingsRow,
    OfferRow,
    Organisation,
    OrganisationKind,
    PaymentRow,
    Role,
    SignatureRow,
    User,
)
from xieshang.store.repositories import ConflictError

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
H = "a" * 64


def seed(uow) -> dict[str, int]:
    """A borrower, a lender organisation with an agent, a case, an offer and its agreement."""
    borrower = uow.users.add(
        User(email="b@example.com", display_name="李明", password_hash="h", role=Role.BORROWER)
    )
    org = uow.organisations.add(
        Organisation(
            name="某消费金融", kind=OrganisationKind.LENDER, licence_type="consumer_finance"
        )
    )
    agent = uow.users.add(
        User(
            email="a@example.com",
            display_name="王",
            password_hash="h",
            role=Role.AGENT,
            organisation_id=org.id,
        )
    )
    case = uow.cases.add(CaseRow(borrower_id=borrower.id, lender_organisation_id=org.id))
    offer = uow.offers.add(
        OfferRow(
            case_id=case.id,
            number=1,
            round=1,
            made_by="borrower",
            author_id=borrower.id,
            terms="{}",
            figures="{}",
            event_hash=H,
        )
    )
    agreement = uow.agreements.add(
        AgreementRow(case_id=case.id, offer_id=offer.id, lang="zh", terms="{}", document_sha256=H)
    )
    return {
        "borrower": borrower.id,
        "org": org.id,
        "agent": agent.id,
        "case": case.id,
        "offer": offer.id,
        "agreement": agreement.id,
    }


def payment(ids: dict[str, int], ref: str, amount: str = "100.00") -> PaymentRow:
    return PaymentRow(
        agreement_id=ids["agreement"],
        amount=Decimal(amount),
        paid_on=date(2026, 3, 5),
        channel="bank_transfer",
        external_ref=ref,
        recorded_by=ids["borrower"],
        event_hash=H,
    )


def test_every_negotiation_record_reads_back_the_same_on_each_store(any_uow):
    uow = any_uow()
    with uow:
        ids = seed(uow)
        uow.signatures.add(
            SignatureRow(
                agreement_id=ids["agreement"],
                party="borrower",
                signer_id=ids["borrower"],
                method="password",
                consent_text="我同意",
                document_sha256=H,
                signed_at=T0,
                event_hash=H,
            )
        )
        uow.payments.add(payment(ids, "R1", "120.50"))
        uow.receipts.add(
            CaseReceiptRow(
                case_id=ids["case"], kind="checkpoint", seq=1, head=H, at=T0, signature="c2ln"
            )
        )
        uow.letters.add(
            CaseLetterRow(case_id=ids["case"], kind="request_letter", lang="zh", text="申请书")
        )
        uow.collection_contacts.add(
            CollectionContactRow(
                borrower_id=ids["borrower"],
                at=T0,
                caller="催收员 138****0000",
                organisation_name="某催收公司",
                channel="call",
                contacted="family",
            )
        )
        uow.lender_settings.add(LenderSettingsRow(organisation_id=ids["org"], parameters="{}"))
        uow.commit()
    with any_uow() as uow:
        assert [o.number for o in uow.offers.list_for_case(ids["case"])] == [1]
        assert uow.offers.standing(ids["case"]).id == ids["offer"]
        assert uow.agreements.current(ids["case"]).id == ids["agreement"]
        assert [s.party for s in uow.signatures.list_for_agreement(ids["agreement"])] == [
            "borrower"
        ]
        paid = uow.payments.get_by_ref(ids["agreement"], "R1")
        assert paid is not None and paid.amount == Decimal("120.50")
        assert uow.payments.get_by_ref(ids["agreement"], "R2") is None
        assert [r.kind for r in uow.receipts.list_for_case(ids["case"], "checkpoint")] == [
            "checkpoint"
        ]
        assert uow.receipts.list_for_case(ids["case"], "receipt") == ()
        assert uow.letters.get_for(ids["case"], "request_letter", "zh").text == "申请书"
        contacts = uow.collection_contacts.all_for_borrower(ids["borrower"])
        assert [c.caller for c in contacts] == ["催收员 138****0000"]
        assert uow.collection_contacts.list_for_borrower(ids["borrower"]).total == 1
        assert uow.lender_settings.get(ids["org"]).parameters == "{}"


def test_a_second_payment_with_the_same_external_reference_is_refused(any_uow):
    uow = any_uow()
    with uow:
        ids = seed(uow)
        uow.payments.add(payment(ids, "R1"))
        uow.commit()
    with any_uow() as uow, pytest.raises(ConflictError) as caught:
        uow.payments.add(payment(ids, "R1", "55.00"))
    assert caught.value.constraint == "uq_payments_agreement_id_external_ref"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE payments SET amount = 1", "payments is append-only"),
        ("DELETE FROM payments", "payments is append-only"),
        ("UPDATE signatures SET consent_text = 'x'", "signatures is append-only"),
        ("DELETE FROM signatures", "signatures is append-only"),
        ("UPDATE case_receipts SET head = 'b'", "case_receipts is append-only"),
        ("DELETE FROM case_receipts", "case_receipts is append-only"),
        ("DELETE FROM agreements", "agreements is append-only"),
    ],
)
def test_the_database_refuses_to_change_or_remove_evidence(new_uow, engine, statement, message):
    uow = new_uow()
    with uow:
        ids = seed(uow)
        uow.payments.add(payment(ids, "R1"))
        uow.signatures.add(
            SignatureRow(
                agreement_id=ids["agreement"],
                party="lender",
                signer_id=ids["agent"],
                method="totp",
                consent_text="同意",
                document_sha256=H,
                signed_at=T0,
                event_hash=H,
            )
        )
        uow.receipts.add(
            CaseReceiptRow(
                case_id=ids["case"], kind="receipt", seq=1, head=H, at=T0, signature="c2ln"
            )
        )
        uow.commit()
    with pytest.raises(DatabaseError, match=message), engine.begin() as conn:
        conn.execute(text(statement))


def test_an_agreement_can_be_sealed_once_and_is_then_immutable(new_uow, engine):
    uow = new_uow()
    with uow:
        ids = seed(uow)
        uow.commit()
    with engine.begin() as conn:  # sealing is the one update an agreement takes
        conn.execute(
            text("UPDATE agreements SET sealed_sha256 = :h, status = 'sealed' WHERE id = :i"),
            {"h": "b" * 64, "i": ids["agreement"]},
        )
    with pytest.raises(DatabaseError, match="agreement is sealed"), engine.begin() as conn:
        conn.execute(text("UPDATE agreements SET terms = 'changed'"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT terms FROM agreements")).scalar_one() == "{}"
