from datetime import date
from decimal import Decimal

import pytest

from xieshang.domain.errors import DomainError
from xieshang.domain.schedule import (
    Installment,
    Method,
    Schedule,
    manual_schedule,
    validate_schedule,
)

D = Decimal


def fineract_rows():
    # V-F1 rows, typed in by hand as a borrower would from a contract.
    data = [
        ("2024-02-01", "17.13", "16.34", "0.79", "83.66"),
        ("2024-03-01", "17.13", "16.47", "0.66", "67.19"),
        ("2024-04-01", "17.13", "16.60", "0.53", "50.59"),
        ("2024-05-01", "17.13", "16.73", "0.40", "33.86"),
        ("2024-06-01", "17.13", "16.86", "0.27", "17.00"),
        ("2024-07-01", "17.13", "17.00", "0.13", "0.00"),
    ]
    return [
        Installment(n, date.fromisoformat(d), D(p), D(pr), D(i), D(b))
        for n, (d, p, pr, i, b) in enumerate(data, start=1)
    ]


def test_a_hand_entered_contract_schedule_that_holds_together_is_accepted():
    s = manual_schedule(D("100.00"), date(2024, 1, 1), fineract_rows())
    assert s.method is Method.MANUAL
    assert s.total_payment == D("102.78")
    assert s.total_interest == D("2.78")
    assert s.regular_payment == D("17.13")


def test_a_typo_in_a_hand_entered_row_is_reported_with_its_row_number():
    rows = fineract_rows()
    rows[2] = Installment(3, rows[2].due_date, D("17.13"), D("16.60"), D("0.35"), D("50.59"))
    with pytest.raises(DomainError) as info:
        manual_schedule(D("100.00"), date(2024, 1, 1), rows)
    problems = info.value.params["problems"]
    assert [(p.code, p.n) for p in problems] == [("schedule.payment_mismatch", 3)]


def test_every_kind_of_inconsistency_is_found_at_once():
    rows = [
        Installment(1, date(2024, 3, 1), D("60"), D("60"), D("0"), D("40")),
        Installment(3, date(2024, 2, 1), D("30"), D("30"), D("0"), D("5")),
    ]
    codes = {
        p.code
        for p in validate_schedule(
            Schedule(D("100"), D("0"), date(2024, 1, 1), Method.MANUAL, tuple(rows))
        )
    }
    assert codes == {
        "schedule.numbering",
        "schedule.dates_not_increasing",
        "schedule.balance_mismatch",
        "schedule.not_paid_off",
        "schedule.principal_sum",
    }


def test_an_empty_schedule_is_not_a_schedule():
    assert [
        p.code
        for p in validate_schedule(Schedule(D("1"), D("0"), date(2024, 1, 1), Method.MANUAL, ()))
    ] == ["schedule.empty"]


def test_dated_flows_start_with_the_money_received():
    s = manual_schedule(D("100.00"), date(2024, 1, 1), fineract_rows())
    flows = s.dated_flows(received=D("95.00"))
    assert flows[0] == (date(2024, 1, 1), D("95.00"))
    assert flows[-1] == (date(2024, 7, 1), D("-17.13"))


def test_method_names_parse_in_english_and_chinese():
    assert Method.parse("等额本金") is Method.EQUAL_PRINCIPAL
    assert Method.parse("Interest_Only") is Method.INTEREST_ONLY
    with pytest.raises(DomainError) as info:
        Method.parse("balloon")
    assert info.value.code == "method.unknown"
