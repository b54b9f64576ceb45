"""Repayment under a sealed agreement through the services, on SQLite and PostgreSQL: payments
recorded by either side, the ledger replayed after every step (its invariants checked
independently), the case moving signed → active → completed with a settlement certificate,
or → breached when the agreement's rule is met — also seen on a read, with nothing posted."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from documents.pdf_tools import pdf_fonts, pdf_text
from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY, World
from support.loan_inputs import example, loan_input
from support.pdf import tiny_pdf
from support.sealed_case import SealedCase, invariants_hold, sealed_case
from xieshang.bootstrap import Container
from xieshang.documents.bundle import verify_bundle
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, verify_chain
from xieshang.security.signing import public_verifier
from xieshang.services import cases, payments
from xieshang.services.case_export import export_bundle_as_operator
from xieshang.services.documents import upload_document
from xieshang.services.loans import create_loan
from xieshang.services.payments import PaymentInput


def at(day: date) -> datetime:
    """Ten in the morning, China time, on ``day``."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def pay(
    container: Container,
    actor,
    sealed: SealedCase,
    amount: Decimal | str,
    day: date,
    ref: str,
    *,
    channel: str = "bank_transfer",
    now: datetime | None = None,
    **kwargs,
) -> payments.PaymentOutcome:
    return payments.record_payment(
        container.uow(),
        container.blobs,
        actor,
        sealed.case_id,
        PaymentInput(amount=amount, paid_on=day, channel=channel, external_ref=ref, **kwargs),
        now=now or at(day),
        sign=container.instance_key.sign,
    )


def state_of(container: Container, actor, case_id: int, day: date) -> str:
    return cases.get_case(container.uow(), actor, case_id, now=at(day)).state


def log_of(container: Container, case_id: int):
    with container.uow() as uow:
        entries = uow.case_events.list_for_case(case_id)
    assert verify_chain(entries).ok
    return entries


@pytest.fixture
def here(container: Container, world: World) -> SealedCase:
    return sealed_case(
        container, world.borrower, now=NOW, agent=world.agent_a, organisation_id=world.org_a
    )


@pytest.fixture
def external(container: Container, world: World) -> SealedCase:
    return sealed_case(container, world.borrower, now=NOW)


def test_paying_every_installment_completes_the_case_with_a_settlement_certificate(
    container, world, here, tmp_path
):
    b, a = world.borrower, world.agent_a
    assert state_of(container, b, here.case_id, NOW.date()) == "signed"
    rows = here.dues
    for i, (due, amount) in enumerate(rows):
        # The sides take turns recording, as either may.
        who = b if i % 2 == 0 else a
        outcome = pay(container, who, here, amount, due, f"TX-{i + 1}")
        assert outcome.created and outcome.payment.amount == amount
        state = invariants_hold(container, here.case_id)
        assert state.total_paid == sum((r[1] for r in rows[: i + 1]), Decimal("0.00"))
        expected = "completed" if i == len(rows) - 1 else "active"
        assert outcome.case_state == expected
        assert state_of(container, b, here.case_id, due) == expected
        ledger = payments.ledger_view(container.uow(), a, here.case_id, today=due)
        assert [x.status for x in ledger.installments[: i + 1]] == ["paid"] * (i + 1)
        assert ledger.total_paid + ledger.outstanding == ledger.total_due
    ledger = payments.ledger_view(container.uow(), b, here.case_id, today=rows[-1][0])
    assert ledger.status == "completed" and ledger.outstanding == 0 and ledger.unapplied == 0
    assert ledger.settlement_sha256 is not None
    pdf = payments.settlement_certificate(container.uow(), container.blobs, a, here.case_id)
    text = pdf_text(pdf, tmp_path)
    total = f"{ledger.total_paid:,.2f}"
    assert "结清证明" in text and total in text, text
    assert any(f.embedded and "WenQuanYi" in f.name for f in pdf_fonts(pdf, tmp_path))
    entries = log_of(container, here.case_id)
    moves = [e.body.get("action") for e in entries if e.kind == EntryKind.STATE_CHANGE]
    assert moves[-2:] == ["activate", "complete"] or moves[-1] == "complete"
    assert "activate" in moves
    documents = [e for e in entries if e.kind == EntryKind.DOCUMENT]
    assert documents[-1].body["kind"] == "settlement_certificate"
    assert documents[-1].body["sha256"] == ledger.settlement_sha256
    assert sum(1 for e in entries if e.kind == EntryKind.PAYMENT) == len(rows)


