"""Allocation of one monthly capacity across creditors: hand-computed cases and an oracle.

The oracle below is a second, deliberately plain implementation in integer fen and Fractions
(no Decimal, no shared code with the domain): half-up interest, largest-remainder split, and the
minimum-then-target rule.  The examples are chosen so it never needs the capped re-sharing.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from xieshang.domain.affordability import (
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    assess_capacity,
    make_statement,
)
from xieshang.domain.allocation import (
    Creditor,
    Strategy,
    allocate_capacity,
    share_capped,
)
from xieshang.domain.errors import DomainError

D = Decimal
START = date(2025, 1, 15)


def oracle(balances, rates, minimums, capacity, strategy):
    """(payoff month per creditor, total interest) in integer fen, independently of the domain."""
    bal = list(balances)
    n = len(bal)
    payoff = [None] * n
    total_interest = 0
    if strategy == "avalanche":
        order = sorted(range(n), key=lambda i: (-rates[i], bal[i], i))
    else:
        order = sorted(range(n), key=lambda i: (bal[i], -rates[i], i))
    for month in range(1, 601):
        interest = []
        for b, r in zip(bal, rates, strict=True):
            exact = Fraction(b) * r / 12
            interest.append(
                0 if strategy == "principal_first" else math.floor(exact + Fraction(1, 2))
            )
        owed = [b + i for b, i in zip(bal, interest, strict=True)]
        pay_total = min(capacity, sum(owed))
        if strategy in ("pro_rata", "principal_first"):
            if pay_total == sum(owed):
                pays = owed
            else:
                weight = sum(bal)
                exact = [Fraction(pay_total * b, weight) for b in bal]
                pays = [math.floor(e) for e in exact]
                left = pay_total - sum(pays)
                for i in sorted(range(n), key=lambda i: (-(exact[i] - pays[i]), i))[:left]:
                    pays[i] += 1
                if any(p > o for p, o in zip(pays, owed, strict=True)):
                    raise AssertionError("example needs capped re-sharing; choose another")
        else:
            pays = [min(m, o) if b > 0 else 0 for m, o, b in zip(minimums, owed, bal, strict=True)]
            extra = pay_total - sum(pays)
            if extra < 0:
                raise AssertionError("example needs shared minimums; choose another")
            for i in order:
                add = min(extra, owed[i] - pays[i])
                pays[i] += add
                extra -= add
        total_interest += sum(interest)
        bal = [o - p for o, p in zip(owed, pays, strict=True)]
        for i in range(n):
            if payoff[i] is None and bal[i] == 0:
                payoff[i] = month
        if sum(bal) == 0:
            return payoff, total_interest
    raise AssertionError("oracle did not clear")


# Three creditors used for every strategy: A 1,000 @ 24 %, B 2,000 @ 12 %, C 500 @ 18 %,
# each with a stated minimum of 50 yuan; capacity 600 yuan a month.
ABC = (
    Creditor("A", "甲平台", D("1000.00"), D("0.24"), minimum_payment=D("50.00")),
    Creditor("B", "乙银行", D("2000.00"), D("0.12"), minimum_payment=D("50.00")),
    Creditor("C", "丙小贷", D("500.00"), D("0.18"), minimum_payment=D("50.00")),
)
ABC_FEN = ([100000, 200000, 50000], [Fraction(24, 100), Fraction(12, 100), Fraction(18, 100)])


def payments(plan, month):
    return [line.payment for line in plan.months[month - 1].lines]


@pytest.mark.parametrize("strategy", ["pro_rata", "principal_first", "avalanche", "snowball"])
def test_three_creditor_plans_match_an_independent_integer_fen_oracle(strategy):
    plan = allocate_capacity(ABC, D("600"), strategy, start=START)
    payoff, interest_fen = oracle(*ABC_FEN, [5000] * 3, 60000, strategy)
    assert [s.payoff_month for s in plan.creditors] == payoff
    assert plan.months_to_clear == max(payoff)
    assert plan.total_interest == D(interest_fen) / 100
    assert plan.total_paid == D("3500.00") + plan.total_interest
    assert plan.feasible


def test_avalanche_first_months_by_hand():
    plan = allocate_capacity(ABC, D("600"), Strategy.AVALANCHE, start=START)
    # Month 1: interest A 20.00, B 20.00, C 7.50; minimums 50 each; the other 450 to A (24 %).
    m1 = plan.months[0]
    assert [line.interest for line in m1.lines] == [D("20.00"), D("20.00"), D("7.50")]
    assert payments(plan, 1) == [D("500.00"), D("50.00"), D("50.00")]
    assert [line.balance for line in m1.lines] == [D("520.00"), D("1970.00"), D("457.50")]
    # Month 2: A 520 × 2 % = 10.40, B 19.70, C 457.50 × 1.5 % = 6.8625 → 6.86; A gets 500 again.
    assert [line.interest for line in plan.months[1].lines] == [D("10.40"), D("19.70"), D("6.86")]
    assert payments(plan, 2) == [D("500.00"), D("50.00"), D("50.00")]
    # Month 3: A owes 30.40 + 0.61 = 31.01; what it no longer needs rolls over to C (18 %), the
    # next target, which owes 414.36 + 6.22 (414.36 × 1.5 % = 6.2154) = 420.58 and clears too;
    # the rest, 600 − 31.01 − 420.58 = 148.41, goes to B.
    m3 = plan.months[2]
    assert [line.payment for line in m3.lines] == [D("31.01"), D("148.41"), D("420.58")]
    assert [line.balance for line in m3.lines][0::2] == [D("0.00"), D("0.00")]
    assert m3.total_paid == D("600.00")
    assert plan.creditors[0].payoff_month == 3
    assert plan.creditors[0].payoff_date == date(2025, 3, 15)


def test_snowball_targets_the_smallest_balance_first():
    plan = allocate_capacity(ABC, D("600"), Strategy.SNOWBALL, start=START)
    # Month 1: C (500) is the target: 600 − 50 − 50 = 500 to C, which owes 507.50.
    assert payments(plan, 1) == [D("50.00"), D("50.00"), D("500.00")]
    assert plan.months[1].lines[2].payment == D("7.61")  # 7.50 + 7.50 × 1.5 % = 0.1125 → 0.11
    assert plan.creditors[2].payoff_month == 2


def test_pro_rata_shares_by_balance_and_keeps_interest_running():
    plan = allocate_capacity(ABC, D("600"), Strategy.PRO_RATA, start=START)
    # 600 × 1000/3500 = 171.428… ; × 2000/3500 = 342.857… ; × 500/3500 = 85.714…
    assert payments(plan, 1) == [D("171.43"), D("342.86"), D("85.71")]
    assert plan.months[0].lines[0].principal == D("151.43")  # after 20.00 interest
    assert plan.total_interest > 0


def test_principal_first_stops_interest_and_clears_in_ceiling_of_total_over_capacity():
    plan = allocate_capacity(ABC, D("600"), Strategy.PRINCIPAL_FIRST, start=START)
    assert payments(plan, 1) == [D("171.43"), D("342.86"), D("85.71")]
    assert plan.total_interest == 0
    assert plan.months_to_clear == math.ceil(Fraction(3500, 600)) == 6
    assert plan.months[-1].total_paid == D("500.00")  # 3,500 − 5 × 600


def test_avalanche_costs_less_interest_than_snowball_on_the_example():
    avalanche = allocate_capacity(ABC, D("600"), Strategy.AVALANCHE, start=START)
    snowball = allocate_capacity(ABC, D("600"), Strategy.SNOWBALL, start=START)
    assert avalanche.total_interest < snowball.total_interest


# A Shenzhen-like reorganisation: about 750,000 yuan owed to 12 creditors, interest stopped,
# 20,000 a month to creditors, principal only.
SHENZHEN = (
    120000,
    95000,
    88000,
    80000,
    72000,
    65000,
    60000,
    55000,
    45000,
    30000,
    25000,
    15000,
)


def shenzhen_creditors():
    return [Creditor(f"c{i:02d}", f"债权人{i}", D(b), D("0.18")) for i, b in enumerate(SHENZHEN, 1)]


def test_shenzhen_like_plan_clears_750k_in_38_months_at_20k():
    assert sum(SHENZHEN) == 750000
    plan = allocate_capacity(
        shenzhen_creditors(), D("20000"), Strategy.PRINCIPAL_FIRST, start=date(2021, 8, 1)
    )
    # Cross-check: 37 × 20,000 = 740,000, so month 38 pays the last 10,000.
    assert plan.months_to_clear == 38 == math.ceil(Fraction(750000, 20000))
    assert [m.total_paid for m in plan.months[:37]] == [D("20000.00")] * 37
    assert plan.months[37].total_paid == D("10000.00")
    assert plan.total_paid == D("750000.00") and plan.total_interest == 0
    # Pro rata by balance shrinks every balance at the same pace: all clear in month 38.
    assert {s.payoff_month for s in plan.creditors} == {38}
    assert plan.creditors[0].first_payment == D("3200.00")  # 20,000 × 120/750
    assert plan.creditors[-1].payoff_date == date(2024, 9, 1)


def test_a_fixed_horizon_reports_what_is_left_instead_of_paying_it():
    plan = allocate_capacity(
        shenzhen_creditors(),
        D("20000"),
        Strategy.PRINCIPAL_FIRST,
        start=date(2021, 8, 1),
        horizon_months=36,
    )
    assert len(plan.months) == 36
    assert plan.remaining_balance == D("30000.00")  # 750,000 − 36 × 20,000
    assert not plan.feasible and plan.months_to_clear is None
    assert "allocation.not_cleared_within_horizon" in plan.findings


def test_a_household_keeping_the_shenzhen_allowance_feeds_the_plan():
    statement = make_statement(
        Household(adults=2, children=2, province="广东"),
        incomes=[Income(IncomeKind.WAGES, D("27700"))],
        expenses=[Expense(ExpenseCategory.FOOD, D("7700"))],
    )
    capacity = assess_capacity(statement, buffer_rate=D("0")).repayment_capacity
    assert capacity == D("20000.00")
    plan = allocate_capacity(shenzhen_creditors(), capacity, "principal_first", start=START)
    assert plan.months_to_clear == 38


def test_capacity_below_interest_stops_the_plan_with_a_finding():
    cs = [Creditor("a", "A", D("10000"), D("0.24")), Creditor("b", "B", D("5000"), D("0.24"))]
    plan = allocate_capacity(cs, D("300"), Strategy.PRO_RATA, start=START)  # interest is 300
    assert plan.findings[0] == "allocation.capacity_below_interest"
    assert len(plan.months) == 1 and not plan.feasible


def test_zero_capacity_gives_an_empty_infeasible_plan():
    plan = allocate_capacity(ABC, D("0"), Strategy.PRO_RATA, start=START)
    assert plan.months == () and not plan.feasible
    assert plan.findings == ("allocation.capacity_zero",)


def test_nothing_owed_is_cleared_at_once():
    plan = allocate_capacity(
        [Creditor("a", "A", D("0"), D("0.1"))], D("10"), "snowball", start=START
    )
    assert plan.feasible and plan.months_to_clear == 0
    assert plan.findings == ("allocation.nothing_owed",)


def test_excluded_creditors_get_nothing_and_are_reported():
    cs = [*ABC[:2], Creditor("X", "车贷", D("50000"), D("0.05"), excluded=True)]
    plan = allocate_capacity(cs, D("600"), Strategy.PRO_RATA, start=START)
    assert all(line.creditor_id != "X" for m in plan.months for line in m.lines)
    x = plan.creditors[2]
    assert x.excluded and x.total_paid == 0 and x.remaining_balance == D("50000.00")
    assert x.payoff_month is None
    assert "allocation.creditors_excluded" in plan.findings
    assert plan.feasible  # the plan clears everything it covers


def test_minimums_above_capacity_share_the_capacity_pro_rata_by_minimum():
    cs = [
        Creditor("a", "A", D("1000"), D("0"), minimum_payment=D("100")),
        Creditor("b", "B", D("1000"), D("0"), minimum_payment=D("50")),
    ]
    plan = allocate_capacity(cs, D("90"), Strategy.AVALANCHE, start=START)
    assert payments(plan, 1) == [D("60.00"), D("30.00")]
    assert "allocation.minimums_exceed_capacity" in plan.findings


def test_creditors_without_a_stated_minimum_get_one_percent_of_balance_by_default():
    cs = [Creditor("a", "A", D("1000"), D("0.24")), Creditor("b", "B", D("2345.67"), D("0.12"))]
    plan = allocate_capacity(cs, D("500"), Strategy.AVALANCHE, start=START)
    assert payments(plan, 1)[1] == D("23.46")  # 1 % of 2,345.67 = 23.4567, rounded up
    textbook = allocate_capacity(
        cs, D("500"), Strategy.AVALANCHE, start=START, default_minimum_rate=D("0")
    )
    assert payments(textbook, 1) == [D("500.00"), D("0.00")]


def test_pro_rata_below_a_stated_minimum_is_flagged():
    cs = [
        Creditor("a", "A", D("1000"), D("0"), minimum_payment=D("300")),
        Creditor("b", "B", D("1000"), D("0")),
    ]
    plan = allocate_capacity(cs, D("400"), Strategy.PRO_RATA, start=START)
    assert payments(plan, 1) == [D("200.00"), D("200.00")]
    assert "allocation.below_minimum_payment" in plan.findings


def test_month_dates_follow_the_month_end_rule():
    cs = [Creditor("a", "A", D("300"), D("0"))]
    plan = allocate_capacity(cs, D("100"), Strategy.PRO_RATA, start=date(2024, 1, 31))
    assert [m.date for m in plan.months] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_not_clearing_within_max_months_is_a_finding():
    cs = [Creditor("a", "A", D("100000"), D("0"))]
    plan = allocate_capacity(cs, D("100"), Strategy.PRO_RATA, start=START, max_months=12)
    assert len(plan.months) == 12
    assert plan.findings == ("allocation.not_cleared_within_max_months",)


def test_share_capped_gives_what_a_capped_part_cannot_take_to_the_others():
    parts = share_capped(D("100.00"), [D("1"), D("1"), D("2")], [D("10"), D("80"), D("80")])
    assert parts == (D("10.00"), D("30.00"), D("60.00"))


def test_share_capped_gives_every_part_at_least_a_fen_when_there_is_enough():
    parts = share_capped(D("1.00"), [D("99.99"), D("0.01")], [D("200"), D("200")])
    assert parts == (D("0.99"), D("0.01"))


@pytest.mark.parametrize(
    ("creditors", "kwargs", "code", "field"),
    [
        ([], {}, "allocation.no_creditors", "creditors"),
        (
            [ABC[0], Creditor("B", "B", D("-1"), D("0.1"))],
            {},
            "amount.negative",
            "creditors[1].balance",
        ),
        ([ABC[0], ABC[0]], {}, "creditor.id_duplicate", "creditors[1].id"),
        ([Creditor(" ", "B", D("1"), D("0.1"))], {}, "creditor.id_missing", "creditors[0].id"),
        ([Creditor("a", "A", D("1"), D("-0.1"))], {}, "rate.negative", "creditors[0].annual_rate"),
        (
            [Creditor("a", "A", D("1"), D("0.1"), minimum_payment=D("-5"))],
            {},
            "amount.negative",
            "creditors[0].minimum_payment",
        ),
        (list(ABC), {"horizon_months": 0}, "term.not_positive", "horizon_months"),
        (list(ABC), {"max_months": 0}, "term.not_positive", "max_months"),
        (list(ABC), {"capacity": D("-1")}, "amount.negative", "capacity"),
        (list(ABC), {"capacity": 100.0}, "amount.float_refused", "capacity"),
        (list(ABC), {"strategy": "random"}, "allocation.strategy_unknown", "strategy"),
    ],
)
def test_bad_input_is_refused_naming_the_field(creditors, kwargs, code, field):
    args = {"capacity": D("100"), "strategy": "pro_rata", **kwargs}
    with pytest.raises(DomainError) as err:
        allocate_capacity(
            creditors, args.pop("capacity"), args.pop("strategy"), start=START, **args
        )
    assert (err.value.code, err.value.field) == (code, field)
