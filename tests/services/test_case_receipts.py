"""Receipts and the periodic checkpoint of case logs, and the staff's case list, on SQLite and
PostgreSQL: a receipt is for a party only, kept on record with who asked, and verifies with the
instance's public key; the daily checkpoint signs each case whose head moved — once — walking
every case page by page; staff never count a draft they cannot see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW
from support.loan_inputs import example, loan_input
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import receipt_matches, verify_receipt
from xieshang.security.signing import public_verifier
from xieshang.services import case_receipts, cases
from xieshang.services.loans import create_loan, local_today

TODAY = local_today(NOW)


def a_loan(container, world) -> int:
    b = world.borrower
    raw = loan_input(example("private-loan.toml"), lender_organisation_id=world.org_a)
    return create_loan(container.uow(), b, b.user_id, raw, now=NOW).id


def a_case(container, world, *, submitted: bool = False) -> int:
    b, loan = world.borrower, a_loan(container, world)
    case = cases.open_case(
        container.uow(), b, b.user_id, loan_ids=[loan], lender_organisation_id=world.org_a, now=NOW
    )
    if submitted:
        extension = {"kind": "extension", "extra_months": 6, "include_overdue_principal": True}
        terms = {
            "start": TODAY.isoformat(),
            "loans": [{"loan_id": str(loan), "concessions": [extension]}],
        }
        cases.submit_case(container.uow(), b, case.id, terms=terms, now=NOW)
    return case.id


def test_a_receipt_is_for_a_party_kept_on_record_and_verifies_with_the_public_key(container, world):
    key = container.instance_key
    case_id = a_case(container, world, submitted=True)
    signed = case_receipts.receipt_for_case(
        container.uow(), world.agent_a, case_id, now=NOW, sign=key.sign
    )
    document = case_receipts.receipt_document(
        signed, public_key_pem=key.public_key_pem(), fingerprint=key.fingerprint
    )
    verify = public_verifier(document["public_key_pem"])
    assert verify(document["signed_message"].encode("utf-8"), case_receipts.signature_of(document))
    assert verify_receipt(signed.receipt, signed.signature, verify)
    report = case_receipts.log_report(container.uow(), world.borrower, case_id)
    assert report.verification.ok and receipt_matches(report.entries, signed.receipt)
    assert [r.kind for r in report.receipts] == ["receipt"]
    with container.uow() as uow:
        (row,) = uow.receipts.list_for_case(case_id)
        assert (row.kind, row.issued_to, row.seq) == ("receipt", world.agent_a.user_id, 3)
    for stranger in (world.other_borrower, world.agent_b, world.counselor):
        with pytest.raises(DomainError, match=r"access.not_found"):
            case_receipts.receipt_for_case(
                container.uow(), stranger, case_id, now=NOW, sign=key.sign
            )
        with pytest.raises(DomainError, match=r"access.not_found"):
            case_receipts.log_report(container.uow(), stranger, case_id)


def test_the_checkpoint_signs_each_moved_case_once_walking_every_page(
    container, world, monkeypatch
):
    monkeypatch.setattr(case_receipts, "PAGE", 2)  # three cases: two pages
    key = container.instance_key
    ids = [a_case(container, world) for _ in range(3)]
    assert case_receipts.checkpoint_all(container.uow, now=NOW, sign=key.sign) == 3
    assert case_receipts.checkpoint_all(container.uow, now=NOW, sign=key.sign) == 0
    note = cases.NoteInput(kind="message", text="请尽快答复")
    cases.add_note(container.uow(), world.borrower, ids[1], note, now=NOW + timedelta(hours=1))
    later = NOW + timedelta(days=1)
    assert case_receipts.checkpoint_all(container.uow, now=later, sign=key.sign) == 1
    with container.uow() as uow:
        done = [(r.seq, r.head) for r in uow.receipts.list_for_case(ids[1], "checkpoint")]
        head = uow.case_events.head(ids[1])
    assert [seq for seq, _ in done] == [1, 2] and done[-1][1] == head.hash
    verify = public_verifier(key.public_key_pem())
    report = case_receipts.log_report(container.uow(), world.borrower, ids[1])
    assert all(verify_receipt(r.receipt, r.signature, verify) for r in report.receipts)


def test_every_case_is_listed_once_by_id_across_pages(container, world):
    ids = [a_case(container, world) for _ in range(5)]
    seen: list[int] = []
    with container.uow() as uow:
        for offset in range(0, 6, 2):
            page = uow.cases.list_all(limit=2, offset=offset)
            assert page.total == 5
            seen += [c.id for c in page.items]
    assert seen == sorted(ids)


def test_staff_never_count_a_draft_and_see_a_borrower_only_through_a_case(container, world):
    a_case(container, world)  # a draft: the borrower's own
    submitted = a_case(container, world, submitted=True)
    views, total = cases.list_cases(container.uow(), world.agent_a, limit=10, offset=0, now=NOW)
    assert [v.id for v in views] == [submitted] and total == 1
    mine, mine_total = cases.list_cases(
        container.uow(),
        world.agent_a,
        borrower_id=world.borrower.user_id,
        limit=10,
        offset=0,
        now=NOW,
    )
    assert [v.id for v in mine] == [submitted] and mine_total == 1
    with pytest.raises(DomainError, match=r"access.not_found"):
        cases.list_cases(
            container.uow(),
            world.agent_a,
            borrower_id=world.other_borrower.user_id,
            limit=10,
            offset=0,
            now=NOW,
        )
    views_b, total_b = cases.list_cases(container.uow(), world.agent_b, limit=10, offset=0, now=NOW)
    assert views_b == [] and total_b == 0