def test_a_payment_is_one_log_event_and_one_row_naming_it(container, world, here):
    due, amount = here.dues[0]
    outcome = pay(container, world.borrower, here, amount, due, "支付宝-2026120100001")
    entries = log_of(container, here.case_id)
    event = next(e for e in entries if e.kind == EntryKind.PAYMENT)
    assert event.hash == outcome.payment.event_hash
    assert event.body["ref"] == "支付宝-2026120100001" and event.body["amount"] == str(amount)
    assert event.body["paid_on"] == due.isoformat() and event.body["channel"] == "bank_transfer"
    assert event.body["recorded_by"] == f"borrower:{world.borrower.user_id}"
    # The records the evidence bundle takes are the events' bodies with their hash.
    records = payments.payment_records(container.uow(), world.agent_a, here.case_id)
    assert records == ({**dict(event.body), "event_hash": event.hash},)
    listed = payments.list_payments(container.uow(), world.agent_a, here.case_id)
    assert [p.ref for p in listed] == ["支付宝-2026120100001"]


def test_the_same_reference_again_is_the_same_payment_and_different_details_are_a_conflict(
    container, world, here
):
    due, amount = here.dues[0]
    first = pay(container, world.borrower, here, amount, due, "TX-1")
    again = pay(
        container, world.agent_a, here, str(amount), due, "TX-1", now=at(due) + timedelta(hours=1)
    )
    assert not again.created and again.payment.id == first.payment.id
    for changed in (
        {"amount": amount + Decimal("0.01")},
        {"day": due - timedelta(days=1)},
        {"channel": "alipay"},
    ):
        args = {"amount": amount, "day": due, "channel": "bank_transfer", **changed}
        with pytest.raises(DomainError, match=r"payment.reference_conflict"):
            pay(
                container,
                world.borrower,
                here,
                args["amount"],
                args["day"],
                "TX-1",
                channel=args["channel"],
                now=at(due),
            )
    assert len(payments.list_payments(container.uow(), world.borrower, here.case_id)) == 1
    assert sum(1 for e in log_of(container, here.case_id) if e.kind == EntryKind.PAYMENT) == 1
    invariants_hold(container, here.case_id)


def test_missed_installments_show_as_breach_on_a_read_with_nothing_posted(
    container, world, external
):
    b = world.borrower
    rows = external.dues
    pay(container, b, external, rows[0][1], rows[0][0], "TX-1")
    # Within the grace days the second installment is late, not yet a breach.
    late_day = rows[1][0] + timedelta(days=2)
    late = payments.ledger_view(container.uow(), b, external.case_id, today=late_day)
    assert late.status == "late" and late.installments[1].status == "late"
    assert not payments.refresh(
        container.uow(), container.blobs, b, external.case_id, now=at(late_day)
    )
    assert state_of(container, b, external.case_id, late_day) == "active"
    # Two installments beyond the grace days: the rule (2 overdue) is met.
    breach_day = rows[2][0] + timedelta(days=4)
    assert payments.refresh(
        container.uow(), container.blobs, b, external.case_id, now=at(breach_day)
    )
    assert state_of(container, b, external.case_id, breach_day) == "breached"
    entries = log_of(container, external.case_id)
    breach = entries[-1]
    assert breach.actor == "instance" and breach.body["action"] == "breach"
    assert breach.body["reasons"] == ("ledger.breach.overdue_installments",)
    assert breach.body["overdue_installments"] == 2
    # A second read changes nothing; a payment is no longer taken under a breached agreement.
    assert not payments.refresh(
        container.uow(), container.blobs, b, external.case_id, now=at(breach_day)
    )
    with pytest.raises(DomainError, match=r"payment.case_not_repaying"):
        pay(container, b, external, rows[1][1], breach_day, "TX-2")
    invariants_hold(container, external.case_id)


