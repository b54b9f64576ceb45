"""Restructuring vectors V-F5, V-F6, V-F7 (Apache Fineract end-to-end scenarios,
reference/test-vectors.md) reproduced by Xieshang proposals.

Conventions, where ours and Fineract's differ:
* Our new plans are monthly.  V-F7's loan pays every 15 days; we compare its amounts and its
  first re-aged due date, and state the later monthly date we produce instead.
* Our even splits are in fen by default (125 / 2 = 62.50 each); Fineract splits in whole
  currency units with the remainder to the last (62 and 63).  Passing ``unit=YUAN`` to
  ``apply_proposal`` gives their split.
"""

from datetime import date
from decimal import Decimal

import pytest

from support.positions import owing
from xieshang.domain.amortization import build_schedule
from xieshang.domain.money import YUAN
from xieshang.domain.proposals import (
    HolidayInterest,
    PaymentHoliday,
    Proposal,
    ReAgeing,
    TermExtension,
    apply_proposal,
)
from xieshang.domain.schedule import Installment, Method, manual_schedule, validate_schedule

D = Decimal


def vf5_position(method: Method):
    """3000 at 0 %, 3 monthly installments from 2023-07-01; the first (08-01) is paid."""
    contract = build_schedule(D("3000"), D("0"), 3, date(2023, 7, 1), method)
    assert [r.due_date for r in contract.rows] == [
        date(2023, 8, 1),
        date(2023, 9, 1),
        date(2023, 10, 1),
    ]
    position = owing(
        "2000", "0", 2, as_of=date(2023, 8, 1), method=method, current_schedule=contract
    )
    return contract, position


@pytest.mark.parametrize("method", [Method.ANNUITY, Method.EQUAL_PRINCIPAL])
def test_v_f5_two_extra_terms_after_the_first_installment_give_four_of_500(method):
    contract, position = vf5_position(method)
    out = apply_proposal(position, Proposal((TermExtension(2),)))
    paid = [contract.rows[0].payment]
    assert paid + [r.payment for r in out.schedule.rows] == [
        D(1000),
        D(500),
        D(500),
        D(500),
        D(500),
    ]
    assert [r.due_date for r in out.schedule.rows] == [
        date(2023, 9, 1),
        date(2023, 10, 1),
        date(2023, 11, 1),
        date(2023, 12, 1),
    ]
    assert out.schedule.last_due_date == date(2023, 12, 1)
    assert validate_schedule(out.schedule) == ()
    # At 0 % an extension costs nothing more and saves nothing.
    assert out.summary.total_to_pay == D("2000.00")
    assert out.summary.savings_vs_contract == D("0.00")
    assert out.summary.months_to_clear == 4


@pytest.mark.parametrize("mode", list(HolidayInterest))
def test_v_f6_one_installment_of_principal_grace_gives_1000_0_1000_1000(mode):
    # Fineract's "grace on principal" is our PaymentHoliday with interest PAID; at 0 % every
    # holiday interest mode (deferred, capitalised, waived, paid) gives the same rows.
    contract, position = vf5_position(Method.ANNUITY)
    out = apply_proposal(position, Proposal((PaymentHoliday(1, mode),)))
    paid = [contract.rows[0].payment]
    assert paid + [r.payment for r in out.schedule.rows] == [D(1000), D(0), D(1000), D(1000)]
    assert out.schedule.rows[0].due_date == date(2023, 9, 1)
    assert out.schedule.last_due_date == date(2023, 11, 1)
    assert validate_schedule(out.schedule) == ()
    assert out.summary.regular_payment == D(1000)
    assert out.summary.first_payment == D(1000)  # the first installment with anything due


def vf7_position():
    """500 at 0 % with a 25 % down payment (125); 375 in 3 installments every 15 days from
    2024-01-01 (contract typed in by hand).  The installment of 01-16 is missed."""
    assert D(500) * D("0.25") == D(125)
    rows = [
        Installment(1, date(2024, 1, 16), D("125.00"), D("125.00"), D(0), D("250.00")),
        Installment(2, date(2024, 1, 31), D("125.00"), D("125.00"), D(0), D("125.00")),
        Installment(3, date(2024, 2, 15), D("125.00"), D("125.00"), D(0), D("0.00")),
    ]
    contract = manual_schedule(D("375.00"), date(2024, 1, 1), rows)
    return owing(
        "250",
        "0",
        2,
        as_of=date(2024, 1, 16),
        next_due=date(2024, 1, 31),
        overdue_principal="125",
        current_schedule=contract,
    )


def test_v_f7_missed_installment_re_aged_in_whole_units_gives_187_and_188():
    out = apply_proposal(vf7_position(), Proposal((ReAgeing(2),)), unit=YUAN)
    # Fineract's convention: 125 / 2 = 62.5 → 62 in whole units, remainder (63) to the last.
    assert [r.payment for r in out.schedule.rows] == [D(187), D(188)]
    assert [r.principal for r in out.schedule.rows] == [D(187), D(188)]
    assert out.schedule.rows[0].due_date == date(2024, 1, 31)
    # Fineract's second date is 2024-02-15 (15-day periods); our plans are monthly.
    assert out.schedule.rows[1].due_date == date(2024, 2, 29)
    assert out.summary.total_to_pay == D(375)
    assert out.summary.savings_vs_contract == D(0)
    assert validate_schedule(out.schedule) == ()


def test_v_f7_under_our_default_fen_convention_gives_187_50_twice():
    out = apply_proposal(vf7_position(), Proposal((ReAgeing(2),)))
    # Our convention: the arrears split to the fen, 62.50 + 62.50.
    assert [r.payment for r in out.schedule.rows] == [D("187.50"), D("187.50")]
    assert out.summary.regular_payment == D("187.50")
