"""Collection conduct: quiet hours, the daily call limit, third-party contacts, the data file."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.data import DataFileError, read_toml
from xieshang.data.conduct import CONDUCT_FILE, load_conduct_rules, parse_conduct_rules
from xieshang.domain.conduct import (
    QUIET_HOURS,
    THIRD_PARTY_CONTACT,
    TOO_MANY_CALLS,
    Channel,
    Contact,
    Contacted,
    review_contacts,
)
from xieshang.domain.errors import DomainError

CST = timezone(timedelta(hours=8))
RULES = load_conduct_rules()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=CST)


def call(moment: datetime, *, effective: bool = True, who: str = "debtor") -> Contact:
    return Contact(moment, "Agent Li", Channel.CALL, Contacted(who), effective)


def codes(contacts: list[Contact]) -> list[tuple[str, tuple[int, ...]]]:
    return [(f.code, f.contacts) for f in review_contacts(contacts, RULES)]


def test_the_shipped_rules_load_with_the_reference_numbers() -> None:
    assert RULES.timezone == "Asia/Shanghai"
    assert RULES.quiet_hours is not None and RULES.quiet_hours.rule.confidence == "☑️"
    assert (RULES.quiet_hours.start.hour, RULES.quiet_hours.end.hour) == (22, 8)
    assert RULES.call_limit is not None and RULES.call_limit.max_per_day == 3
    assert RULES.call_limit.rule.confidence == "⚠️"
    assert RULES.third_party is not None and RULES.third_party.confidence == "⚠️"
    assert RULES.record_retention is not None and RULES.record_retention.years == 5


@pytest.mark.parametrize(
    ("hour", "minute", "flagged"),
    [(21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_contacts_from_22_00_to_07_59_fall_in_the_quiet_hours(
    hour: int, minute: int, flagged: bool
) -> None:
    found = codes([Contact(at(3, hour, minute), "x", Channel.SMS, Contacted.DEBTOR)])
    assert found == ([(QUIET_HOURS, (0,))] if flagged else [])


def test_quiet_hours_are_judged_on_the_shanghai_clock_whatever_zone_was_recorded() -> None:
    utc_late = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    utc_day = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    flags = review_contacts([call(utc_day), call(utc_late)], RULES)
    assert [(f.code, f.contacts, f.day.isoformat()) for f in flags] == [
        (QUIET_HOURS, (1,), "2025-03-03")
    ]
    assert flags[0].severity == "violation"
    assert "22:00" in flags[0].citation_zh and "22:00" in flags[0].citation_en


def test_three_effective_calls_a_day_are_allowed_and_the_fourth_is_flagged() -> None:
    three = [call(at(3, h)) for h in (9, 12, 15)]
    assert codes(three) == []
    four_and_five = [*three, call(at(3, 18)), call(at(3, 19))]
    assert codes(four_and_five) == [(TOO_MANY_CALLS, (3, 4))]


def test_calls_that_did_not_connect_do_not_count_towards_the_limit() -> None:
    contacts = [call(at(3, 9 + h), effective=h % 2 == 0) for h in range(6)]
    assert codes(contacts) == []  # three effective, three missed


def test_the_call_limit_counts_per_local_day_and_input_order_does_not_matter() -> None:
    contacts = [call(at(4, 9)), call(at(3, 9)), call(at(3, 10)), call(at(3, 11)), call(at(4, 10))]
    contacts += [call(at(3, 12))]
    assert codes(contacts) == [(TOO_MANY_CALLS, (5,))]
    assert review_contacts(contacts, RULES)[0].day.isoformat() == "2025-03-03"


def test_contacting_family_or_an_employer_is_flagged_as_a_third_party_contact() -> None:
    contacts = [call(at(3, 10)), call(at(3, 11), who="family"), call(at(3, 12), who="employer")]
    assert codes(contacts) == [(THIRD_PARTY_CONTACT, (1,)), (THIRD_PARTY_CONTACT, (2,))]


def test_one_contact_can_break_several_rules_and_flags_come_out_in_time_order() -> None:
    contacts = [call(at(3, 12), who="family"), call(at(3, 23), who="employer"), call(at(3, 9))]
    assert codes(contacts) == [
        (THIRD_PARTY_CONTACT, (0,)),
        (QUIET_HOURS, (1,)),
        (THIRD_PARTY_CONTACT, (1,)),
    ]


def test_a_contact_without_a_timezone_or_with_an_unknown_channel_is_refused() -> None:
    with pytest.raises(DomainError) as naive:
        Contact(datetime(2025, 3, 3, 10), "x", Channel.CALL, Contacted.DEBTOR)
    assert (naive.value.code, naive.value.field) == ("conduct.time_not_aware", "at")
    with pytest.raises(DomainError) as channel:
        Contact(at(3, 10), "x", "fax", Contacted.DEBTOR)  # type: ignore[arg-type]
    assert channel.value.code == "conduct.channel_unknown"
    with pytest.raises(DomainError) as contacted:
        Contact(at(3, 10), "x", Channel.CALL, "neighbour")  # type: ignore[arg-type]
    assert contacted.value.code == "conduct.contacted_unknown"


contact_strategy = st.builds(
    Contact,
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
    ),
    st.just("caller"),
    st.sampled_from(list(Channel)),
    st.sampled_from(list(Contacted)),
    st.booleans(),
)


@given(st.lists(contact_strategy, max_size=30), st.randoms(use_true_random=False))
def test_the_review_is_sorted_and_does_not_depend_on_the_input_order(
    contacts: list[Contact], rnd: Any
) -> None:
    flags = review_contacts(contacts, RULES)
    firsts = [contacts[f.contacts[0]].at for f in flags]
    assert firsts == sorted(firsts)
    shuffled = list(range(len(contacts)))
    rnd.shuffle(shuffled)
    again = review_contacts([contacts[i] for i in shuffled], RULES)
    as_sets = sorted((f.code, tuple(sorted(shuffled[j] for j in f.contacts))) for f in again)
    assert as_sets == sorted((f.code, tuple(sorted(f.contacts))) for f in flags)
    # Every third-party contact and every quiet-hours contact is flagged exactly once.
    third = [i for i, c in enumerate(contacts) if c.contacted is not Contacted.DEBTOR]
    assert sorted(f.contacts[0] for f in flags if f.code == THIRD_PARTY_CONTACT) == third


# ---------------------------------------------------------------------------------- the loader


def shipped() -> dict[str, Any]:
    return copy.deepcopy(read_toml(CONDUCT_FILE))


def rule_of(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(r for r in data["rule"] if r["kind"] == kind)


def test_a_disabled_rule_is_not_applied() -> None:
    data = shipped()
    rule_of(data, "third_party")["enabled"] = False
    rules = parse_conduct_rules(data)
    assert rules.third_party is None
    assert review_contacts([call(at(3, 10), who="family")], rules) == ()


@pytest.mark.parametrize(
    ("kind", "key", "value", "problem"),
    [
        ("quiet_hours", "start", "24:00", "not a time"),
        ("quiet_hours", "end", "22:00", "equals start"),
        ("call_limit", "max_per_day", 0, "whole number"),
        ("call_limit", "max_per_day", "3", "whole number"),
        ("record_retention", "years", True, "whole number"),
        ("third_party", "confidence", "?", "unknown mark"),
        ("third_party", "severity", "fatal", "unknown severity"),
        ("third_party", "citation_en", "", "empty text"),
        ("third_party", "kind", "nagging", "unknown kind"),
        ("third_party", "colour", "red", "unknown key"),
        ("third_party", "enabled", "no", "true/false"),
        ("quiet_hours", "effective_from", "2024-05-15", "not a date"),
    ],
)
def test_the_loader_refuses_a_malformed_rule(kind: str, key: str, value: Any, problem: str) -> None:
    data = shipped()
    rule_of(data, kind)[key] = value
    with pytest.raises(DataFileError, match=problem):
        parse_conduct_rules(data)


def test_the_loader_refuses_duplicates_and_a_bad_header() -> None:
    data = shipped()
    data["rule"].append(dict(rule_of(data, "call_limit"), id="another"))
    with pytest.raises(DataFileError, match="a second 'call_limit' rule"):
        parse_conduct_rules(data)
    data = shipped()
    data["rule"].append(dict(rule_of(data, "call_limit")))
    with pytest.raises(DataFileError, match="duplicate id"):
        parse_conduct_rules(data)
    data = shipped()
    data["meta"]["timezone"] = "Mars/Olympus"
    with pytest.raises(DataFileError, match="timezone_unknown"):
        parse_conduct_rules(data)
    data = shipped()
    data["meta"]["schema_version"] = 2
    with pytest.raises(DataFileError, match="schema_version"):
        parse_conduct_rules(data)
