"""Overdue charges by the day, rounded once per item, capped together with 违约金 and fees."""

from datetime import date
from decimal import Decimal

import pytest

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.errors import DomainError
from xieshang.domain.law import assess_loan
from xieshang.domain.loan import make_loan
from xieshang.domain.penalty import accrue_for_loan, accrue_overdue
from xieshang.domain.rates import DayCount

D = Decimal
DUE, AS_OF = date(2025, 1, 1), date(2025, 2, 15)  # 45 days
ONE = [(DUE, D("10000"))]


def test_45_days_at_18_percent_are_capped_at_15_4_percent():
    a = accrue_overdue(ONE, AS_OF, annual_rate=D("0.18"), cap=D("0.154"))
    # 10000 × 0.18 × 45 / 360 = 225.00; allowed 10000 × 0.154 × 45 / 365 = 189.863… → 189.86
    assert a.rows[0].days == 45
    assert (a.interest, a.total, a.allowed) == (D("225.00"), D("225.00"), D("189.86"))
    assert (a.capped_total, a.above_cap) == (D("189.86"), D("35.14"))


def test_45_days_below_the_cap_are_left_whole():
    a = accrue_overdue(ONE, AS_OF, annual_rate=D("0.10"), cap=D("0.154"))
    assert (a.total, a.capped_total, a.above_cap) == (D("125.00"), D("125.00"), D("0.00"))


def test_the_default_charge_and_fees_are_capped_together_with_overdue_interest():
    a = accrue_overdue(
        ONE, AS_OF, annual_rate=D("0.10"), default_charge=D("100"), fees=D("20"), cap=D("0.154")
    )
    # 125.00 + 100 + 20 = 245.00 against 189.86 allowed
    assert (a.total, a.capped_total, a.above_cap) == (D("245.00"), D("189.86"), D("55.14"))
    assert a.default_charge == D("100.00") and a.fees == D("20.00")


def test_each_item_is_rounded_once_over_its_own_days():
    items = [
        (date(2025, 1, 1), D("5000")),
        (date(2025, 2, 1), D("5000")),
        (date(2025, 3, 1), D("5000")),
    ]
    a = accrue_overdue(items, AS_OF, annual_rate=D("0.18"), cap=D("0.154"))
    assert [r.days for r in a.rows] == [45, 14, 0]  # the third is not due yet
    assert [r.amount for r in a.rows] == [D("112.50"), D("35.00"), D("0.00")]
    # 5000 × 0.154 × 45/365 = 94.93; × 14/365 = 29.53
    assert [r.allowed for r in a.rows] == [D("94.93"), D("29.53"), D("0.00")]
    assert (a.total, a.allowed, a.above_cap) == (D("147.50"), D("124.46"), D("23.04"))


def test_a_penalty_exactly_at_the_cap_on_act_365_is_not_above_it():
    a = accrue_overdue(
        ONE, AS_OF, annual_rate=D("0.154"), day_count=DayCount.ACT_365, cap=D("0.154")
    )
    assert a.total == a.allowed == D("189.86") and a.above_cap == 0


def test_the_same_rate_on_act_360_exceeds_an_annual_cap():
    a = accrue_overdue(ONE, AS_OF, annual_rate=D("0.154"), cap=D("0.154"))
    assert a.total == D("192.50") and a.above_cap == D("2.64")


def test_contract_interest_still_running_uses_up_part_of_the_cap():
    a = accrue_overdue(
        ONE, AS_OF, annual_rate=D("0.09"), cap=D("0.24"), contract_interest_rate=D("0.18")
    )
    # room 6 %: 10000 × 0.06 × 45/365 = 73.97; penalty 10000 × 0.09 × 45/360 = 112.50
    assert (a.allowed, a.above_cap) == (D("73.97"), D("38.53"))


def test_without_a_cap_everything_stays_enforceable():
    a = accrue_overdue(ONE, AS_OF, annual_rate=D("0.18"), default_charge=D("50"))
    assert (a.allowed, a.capped_total, a.above_cap) == (None, D("275.00"), D("0.00"))


def test_thirty_360_counts_days_as_thirty_day_months():
    a = accrue_overdue(
        [(date(2025, 1, 31), D("3600"))],
        date(2025, 3, 1),
        annual_rate=D("0.36"),
        day_count=DayCount.THIRTY_360,
        cap=D("0.24"),
    )
    assert a.rows[0].days == 31  # actual days: 29
    assert a.rows[0].amount == D("111.60") and a.rows[0].allowed == D("68.65")


def test_bad_inputs_are_refused_with_codes():
    with pytest.raises(DomainError) as e:
        accrue_overdue([(DUE, D("-1"))], AS_OF, annual_rate=D("0.1"))
    assert e.value.code == "amount.negative"
    with pytest.raises(DomainError) as e:
        accrue_overdue(ONE, AS_OF, annual_rate=D("-0.1"))
    assert e.value.code == "rate.negative"


def test_the_cap_comes_from_the_loans_assessment():
    rules, lpr = load_legal_rules(), load_lpr_table()
    private = make_loan(
        id="p",
        lender="x",
        lender_type="private",
        contract_date=date(2021, 3, 1),
        principal="10000",
        annual_rate="0.10",
        months=12,
        method="annuity",
        start=date(2021, 3, 1),
        overdue_rate="0.18",
        default_charge="100",
    )
    a = accrue_for_loan(private, assess_loan(private, rules, lpr, as_of=AS_OF), ONE, AS_OF)
    assert a.cap == D("0.1540")
    assert (a.total, a.capped_total) == (D("325.00"), D("189.86"))
    legacy = make_loan(
        id="q",
        lender="x",
        lender_type="private",
        contract_date=date(2019, 6, 1),
        principal="10000",
        annual_rate="0.20",
        months=12,
        method="annuity",
        start=date(2019, 6, 1),
    )
    b = accrue_for_loan(legacy, assess_loan(legacy, rules, lpr, as_of=AS_OF), ONE, AS_OF)
    assert b.cap == D("0.1240")  # interest after 2020-08-20: 4 × LPR today (3.10 %)
    assert b.total == D("250.00")  # no overdue rate agreed: the contract rate, ACT/360