@SQLITE_ONLY
def test_a_plan_never_paid_becomes_active_when_it_starts_and_breached_after_the_days_limit(
    container, world, external
):
    b = world.borrower
    first_due = external.dues[0][0]
    assert not payments.refresh(
        container.uow(), container.blobs, b, external.case_id, now=at(first_due - timedelta(days=1))
    )
    assert payments.refresh(
        container.uow(), container.blobs, b, external.case_id, now=at(first_due)
    )
    assert state_of(container, b, external.case_id, first_due) == "active"
    log = log_of(container, external.case_id)
    assert log[-1].body["reason"] == "schedule_started"
    # One installment alone, more than 45 days unpaid: the days rule.
    day = first_due + timedelta(days=46)
    ledger = payments.ledger_view(container.uow(), b, external.case_id, today=day)
    assert ledger.status == "breached" and "ledger.breach.days_overdue" in ledger.reasons


@SQLITE_ONLY
def test_an_overpayment_completes_the_plan_and_leaves_the_rest_as_unapplied_credit(
    container, world, external
):
    due, _ = external.dues[0]
    total = sum((r[1] for r in external.dues), Decimal("0.00"))
    outcome = pay(container, world.borrower, external, total + Decimal("100.00"), due, "ALL")
    assert outcome.case_state == "completed"
    ledger = payments.ledger_view(container.uow(), world.borrower, external.case_id, today=due)
    assert ledger.unapplied == Decimal("100.00") and ledger.outstanding == 0
    state = invariants_hold(container, external.case_id)
    assert state.unapplied == Decimal("100.00")


AMOUNT_REFUSALS = [
    ("0", "amount.not_positive"),
    ("-5", "amount.negative"),
    ("12.345", "payment.sub_fen"),
    ("abc", "amount.not_a_number"),
    ("1e20", "amount.too_large"),
    (1.5, "amount.float_refused"),
]


@SQLITE_ONLY
def test_an_amount_that_is_not_whole_positive_fen_is_refused_by_name(container, world, external):
    due, _ = external.dues[0]
    for amount, code in AMOUNT_REFUSALS:
        with pytest.raises(DomainError, match=code) as raised:
            pay(container, world.borrower, external, amount, due, "TX")
        assert raised.value.field == "amount"
    assert payments.list_payments(container.uow(), world.borrower, external.case_id) == []


@SQLITE_ONLY
def test_bad_dates_channels_and_references_are_refused_before_anything_is_written(
    container, world, external
):
    b = world.borrower
    due, amount = external.dues[0]
    cases_of_refusal = [
        ({"day": due, "now": at(due) - timedelta(days=30)}, "payment.date_in_future"),
        ({"day": NOW.date() - timedelta(days=1)}, "payment.before_agreement"),
        ({"channel": "bitcoin"}, "payment.channel_unknown"),
        ({"ref": "  "}, "payment.reference_required"),
        ({"ref": "x" * 101}, "payment.reference_too_long"),
        ({"ref": "a\nb"}, "payment.reference_invalid"),
    ]
    for change, code in cases_of_refusal:
        args = {"day": due, "channel": "alipay", "ref": "TX", "now": None, **change}
        with pytest.raises(DomainError, match=code):
            pay(
                container,
                b,
                external,
                amount,
                args["day"],
                args["ref"],
                channel=args["channel"],
                now=args["now"],
            )
    assert payments.list_payments(container.uow(), b, external.case_id) == []
    assert state_of(container, b, external.case_id, due) == "signed"


def test_only_the_parties_see_or_record_payments(container, world, here):
    due, amount = here.dues[0]
    for outsider in (world.other_borrower, world.agent_b, world.counselor):
        with pytest.raises(DomainError, match=r"access.not_found"):
            pay(container, outsider, here, amount, due, "TX")
        with pytest.raises(DomainError, match=r"access.not_found"):
            payments.ledger_view(container.uow(), outsider, here.case_id, today=due)
        with pytest.raises(DomainError, match=r"access.not_found"):
            payments.list_payments(container.uow(), outsider, here.case_id)
    # The agent of the case's lender records, but not "for the platform": it is the lender.
    with pytest.raises(DomainError, match=r"case.not_external"):
        payments.record_payment(
            container.uow(),
            container.blobs,
            world.agent_a,
            here.case_id,
            PaymentInput(amount, due, "app", "TX"),
            for_platform=True,
            now=at(due),
        )
    assert pay(container, world.agent_a, here, amount, due, "TX", channel="app").created


