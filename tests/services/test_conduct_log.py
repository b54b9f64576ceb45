"""The collection-conduct log service: recording (times, text, case links), flags judged per
organisation at the rules' boundaries, who may see the records (nobody but the borrower and a
granted counselor), encryption at rest and the complaint draft — on the in-memory fake, SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, make_container
from xieshang.data.conduct import load_conduct_rules
from xieshang.domain.errors import DomainError
from xieshang.services import sharing
from xieshang.services.access import Actor
from xieshang.services.conduct import (
    ContactInput,
    delete_contact,
    list_contacts,
    record_contact,
    review,
)
from xieshang.services.conduct_complaint import complaint_for
from xieshang.store.fakes import FakeUnitOfWork
from xieshang.store.models import CaseRow, Consent, Organisation, User
from xieshang.store.unit_of_work import UnitOfWork

SHANGHAI = timezone(timedelta(hours=8))
#: For rules decided before any database work (times, text, the flags' arithmetic).
FAKE_ONLY = pytest.mark.parametrize("env", ["fake"], indirect=True)
ORG = "Quick Cash 快借"


@dataclass
class Env:
    uow: Callable[[], UnitOfWork]
    engine: Engine | None
    borrower: Actor
    other_borrower: Actor
    counselor: Actor
    agent: Actor
    admin: Actor
    org: int


def _add_user(uow: UnitOfWork, email: str, role: str, org: int | None = None) -> Actor:
    with uow:
        user = uow.users.add(
            User(
                email=email,
                display_name=email.split("@", maxsplit=1)[0],
                password_hash="not-a-real-hash",
                role=role,
                organisation_id=org,
            )
        )
        uow.commit()
        return Actor(user.id, role, org)


def _people(make_uow: Callable[[], UnitOfWork], engine: Engine | None) -> Env:
    with make_uow() as uow:
        org = uow.organisations.add(
            Organisation(kind="lender", name="Lender A", licence_type="small_loan")
        ).id
        uow.commit()
    env = Env(
        uow=make_uow,
        engine=engine,
        borrower=_add_user(make_uow(), "li.ming@example.com", "borrower"),
        other_borrower=_add_user(make_uow(), "wang.fang@example.com", "borrower"),
        counselor=_add_user(make_uow(), "zhao@example.com", "counselor"),
        agent=_add_user(make_uow(), "agent@lender-a.example", "agent", org),
        admin=_add_user(make_uow(), "admin@example.com", "admin"),
        org=org,
    )
    # The borrower shares *everything* with the agent's lender: the log stays out of reach.
    with make_uow() as uow:
        for scope in ("statement_summary", "loans", "documents"):
            uow.consents.add(
                Consent(
                    borrower_id=env.borrower.user_id, organisation_id=org, scope=scope,
                    granted_at=NOW,
                )
            )  # fmt: skip
        uow.commit()
    return env


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path) -> Iterator[Env]:
    if request.param == "fake":
        fake = FakeUnitOfWork()
        yield _people(lambda: fake, None)
        return
    url = "" if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    container = make_container(tmp_path, url)
    yield _people(container.uow, container.engine)
    container.close()


def contact(at: datetime | str, **fields: Any) -> ContactInput:
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    values: dict[str, Any] = {
        "at": moment,
        "organisation": ORG,
        "channel": "call",
        "contacted": "debtor",
        "caller": "Agent 042 张经理",
    }
    values.update(fields)
    return ContactInput(**values)


def record(env: Env, data: ContactInput, actor: Actor | None = None, borrower: int | None = None):
    who = actor or env.borrower
    target = env.borrower.user_id if borrower is None else borrower
    return record_contact(env.uow(), who, target, data, now=NOW)


def codes_of(view: Any) -> list[str]:
    return [f.code for f in view.flags]


def listed(env: Env, actor: Actor | None = None, limit: int = 200, offset: int = 0):
    return list_contacts(
        env.uow(), actor or env.borrower, env.borrower.user_id, limit=limit, offset=offset
    )


# ---------------------------------------------------------------------------------------------
# flags


@FAKE_ONLY
@pytest.mark.parametrize(
    ("local", "flagged"),
    [
        ("2026-11-20 21:59", False),
        ("2026-11-20 22:00", True),
        ("2026-11-21 07:59", True),
        ("2026-11-21 08:00", False),
    ],
)
def test_quiet_hours_start_at_22_00_inclusive_and_end_at_08_00_exclusive(env, local, flagged):
    view = record(env, contact(local))
    assert ("conduct.quiet_hours" in codes_of(view)) is flagged


def test_a_time_without_zone_is_china_time_and_one_with_a_zone_is_kept(env):
    naive = record(env, contact("2026-11-20 22:30"))
    assert naive.at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    # 14:30 UTC is 22:30 in Shanghai: flagged whichever way it was written.
    utc = record(env, contact(datetime(2026, 11, 20, 14, 30, tzinfo=UTC)))
    assert codes_of(utc) == codes_of(naive) == ["conduct.quiet_hours"]
    # 22:30 in Berlin (UTC+1) is 05:30 the next morning in China: flagged too.
    berlin = record(env, contact("2026-11-20T22:30:00+01:00"))
    assert berlin.at == datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
    assert berlin.flags[0].day.isoformat() == "2026-11-21"


def test_the_fourth_effective_call_of_a_day_is_flagged_and_the_first_three_are_not(env):
    views = [record(env, contact(f"2026-11-20 {h:02d}:00")) for h in (9, 10, 11)]
    assert [codes_of(v) for v in views] == [[], [], []]
    missed = record(env, contact("2026-11-20 12:00", effective=False))
    assert codes_of(missed) == []  # a call that did not connect does not count
    sms = record(env, contact("2026-11-20 12:30", channel="sms"))
    assert codes_of(sms) == []  # nor does a text message
    fourth = record(env, contact("2026-11-20 13:00"))
    fifth = record(env, contact("2026-11-20 14:00"))
    assert codes_of(fourth) == codes_of(fifth) == ["conduct.too_many_calls"]
    # One flag for the day, citing every call beyond the limit.
    now_listed = {v.id: v for v in listed(env).items}
    assert now_listed[fourth.id].flags == now_listed[fifth.id].flags
    assert now_listed[fourth.id].flags[0].contact_ids == (fourth.id, fifth.id)
    next_day = record(env, contact("2026-11-21 09:00"))
    assert codes_of(next_day) == []


def test_calls_are_counted_per_organisation(env):
    for h in (9, 10, 11):
        record(env, contact(f"2026-11-20 {h:02d}:00"))
    other = record(env, contact("2026-11-20 12:00", organisation="Bank of Somewhere"))
    assert codes_of(other) == []
    # Names differing only in case and spacing are the same organisation.
    same = record(env, contact("2026-11-20 13:00", organisation="  quick cash   快借 "))
    assert codes_of(same) == ["conduct.too_many_calls"]
    assert same.flags[0].organisation == ORG


@FAKE_ONLY
@pytest.mark.parametrize("who", ["family", "employer", "other_third_party"])
def test_a_contact_with_a_third_party_is_flagged_and_one_with_the_debtor_is_not(env, who):
    assert codes_of(record(env, contact("2026-11-20 10:00"))) == []
    third = record(env, contact("2026-11-20 11:00", contacted=who, channel="visit"))
    assert codes_of(third) == ["conduct.third_party_contact"]
    flag = third.flags[0]
    assert (flag.severity, flag.confidence, flag.rule_id) == (
        "warning",
        "⚠️",
        "guideline_2025_debtor_only",
    )
    assert "2025" in flag.citation_zh and "guideline" in flag.citation_en


def test_the_list_is_oldest_first_and_flags_come_from_all_contacts_not_the_page(env):
    for h in (13, 11, 9, 10):  # recorded out of order
        record(env, contact(f"2026-11-20 {h:02d}:00"))
    page = listed(env, limit=2, offset=2)
    assert (page.total, page.limit, page.offset, len(page.items)) == (4, 2, 2, 2)
    assert [v.at.hour + 8 for v in page.items] == [11, 13]
    assert [codes_of(v) for v in page.items] == [[], ["conduct.too_many_calls"]]
    found = review(env.uow(), env.borrower, env.borrower.user_id)
    assert found.contacts_reviewed == 4 and [f.code for f in found.flags] == [
        "conduct.too_many_calls"
    ]
    assert found.flags[0].contact_ids == (page.items[1].id,)


def test_the_review_can_be_limited_to_one_organisation(env):
    record(env, contact("2026-11-20 23:00"))
    record(env, contact("2026-11-20 23:30", organisation="Bank of Somewhere"))
    everyone = review(env.uow(), env.borrower, env.borrower.user_id)
    bank = review(env.uow(), env.borrower, env.borrower.user_id, organisation="bank of somewhere")
    assert (everyone.contacts_reviewed, len(everyone.flags)) == (2, 2)
    assert (bank.contacts_reviewed, [f.organisation for f in bank.flags]) == (
        1,
        ["Bank of Somewhere"],
    )


# ---------------------------------------------------------------------------------------------
# input


@FAKE_ONLY
@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"at": datetime(2026, 12, 1, 9, 1, tzinfo=UTC)}, "conduct.time_out_of_range", "at"),
        ({"at": datetime(1999, 12, 31, 23, 0, tzinfo=UTC)}, "conduct.time_out_of_range", "at"),
        ({"at": datetime(1, 1, 1, tzinfo=SHANGHAI)}, "conduct.time_out_of_range", "at"),
        ({"at": datetime(9999, 12, 31, 23, 0)}, "conduct.time_out_of_range", "at"),
        ({"organisation": "  "}, "conduct.field_required", "organisation"),
        ({"organisation": "x" * 201}, "conduct.text_too_long", "organisation"),
        ({"caller": "a\x00b"}, "conduct.text_control_characters", "caller"),
        ({"note": "n" * 2001}, "conduct.text_too_long", "note"),
        ({"note": "bad \ud800 half"}, "conduct.text_control_characters", "note"),
        ({"channel": "fax"}, "conduct.channel_unknown", "channel"),
        ({"contacted": "boss"}, "conduct.contacted_unknown", "contacted"),
        ({"effective": "yes"}, "conduct.effective_invalid", "effective"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(env, change, code, field):
    with pytest.raises(DomainError) as refused:
        record(env, replace(contact("2026-11-20 10:00"), **change))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert listed(env).total == 0


@FAKE_ONLY
def test_a_day_ahead_of_the_clock_is_still_accepted_for_a_phone_in_another_zone(env):
    view = record(env, contact(NOW + timedelta(hours=23)))
    assert view.at == NOW + timedelta(hours=23)


def test_text_is_trimmed_and_a_multi_line_note_keeps_its_lines(env):
    view = record(
        env, contact("2026-11-20 10:00", caller="  Agent\t042  ", note=" said:\r\n  pay now \n")
    )
    assert (view.caller, view.note, view.organisation) == ("Agent 042", "said:\n  pay now", ORG)


# ---------------------------------------------------------------------------------------------
# who may see the records


def test_another_borrower_neither_sees_nor_deletes_the_records(env):
    mine = record(env, contact("2026-11-20 23:00"))
    other = env.other_borrower
    for attempt in (
        lambda: list_contacts(env.uow(), other, env.borrower.user_id, limit=10, offset=0),
        lambda: review(env.uow(), other, env.borrower.user_id),
        lambda: delete_contact(env.uow(), other, mine.id, now=NOW),
        lambda: record(env, contact("2026-11-20 10:00"), actor=other),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "access.not_found"
    assert listed(env).total == 1
    # Their own log is empty and separate.
    assert list_contacts(env.uow(), other, other.user_id, limit=10, offset=0).total == 0


@pytest.mark.parametrize("who", ["agent", "admin", "counselor"])
def test_lender_staff_with_consent_an_admin_and_an_ungranted_counselor_get_not_found(env, who):
    mine = record(env, contact("2026-11-20 23:00"))
    actor = getattr(env, who)
    for attempt in (
        lambda: listed(env, actor),
        lambda: review(env.uow(), actor, env.borrower.user_id),
        lambda: delete_contact(env.uow(), actor, mine.id, now=NOW),
        lambda: record(env, contact("2026-11-20 10:00"), actor=actor),
        lambda: complaint_for(
            env.uow(),
            actor,
            env.borrower.user_id,
            organisation=ORG,
            lang="zh",
            made_on=NOW.date(),
        ),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "access.not_found"
    # An agent cannot keep a log of their own either.
    if who == "agent":
        with pytest.raises(DomainError):
            list_contacts(env.uow(), actor, actor.user_id, limit=10, offset=0)


def test_a_granted_counselor_records_and_deletes_until_the_grant_is_revoked(env):
    grant, _ = sharing.grant_counselor(
        env.uow(), env.borrower, now=NOW, counselor_id=env.counselor.user_id
    )
    view = record(env, contact("2026-11-20 23:00"), actor=env.counselor)
    assert view.borrower_id == env.borrower.user_id
    assert listed(env, env.counselor).total == 1
    delete_contact(env.uow(), env.counselor, view.id, now=NOW)
    kept = record(env, contact("2026-11-20 23:30"), actor=env.counselor)
    sharing.revoke_grant(env.uow(), env.borrower, grant.id, now=NOW)
    with pytest.raises(DomainError) as refused:
        listed(env, env.counselor)
    assert refused.value.code == "access.not_found"
    assert [v.id for v in listed(env).items] == [kept.id]


def test_a_deleted_record_is_gone_and_deleting_it_again_is_not_found(env):
    view = record(env, contact("2026-11-20 23:00"))
    delete_contact(env.uow(), env.borrower, view.id, now=NOW)
    assert listed(env).total == 0
    with pytest.raises(DomainError) as refused:
        delete_contact(env.uow(), env.borrower, view.id, now=NOW)
    assert refused.value.code == "access.not_found"


# ---------------------------------------------------------------------------------------------
# cases


def _case(env: Env, borrower: Actor) -> int:
    with env.uow() as uow:
        case = uow.cases.add(
            CaseRow(
                borrower_id=borrower.user_id,
                external_platform=ORG,
                created_at=NOW - timedelta(days=1),
                updated_at=NOW - timedelta(days=1),
            )
        )
        uow.commit()
        return case.id


def test_a_contact_linked_to_a_case_goes_into_its_log_without_the_caller_or_the_note(env):
    case_id = _case(env, env.borrower)
    view = record(
        env, contact("2026-11-20 23:00", case_id=case_id, note="threatened to call my boss")
    )
    assert view.case_id == case_id
    delete_contact(env.uow(), env.borrower, view.id, now=NOW + timedelta(minutes=5))
    with env.uow() as uow:
        entries = uow.case_events.list_for_case(case_id)
    assert [(e.kind, e.body["action"]) for e in entries] == [
        ("collection_contact", "recorded"),
        ("collection_contact", "deleted"),
    ]
    body = entries[0].body
    assert body == {
        "action": "recorded",
        "contact_id": str(view.id),
        "at": "2026-11-20T15:00:00+00:00",
        "organisation": ORG,
        "channel": "call",
        "contacted": "debtor",
        "effective": True,
    }
    assert "张经理" not in str(entries) and "boss" not in str(entries)
    assert entries[0].actor == f"borrower:{env.borrower.user_id}"


def test_a_case_of_another_borrower_or_no_case_is_refused_and_nothing_is_stored(env):
    theirs = _case(env, env.other_borrower)
    for case_id in (theirs, theirs + 1000):
        with pytest.raises(DomainError) as refused:
            record(env, contact("2026-11-20 23:00", case_id=case_id))
        assert (refused.value.code, refused.value.field) == ("access.not_found", "case_id")
    assert listed(env).total == 0
    with env.uow() as uow:
        assert uow.case_events.list_for_case(theirs) == ()


# ---------------------------------------------------------------------------------------------
# at rest


def test_the_caller_and_the_note_are_encrypted_at_rest(env):
    if env.engine is None:
        pytest.skip("the in-memory fake stores nothing")
    record(env, contact("2026-11-20 23:00", caller="王催收 13812345678", note="骂人的话 insults"))
    with env.engine.connect() as conn:
        raw = conn.execute(
            text("SELECT caller, note, organisation_name FROM collection_contacts")
        ).one()
    assert "13812345678" not in str(raw) and "王催收" not in str(raw)
    assert "insults" not in str(raw) and "骂人" not in str(raw)
    assert raw[2] == ORG  # the organisation is needed to group and is not personal data
    assert listed(env).items[0].caller == "王催收 13812345678"


# ---------------------------------------------------------------------------------------------
# the complaint


def test_the_complaint_lists_the_organisations_flagged_contacts_only(env):
    record(env, contact("2026-11-20 23:00", note="late call"))
    record(env, contact("2026-11-20 10:00", note="a polite call"))
    record(env, contact("2026-11-20 23:30", organisation="Bank of Somewhere", note="bank call"))
    draft = complaint_for(
        env.uow(), env.borrower, env.borrower.user_id, organisation="quick cash 快借",
        lang="en", made_on=NOW.date(),
    )  # fmt: skip
    assert draft.media_type == "text/plain; charset=utf-8"
    assert draft.filename == "conduct-complaint-2026-11-29.txt"
    letter = draft.data.decode("utf-8")
    assert f"To: {ORG}" in letter and "li.ming" in letter
    assert "late call" in letter
    assert "a polite call" not in letter and "bank call" not in letter
    assert "2026-11-20 23:00 (UTC+08:00)" in letter


@FAKE_ONLY
def test_a_complaint_needs_a_recorded_organisation_and_something_flagged(env):
    record(env, contact("2026-11-20 10:00"))

    def draft(name: str) -> Any:
        return complaint_for(
            env.uow(), env.borrower, env.borrower.user_id, organisation=name, lang="zh",
            made_on=NOW.date(),
        )  # fmt: skip

    for name, code in (
        ("Nobody Ltd", "conduct.organisation_not_recorded"),
        (ORG, "complaint.nothing_flagged"),
        ("   ", "conduct.field_required"),
    ):
        with pytest.raises(DomainError) as refused:
            draft(name)
        assert refused.value.code == code


def test_the_complaint_comes_as_html_and_pdf_too(env):
    if env.engine is None or env.engine.dialect.name != "sqlite":
        pytest.skip("rendering does not depend on the database")
    record(env, contact("2026-11-20 23:00", note="<script>alert(1)</script>"))
    common: dict[str, Any] = {"organisation": ORG, "lang": "zh", "made_on": NOW.date()}
    html = complaint_for(env.uow(), env.borrower, env.borrower.user_id, fmt="html", **common)
    assert html.media_type.startswith("text/html")
    assert b"<script>alert" not in html.data and b"&lt;script&gt;" in html.data
    pdf = complaint_for(env.uow(), env.borrower, env.borrower.user_id, fmt="pdf", **common)
    assert (pdf.media_type, pdf.data[:5]) == ("application/pdf", b"%PDF-")
    with pytest.raises(DomainError) as refused:
        complaint_for(env.uow(), env.borrower, env.borrower.user_id, fmt="docx", **common)
    assert refused.value.code == "conduct.format_unknown"


def test_the_shipped_rules_are_the_ones_reviewed():
    rules = load_conduct_rules()
    assert rules.timezone == "Asia/Shanghai"
    assert rules.call_limit is not None and rules.call_limit.max_per_day == 3
