"""A negotiation case through the services, on SQLite and PostgreSQL: the borrower opens a case
with a lender here, submits a request, the agent counters, the borrower accepts, both sign
after re-entering their password, the instance seals the agreement — and the log verifies at
every step, with each move refused when it is not the actor's to make."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, make_container, make_world
from support.loan_inputs import example, loan_input
from xieshang.documents.agreement import consent_text
from xieshang.domain.case_state import Action
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import verify_chain
from xieshang.security.passwords import hash_password
from xieshang.security.pdf_seal import verify_sealed_pdf
from xieshang.services import agreements, cases, negotiation
from xieshang.services.loans import create_loan, local_today, update_loan
from xieshang.services.offer_evaluation import evaluate_offer

PASSWORD = "correct horse battery staple 2026"
TODAY = local_today(NOW)


@pytest.fixture(params=["sqlite", "postgresql"])
def setup(request, tmp_path):
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    container = make_container(tmp_path, url)
    world = make_world(container)
    with container.uow() as uow:
        for actor in (world.borrower, world.agent_a):
            uow.users.get(actor.user_id).password_hash = hash_password(PASSWORD)
        uow.commit()
    loan = create_loan(
        container.uow(),
        world.borrower,
        world.borrower.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=world.org_a),
        now=NOW,
    )
    yield container, world, loan.id
    container.close()


def terms(loan_id: int, months: int) -> dict:
    return {
        "start": TODAY.isoformat(),
        "loans": [
            {
                "loan_id": str(loan_id),
                "concessions": [
                    {
                        "kind": "extension",
                        "extra_months": months,
                        "include_overdue_principal": True,
                    },
                    {"kind": "waiver", "target": "penalty"},
                ],
            }
        ],
    }


def log_ok(container, case_id: int) -> int:
    with container.uow() as uow:
        entries = uow.case_events.list_for_case(case_id)
    assert verify_chain(entries).ok
    return len(entries)


def test_a_case_goes_from_request_to_a_sealed_agreement_with_a_lender_here(setup):
    container, world, loan_id = setup
    uow, b, a = container.uow, world.borrower, world.agent_a
    sign = container.instance_key.sign
    case = cases.open_case(
        uow(),
        b,
        b.user_id,
        loan_ids=[loan_id],
        lender_organisation_id=world.org_a,
        now=NOW,
        sign=sign,
    )
    assert case.state == "draft" and case.loan_ids == (loan_id,)
    # A draft is the borrower's own: the agent cannot see it yet.
    with pytest.raises(DomainError, match=r"access.not_found"):
        cases.get_case(uow(), a, case.id, now=NOW)
    offer = cases.submit_case(uow(), b, case.id, terms=terms(loan_id, 12), now=NOW, sign=sign)
    assert offer.number == 1 and offer.made_by == "borrower"
    seen = cases.get_case(uow(), a, case.id, now=NOW)
    assert seen.state == "submitted" and seen.awaiting == ("lender",)
    assert seen.deadline == TODAY + timedelta(days=15) and seen.frozen_on == TODAY
    # Another organisation's agent never sees it.
    with pytest.raises(DomainError, match=r"access.not_found"):
        cases.get_case(uow(), world.agent_b, case.id, now=NOW)
    # The borrower cannot accept their own offer.
    with pytest.raises(DomainError, match=r"case.cannot_accept_own_offer|case.illegal_transition"):
        negotiation.accept_offer(uow(), container.blobs, b, case.id, now=NOW, sign=sign)
    cases.move(uow(), a, case.id, Action.START_REVIEW, now=NOW, sign=sign)
    counter = negotiation.counter_offer(
        uow(), a, case.id, terms=terms(loan_id, 6), now=NOW, sign=sign
    )
    assert counter.number == 2 and counter.made_by == "lender"
    mine = evaluate_offer(uow(), b, case.id, 2, now=NOW)
    assert mine.borrower is not None and mine.lender is None
    theirs = evaluate_offer(uow(), a, case.id, 2, now=NOW)
    assert theirs.lender is not None and theirs.borrower is None
    assert theirs.lender.do_nothing > 0
    accepted = negotiation.accept_offer(uow(), container.blobs, b, case.id, now=NOW, sign=sign)
    assert accepted.state == "agreed"
    deal = agreements.get_agreement(uow(), b, case.id)
    assert deal.status == "awaiting_signatures" and deal.offer_number == 2
    with pytest.raises(DomainError, match=r"signature.reentry_failed"):
        agreements.sign_agreement(
            uow(),
            container.blobs,
            b,
            case.id,
            document_sha256=deal.document_sha256,
            consent=consent_text("zh"),
            password="wrong",
            now=NOW,
            key=container.instance_key,
        )
    agreements.sign_agreement(
        uow(),
        container.blobs,
        b,
        case.id,
        document_sha256=deal.document_sha256,
        consent=consent_text("zh"),
        password=PASSWORD,
        now=NOW,
        key=container.instance_key,
    )
    sealed = agreements.sign_agreement(
        uow(),
        container.blobs,
        a,
        case.id,
        document_sha256=deal.document_sha256,
        consent=consent_text("zh"),
        password=PASSWORD,
        now=NOW,
        key=container.instance_key,
    )
    assert sealed.status == "sealed" and len(sealed.signatures) == 2
    pdf, _ = agreements.agreement_document(uow(), container.blobs, b, case.id, fmt="pdf")
    report = verify_sealed_pdf(pdf, public_key_pem=container.instance_key.public_key_pem())
    assert report.intact and report.signed_by_key
    assert cases.get_case(uow(), b, case.id, now=NOW).state == "signed"
    assert log_ok(container, case.id) >= 9


def test_an_external_platform_case_is_recorded_by_the_borrower_for_both_sides(setup):
    container, world, loan_id = setup
    uow, b = container.uow, world.borrower
    sign = container.instance_key.sign
    case = cases.open_case(
        uow(), b, b.user_id, loan_ids=[loan_id], external_platform="某网贷平台", now=NOW, sign=sign
    )
    cases.submit_case(uow(), b, case.id, terms=terms(loan_id, 12), now=NOW, sign=sign)
    cases.add_note(
        uow(),
        b,
        case.id,
        cases.NoteInput(
            kind="call_note",
            text="客服说可以申请展期6个月",
            person="客服张",
            channel="phone",
            result="对方将发还款方案",
            for_platform=False,
            at=NOW - timedelta(hours=1),
        ),
        now=NOW,
        sign=sign,
    )
    negotiation.counter_offer(
        uow(), b, case.id, terms=terms(loan_id, 6), for_platform=True, now=NOW, sign=sign
    )
    view = cases.get_case(uow(), b, case.id, now=NOW)
    assert view.state == "countered" and "accept" in view.allowed
    # The agent of the loan's organisation is not part of an external case.
    with pytest.raises(DomainError, match=r"access.not_found"):
        cases.get_case(uow(), world.agent_a, case.id, now=NOW)
    evaluation = evaluate_offer(uow(), b, case.id, 2, now=NOW)
    assert evaluation.lender is not None  # a typical lender's reading, with defaults
    negotiation.accept_offer(uow(), container.blobs, b, case.id, now=NOW, sign=sign)
    assert log_ok(container, case.id) >= 6


def test_a_loan_cannot_be_in_two_open_cases(setup):
    container, world, loan_id = setup
    b = world.borrower
    cases.open_case(
        container.uow(), b, b.user_id, loan_ids=[loan_id], external_platform="甲", now=NOW
    )
    with pytest.raises(DomainError, match=r"case.loan_in_open_case"):
        cases.open_case(
            container.uow(), b, b.user_id, loan_ids=[loan_id], external_platform="乙", now=NOW
        )


def test_a_lender_sees_that_it_may_answer_a_submission_directly(setup):
    container, world, loan_id = setup
    b, a = world.borrower, world.agent_a
    case = cases.open_case(
        container.uow(),
        b,
        b.user_id,
        loan_ids=[loan_id],
        lender_organisation_id=world.org_a,
        now=NOW,
    )
    cases.submit_case(container.uow(), b, case.id, terms=terms(loan_id, 12), now=NOW)
    seen = cases.get_case(container.uow(), a, case.id, now=NOW)
    assert set(seen.allowed) == {"start_review", "reject", "counter", "accept"}
    mine = cases.get_case(container.uow(), b, case.id, now=NOW)
    assert set(mine.allowed) == {"withdraw"}


def test_a_loan_under_negotiation_cannot_be_edited_but_a_draft_s_loan_can(setup):
    container, world, loan_id = setup
    b = world.borrower
    changed = loan_input(example("online-micro-lender.toml"), lender_organisation_id=world.org_a)
    case = cases.open_case(
        container.uow(), b, b.user_id, loan_ids=[loan_id], external_platform="某平台", now=NOW
    )
    update_loan(container.uow(), b, loan_id, changed, now=NOW)  # a draft: still free
    cases.submit_case(container.uow(), b, case.id, terms=terms(loan_id, 12), now=NOW)
    with pytest.raises(DomainError, match=r"loan\.in_negotiation"):
        update_loan(container.uow(), b, loan_id, changed, now=NOW)
    cases.move(container.uow(), b, case.id, Action.WITHDRAW, now=NOW)
    update_loan(container.uow(), b, loan_id, changed, now=NOW)  # the round ended


def test_the_sealed_time_on_record_is_the_time_in_the_seal(setup):
    container, world, loan_id = setup
    case_id = _signed_case(container, world, loan_id)
    deal = agreements.get_agreement(container.uow(), world.borrower, case_id)
    pdf, _ = agreements.agreement_document(
        container.uow(), container.blobs, world.borrower, case_id, fmt="pdf"
    )
    report = verify_sealed_pdf(pdf, public_key_pem=container.instance_key.public_key_pem())
    assert report.ok and report.signed_at == deal.sealed_at


def _signed_case(container, world, loan_id: int) -> int:
    uow, b, a = container.uow, world.borrower, world.agent_a
    sign = container.instance_key.sign
    case = cases.open_case(
        uow(), b, b.user_id, loan_ids=[loan_id], lender_organisation_id=world.org_a, now=NOW
    )
    cases.submit_case(uow(), b, case.id, terms=terms(loan_id, 12), now=NOW, sign=sign)
    negotiation.accept_offer(uow(), container.blobs, a, case.id, now=NOW, sign=sign)
    deal = agreements.get_agreement(uow(), b, case.id)
    for person in (b, a):
        agreements.sign_agreement(
            uow(),
            container.blobs,
            person,
            case.id,
            document_sha256=deal.document_sha256,
            consent=consent_text("zh"),
            password=PASSWORD,
            now=NOW.replace(microsecond=123456),
            key=container.instance_key,
        )
    return case.id