@SQLITE_ONLY
def test_payments_wait_for_the_sealed_agreement(container, world):
    b = world.borrower
    loan = create_loan(
        container.uow(), b, b.user_id, loan_input(example("bank-loan.toml")), now=NOW
    )
    draft = cases.open_case(
        container.uow(), b, b.user_id, loan_ids=[loan.id], external_platform="乙", now=NOW
    )
    with pytest.raises(DomainError, match=r"payment.no_sealed_agreement"):
        payments.record_payment(
            container.uow(),
            container.blobs,
            b,
            draft.id,
            PaymentInput("10.00", NOW.date(), "cash", "TX"),
            now=NOW,
        )
    with pytest.raises(DomainError, match=r"access.not_found"):
        payments.ledger_view(container.uow(), b, draft.id, today=NOW.date())
    with pytest.raises(DomainError, match=r"access.not_found"):
        payments.settlement_certificate(container.uow(), container.blobs, b, draft.id)
    assert payments.list_payments(container.uow(), b, draft.id) == []


@SQLITE_ONLY
def test_the_certificate_is_not_there_until_the_plan_is_paid(container, world, external):
    due, amount = external.dues[0]
    pay(container, world.borrower, external, amount, due, "TX-1")
    with pytest.raises(DomainError, match=r"access.not_found"):
        payments.settlement_certificate(
            container.uow(), container.blobs, world.borrower, external.case_id
        )


@SQLITE_ONLY
def test_a_receipt_document_is_named_in_the_log_by_its_digest_and_must_be_the_borrower_s(
    container, world, external
):
    b, other = world.borrower, world.other_borrower

    def receipt(owner):
        return upload_document(
            container.uow(),
            container.blobs,
            owner,
            owner.user_id,
            filename="回单.pdf",
            declared_type="application/pdf",
            data=tiny_pdf("receipt"),
            kind="receipt",
            loan_id=None,
            max_bytes=container.settings.max_upload_bytes,
            now=NOW,
        )

    mine, theirs = receipt(b), receipt(other)
    due, amount = external.dues[0]
    with pytest.raises(DomainError, match=r"access.not_found") as raised:
        pay(container, b, external, amount, due, "TX-1", receipt_document_id=theirs.id)
    assert raised.value.field == "receipt_document_id"
    outcome = pay(container, b, external, amount, due, "TX-1", receipt_document_id=mine.id)
    assert outcome.payment.receipt_sha256 == mine.sha256
    assert outcome.payment.receipt_document_id == mine.id
    event = log_of(container, external.case_id)
    assert any(e.body.get("receipt_sha256") == mine.sha256 for e in event)


@SQLITE_ONLY
def test_a_paid_off_case_exports_a_bundle_with_its_payments_and_certificate_that_verifies(
    container, world, external
):
    b = world.borrower
    rows = external.dues
    for i, (due, amount) in enumerate(rows):
        pay(container, b, external, amount, due, f"TX-{i}")
    done = rows[-1][0]
    bundle = export_bundle_as_operator(
        container.uow(), container.blobs, external.case_id, key=container.instance_key, now=at(done)
    )
    report = verify_bundle(
        bundle,
        verifier_for=public_verifier,
        public_key_pem=container.instance_key.public_key_pem(),
    )
    assert report.ok, report.failure
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        names = z.namelist()
        records = [json.loads(line) for line in z.read("payments.jsonl").splitlines()]
        certificate = next(n for n in names if "settlement" in n)
        digest = hashlib.sha256(z.read(certificate)).hexdigest()
    assert [r["ref"] for r in records] == [f"TX-{i}" for i in range(len(rows))]
    ledger = payments.ledger_view(container.uow(), b, external.case_id, today=done)
    assert digest == ledger.settlement_sha256
