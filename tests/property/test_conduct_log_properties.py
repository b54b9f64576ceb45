"""Properties of the conduct log's review (``services.conduct.review_recorded``) against a model
written independently here: which contacts each rule cites, counted per organisation and per
China calendar day, whatever the order, the zones and the mix of organisations."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from xieshang.data.conduct import load_conduct_rules
from xieshang.domain.conduct import Contact
from xieshang.services.conduct import (
    ContactInput,
    RecordedContact,
    checked_contact,
    review_recorded,
)

RULES = load_conduct_rules()
CHINA = timezone(timedelta(hours=8))  # no daylight saving in China since 1991
NOW = datetime(2026, 11, 29, tzinfo=UTC)
ORGANISATIONS = ("Quick Cash", "quick  cash", "Bank of Somewhere", "某小贷")
ZONES = [timezone(timedelta(hours=h)) for h in (-5, 0, 1, 8, 9)]

contact_inputs = st.builds(
    ContactInput,
    at=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2026, 1, 4),
        timezones=st.sampled_from(ZONES),
    ),
    organisation=st.sampled_from(ORGANISATIONS),
    # Mostly connected calls to the debtor, so that days with more than three are common.
    channel=st.sampled_from(["call", "call", "call", "call", "sms", "visit"]),
    contacted=st.sampled_from(["debtor", "debtor", "debtor", "debtor", "family", "employer"]),
    effective=st.sampled_from([True, True, True, False]),
)


def recorded(inputs: list[ContactInput]) -> list[RecordedContact]:
    out = []
    for n, data in enumerate(inputs, start=1):
        name, contact = checked_contact(data, RULES, now=NOW)
        out.append(RecordedContact(n * 10, name, contact))
    return out


def model(records: list[RecordedContact]) -> dict[str, set[int]]:
    """The contacts each rule should cite, by the rules' plain words."""
    quiet = {r.id for r in records if not 8 <= r.contact.at.astimezone(CHINA).hour < 22}
    third = {r.id for r in records if r.contact.contacted.value != "debtor"}
    calls: dict[tuple[str, object], list[tuple[datetime, int]]] = defaultdict(list)
    for r in records:
        c: Contact = r.contact
        if c.channel.value == "call" and c.effective and c.contacted.value == "debtor":
            who = " ".join(r.organisation.split()).lower()
            calls[who, c.at.astimezone(CHINA).date()].append((c.at, r.id))
    # Calls at the same moment count in the order of their ids.
    excess = {i for day in calls.values() for _, i in sorted(day)[3:]}
    return {
        "conduct.quiet_hours": quiet,
        "conduct.third_party_contact": third,
        "conduct.too_many_calls": excess,
    }


def cited(records: list[RecordedContact]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {
        "conduct.quiet_hours": set(),
        "conduct.third_party_contact": set(),
        "conduct.too_many_calls": set(),
    }
    for flag in review_recorded(records, RULES):
        out[flag.code] |= set(flag.contact_ids)
    return out


@given(st.lists(contact_inputs, max_size=25))
def test_each_rule_cites_exactly_the_contacts_the_model_names(inputs):
    records = recorded(inputs)
    assert cited(records) == model(records)


@given(st.lists(contact_inputs, max_size=20), st.randoms(use_true_random=False))
def test_the_order_contacts_were_recorded_in_changes_nothing(inputs, random):
    records = recorded(inputs)
    shuffled = list(records)
    random.shuffle(shuffled)
    assert cited(shuffled) == cited(records)


@given(st.lists(contact_inputs, max_size=20))
def test_another_organisations_contacts_never_change_an_organisations_flags(inputs):
    records = recorded(inputs)
    mine = [r for r in records if r.organisation.lower() == "quick cash"]
    alone = cited(mine)
    together = cited(records)
    ids = {r.id for r in mine}
    assert {code: found & ids for code, found in together.items()} == alone


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    st.sampled_from(ZONES),
)
def test_a_time_without_zone_is_read_on_the_china_clock(moment, zone):
    naive = checked_contact(
        ContactInput(moment, "A", "call", "debtor"), RULES, now=NOW + timedelta(days=400)
    )[1]
    china = checked_contact(
        ContactInput(moment.replace(tzinfo=CHINA), "A", "call", "debtor"),
        RULES,
        now=NOW + timedelta(days=400),
    )[1]
    assert naive.at == china.at and naive.at.tzinfo is UTC
    elsewhere = checked_contact(
        ContactInput(moment.replace(tzinfo=zone), "A", "call", "debtor"),
        RULES,
        now=NOW + timedelta(days=400),
    )[1]
    assert elsewhere.at == moment.replace(tzinfo=zone)
