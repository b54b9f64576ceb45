"""Proposals: each concession and a few combinations against hand-computed figures.

Expected numbers come from arithmetic written out here (Fractions, or plain figures worked by
hand in the comments), not from the code under test.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from support.positions import fen, owing
from xieshang.domain.amortization import build_schedule
from xieshang.domain.errors import DomainError
from xieshang.domain.money import YUAN
from xieshang.domain.proposals import (
    FirstPayment,
    HolidayInterest,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
    apply_proposal,
    loan_position,
)
from xieshang.domain.schedule import Method, validate_schedule

D = Decimal


def hand_annuity(principal: int, monthly: Fraction, months: int) -> list[Decimal]:
    """Payments of an annuity: level = P·r·g/(g−1), interest rounded each month, the last
    payment clears the balance."""
    g = (1 + monthly) ** months
    level = fen(principal * monthly * g / (g - 1))
    balance = D(principal)
    payments = []
    for k in range(months):
        interest = fen(Fraction(balance) * monthly)
        part = balance if k == months - 1 else level - interest
        balance -= part
        payments.append(part + interest)
    return payments


def card_position(**extra):
    # Credit card: 48,000 owed = 40,000 principal + 5,000 interest + 3,000 penalty, all overdue.
    return loan_position(
        as_of=date(2024, 3, 10),
        overdue_principal="40000",
        overdue_interest="5000",
        penalty="3000",
        annual_rate="0.18",
        **extra,
    )


# ---- 停息挂账 / interest stop -------------------------------------------------------------


def test_card_interest_stop_with_penalty_waived_is_sixty_installments_of_750():
    position = card_position()
    assert position.total_owed == D(48000)
    out = apply_proposal(position, Proposal((InterestStop(60), Waiver("penalty"))))
    # (48,000 − 3,000) / 60 = 750 exactly.
    assert [r.payment for r in out.schedule.rows] == [D("750.00")] * 60
    assert out.summary.total_to_pay == D(45000)
    assert out.summary.amount_waived == D(3000)
    assert out.summary.months_to_clear == 60
    assert out.summary.findings == ()
    assert out.schedule.rows[0].due_date == date(2024, 4, 10)  # a month after as_of
    assert out.summary.apr is not None
    assert out.summary.apr.apr_simple == 0


def test_interest_stop_installments_pay_interest_before_principal():
    out = apply_proposal(card_position(), Proposal((InterestStop(60), Waiver("penalty"))))
    rows = out.schedule.rows
    # 5,000 of interest is 6 × 750 + 500: rows 1–6 all interest, row 7 = 500 + 250 principal.
    assert all(r.interest == 750 and r.principal == 0 for r in rows[:6])
    assert (rows[6].interest, rows[6].principal) == (D(500), D(250))
    assert out.schedule.total_interest == D(5000)
    assert out.schedule.total_principal == out.schedule.principal == D(40000)
    assert validate_schedule(out.schedule) == ()


def test_interest_stop_over_sixty_installments_is_allowed_but_flagged():
    out = apply_proposal(card_position(), Proposal((InterestStop(72), Waiver("penalty"))))
    assert out.summary.regular_payment == D(625)  # 45,000 / 72
    assert "proposal.installments_over_60" in out.summary.findings


def test_interest_stop_remainder_goes_to_the_last_installment():
    out = apply_proposal(card_position(), Proposal((InterestStop(7),)))
    # 48,000 / 7 = 6857.142857… → six of 6857.14 and 48,000 − 6 × 6857.14 = 6857.16.
    assert [r.payment for r in out.schedule.rows] == [D("6857.14")] * 6 + [D("6857.16")]


# ---- settlement ----------------------------------------------------------------------------


def twenty_thousand():
    return loan_position(
        as_of=date(2024, 5, 20),
        overdue_principal="15000",
        overdue_interest="3000",
        penalty="1500",
        fees_due="500",
        annual_rate="0.24",
    )


def test_settlement_at_60_percent_of_20000_in_three_installments():
    out = apply_proposal(twenty_thousand(), Proposal((Settlement(D("0.6"), 3),)))
    assert [r.payment for r in out.schedule.rows] == [D(4000)] * 3
    assert out.summary.total_to_pay == D(12000)
    assert out.summary.amount_waived == D(8000)
    assert out.waived == (("settlement", D(8000)),)


def test_settlement_with_a_first_payment_counts_it_towards_the_settled_sum():
    proposal = Proposal((Settlement(D("0.6"), 3), FirstPayment(D(3000))))
    out = apply_proposal(twenty_thousand(), proposal)
    assert out.down_payment == D(3000)
    assert [r.payment for r in out.schedule.rows] == [D(3000)] * 3
    assert out.summary.first_payment == D(3000)
    assert out.summary.total_to_pay == D(12000)


def test_settlement_amount_is_rounded_half_up_to_the_fen():
    position = loan_position(as_of=date(2024, 1, 1), overdue_principal="12345.67", annual_rate="0")
    out = apply_proposal(
        position,
        Proposal(
            (
                Settlement(
                    D("0.6"),
                ),
            )
        ),
    )
    assert out.summary.total_to_pay == D("7407.40")  # 7407.402
    assert out.schedule.months == 1


def test_a_settlement_percent_written_as_60_is_refused():
    with pytest.raises(DomainError) as e:
        Settlement(D(60))
    assert e.value.code == "proposal.settlement_percent_out_of_range"


# ---- rate and term -------------------------------------------------------------------------


def twelve_thousand_at_24():
    contract = build_schedule(D(12000), D("0.24"), 12, date(2024, 1, 1), Method.ANNUITY)
    position = owing(
        "12000", "0.24", 12, current_schedule=contract, legally_protected_total="13000"
    )
    return contract, position


def test_rate_cut_from_24_to_12_percent_with_a_12_month_extension():
    contract, position = twelve_thousand_at_24()
    proposal = Proposal((RateReduction(D("0.12")), TermExtension(12)), label="降息展期")
    out = apply_proposal(position, proposal)
    expected = hand_annuity(12000, Fraction(1, 100), 24)
    assert expected[0] == D("564.88")
    assert [r.payment for r in out.schedule.rows] == expected
    assert out.summary.regular_payment == D("564.88")
    assert out.summary.months_to_clear == 24
    assert out.schedule.last_due_date == date(2026, 1, 1)
    # The contract: 12 × ~1134.72 at 2 % a month, worked the same way by hand.
    contract_total = sum(hand_annuity(12000, Fraction(2, 100), 12), D(0))
    assert contract.total_payment == contract_total
    new_total = sum(expected, D(0))
    assert out.summary.total_to_pay == new_total
    assert out.summary.savings_vs_contract == contract_total - new_total
    assert out.summary.savings_vs_contract > 0
    # Above the (caller-supplied) legally protected total: flagged.
    assert out.summary.savings_vs_legal == D(13000) - new_total
    assert "proposal.above_legal_total" in out.summary.findings
    assert out.summary.apr is not None
    assert out.summary.apr.apr_simple.quantize(D("0.001")) == D("0.120")


def test_extension_alone_lowers_the_payment_and_costs_more_interest():
    contract, position = twelve_thousand_at_24()
    out = apply_proposal(position, Proposal((TermExtension(12),)))
    expected = hand_annuity(12000, Fraction(2, 100), 24)
    assert [r.payment for r in out.schedule.rows] == expected
    assert out.summary.regular_payment < contract.regular_payment
    assert "proposal.costs_more_than_contract" in out.summary.findings


def test_a_rate_increase_is_not_a_reduction():
    _, position = twelve_thousand_at_24()
    with pytest.raises(DomainError) as e:
        apply_proposal(position, Proposal((RateReduction(D("0.30")),)))
    assert (e.value.code, e.value.field) == ("proposal.rate_not_lower", "new_annual_rate")


def test_a_broken_first_period_charges_accrued_and_part_month_interest_with_the_first_row():
    position = owing(
        "1200",
        "0.12",
        12,
        as_of=date(2024, 3, 10),
        next_due=date(2024, 4, 1),
        accrued_interest="3.60",  # 1200 × 12 % × 9/360
        method="equal-principal",
    )
    out = apply_proposal(position, Proposal(()))
    # 30/360 from 03-10 to 04-01 is 21 days: 1200 × 0.12 × 21/360 = 8.40, plus 3.60 accrued.
    assert out.schedule.rows[0].interest == D("12.00")
    assert out.schedule.rows[0].principal == D(100)
    assert out.schedule.rows[1].interest == D("11.00")  # 1100 × 1 %


def test_a_first_installment_a_day_away_on_a_long_annuity_charges_a_day_of_interest():
    position = owing("100", "0.296", 32, as_of=date(2020, 1, 1), next_due=date(2020, 1, 2))
    out = apply_proposal(position, Proposal(()))
    # 100 × 29.6 % × 1/360 = 0.0822 → 0.08; the principal runs as a whole-month annuity.
    assert out.schedule.rows[0].interest == D("0.08")
    assert out.schedule.rows[1].interest == fen(
        Fraction(out.schedule.rows[0].balance) * Fraction(296, 12000)
    )
    assert validate_schedule(out.schedule) == ()


def test_a_plan_starting_months_later_charges_the_gap_as_simple_interest():
    position = owing("1200", "0.12", 12, method="equal-principal")
    out = apply_proposal(position, Proposal(()), start=date(2024, 4, 15))
    rows = out.schedule.rows
    assert rows[0].due_date == date(2024, 5, 1)  # the contract's due day, after the start
    # 01-01 → 04-01 is 90 days of 30/360: 1200 × 0.12 × 90/360 = 36, plus April's 12.
    assert rows[0].interest == D(48)
    assert out.schedule.start == date(2024, 4, 15)


# ---- holidays ------------------------------------------------------------------------------


def holiday_position():
    return owing("1200", "0.12", 12, method="equal-principal")


def holiday(mode):
    return apply_proposal(holiday_position(), Proposal((PaymentHoliday(2, mode),)))


def test_a_holiday_with_interest_waived_charges_nothing_for_its_months():
    out = holiday(HolidayInterest.WAIVED)
    assert [r.payment for r in out.schedule.rows[:2]] == [D(0), D(0)]
    # Then 100 a month plus 1 % of the balance: 12 + 11 + … + 1 = 78 of interest.
    assert out.schedule.rows[2].payment == D(112)
    assert out.summary.total_to_pay == D(1278)
    assert out.summary.months_to_clear == 14


def test_a_holiday_with_interest_paid_is_grace_on_principal():
    out = holiday(HolidayInterest.PAID)
    assert [r.payment for r in out.schedule.rows[:3]] == [D(12), D(12), D(112)]
    assert out.summary.total_to_pay == D(1302)


def test_a_holiday_with_interest_deferred_pays_it_with_the_first_installment_after():
    out = holiday(HolidayInterest.DEFERRED)
    assert [r.payment for r in out.schedule.rows[:3]] == [D(0), D(0), D(136)]  # 100 + 12 + 24
    assert out.summary.total_to_pay == D(1302)
    assert out.summary.first_payment == D(136)


def test_a_holiday_with_interest_capitalised_grows_the_balance_and_is_flagged():
    out = holiday(HolidayInterest.CAPITALISED)
    rows = out.schedule.rows
    assert [r.capitalised for r in rows[:2]] == [D(12), D("12.12")]  # 1 % of 1200, of 1212
    assert rows[1].balance == D("1224.12")
    # 1224.12 / 12 = 102.01 principal, interest 1 % of 1224.12 = 12.24.
    assert rows[2].payment == D("114.25")
    assert out.schedule.principal == D(1200)
    assert "proposal.interest_capitalised" in out.summary.findings
    assert validate_schedule(out.schedule) == ()


def test_a_bullet_loan_takes_no_holiday_but_can_be_extended_and_keeps_one_payment():
    position = owing(
        "10000",
        "0.12",
        1,
        as_of=date(2024, 3, 1),
        next_due=date(2024, 6, 1),
        accrued_interest="200",
        method="bullet",
    )
    with pytest.raises(DomainError) as e:
        apply_proposal(position, Proposal((PaymentHoliday(1),)))
    assert e.value.code == "proposal.holiday_not_applicable"
    out = apply_proposal(position, Proposal((TermExtension(3),)))
    # One payment at the maturity moved 3 months (06-01 → 09-01): 200 accrued + simple
    # interest 03-01 → 09-01 (6 months of 30/360): 10,000 × 12 % × 6/12 = 600.
    (row,) = out.schedule.rows
    assert row.due_date == date(2024, 9, 1)
    assert row.interest == D(800)
    assert row.principal == D(10000)


# ---- re-ageing, waivers, first payment ----------------------------------------------------


def arrears_position():
    return owing("1200", "0", 12, overdue_principal="300")


def test_without_re_ageing_the_arrears_are_due_with_the_first_installment():
    out = apply_proposal(arrears_position(), Proposal(()))
    assert [r.payment for r in out.schedule.rows] == [D(400)] + [D(100)] * 11


def test_re_ageing_spreads_the_arrears_over_the_first_n_installments():
    out = apply_proposal(arrears_position(), Proposal((ReAgeing(3),)))
    assert [r.payment for r in out.schedule.rows] == [D(200)] * 3 + [D(100)] * 9


def test_arrears_on_a_bullet_loan_fall_due_monthly_before_its_maturity():
    position = owing("1000", "0", 1, overdue_interest="90", method="bullet")
    out = apply_proposal(position, Proposal((TermExtension(5), ReAgeing(3))))
    dates = [r.due_date.month for r in out.schedule.rows]
    assert dates == [2, 3, 4, 7]  # 30 a month for three months, then 1000 at maturity
    assert [r.payment for r in out.schedule.rows] == [D(30)] * 3 + [D(1000)]


def test_re_ageing_longer_than_the_plan_adds_installments():
    out = apply_proposal(arrears_position(), Proposal((ReAgeing(15),)))
    assert [r.payment for r in out.schedule.rows] == [D(120)] * 12 + [D(20)] * 3
    assert out.schedule.rows[-1].due_date == date(2025, 4, 1)


def test_waivers_by_fraction_and_by_amount():
    out = apply_proposal(
        card_position(fees_due="200"),
        Proposal(
            (Waiver("penalty", fraction=D("0.5")), Waiver("fees", amount=D(150)), InterestStop(10))
        ),
    )
    assert dict(out.waived) == {"penalty": D(1500), "fees": D(150)}
    assert out.summary.amount_waived == D(1650)
    assert out.summary.total_to_pay == D(48200) - D(1650)


def test_a_waiver_larger_than_its_item_is_refused_and_a_waiver_of_nothing_is_flagged():
    with pytest.raises(DomainError) as e:
        apply_proposal(card_position(), Proposal((Waiver("penalty", amount=D(3001)),)))
    assert (e.value.code, e.value.field) == ("proposal.waiver_exceeds_item", "amount")
    out = apply_proposal(card_position(), Proposal((Waiver("fees"), InterestStop(12))))
    assert "proposal.waiver_of_nothing" in out.summary.findings


def test_a_first_payment_settles_fees_penalty_interest_then_principal():
    position = owing(
        "1000",
        "0.12",
        10,
        fees_due="10",
        penalty="20",
        overdue_interest="30",
        accrued_interest="40",
        overdue_principal="100",
    )
    out = apply_proposal(position, Proposal((FirstPayment(D(150)), InterestStop(2))))
    # 150 pays 10 + 20 + 30 + 40 and 50 of the overdue principal: 1050 of principal is left.
    assert out.down_payment == D(150)
    assert out.rescheduled_amount == D(1050)
    assert [(r.principal, r.interest, r.fee) for r in out.schedule.rows] == [
        (D(525), D(0), D(0))
    ] * 2
    assert out.summary.first_payment == D(150)
    assert out.summary.total_to_pay == position.total_owed == D(1200)


def test_a_first_payment_as_large_as_the_debt_is_refused():
    with pytest.raises(DomainError) as e:
        apply_proposal(arrears_position(), Proposal((FirstPayment(D(1500)),)))
    assert e.value.code == "proposal.first_payment_too_large"


def test_whole_yuan_splits_for_an_interest_stop():
    out = apply_proposal(card_position(), Proposal((InterestStop(7),)), unit=YUAN)
    assert [r.payment for r in out.schedule.rows] == [D(6857)] * 6 + [D(6858)]


# ---- refused combinations and inputs -------------------------------------------------------


@pytest.mark.parametrize(
    ("concessions", "code"),
    [
        ((Settlement(D("0.5")), TermExtension(6)), "proposal.incompatible"),
        ((InterestStop(12), RateReduction(D("0.1"))), "proposal.incompatible"),
        ((Waiver("penalty"), Settlement(D("0.5"))), "proposal.incompatible"),
        ((RateReduction(D("0.1")), RateReduction(D("0.05"))), "proposal.duplicate_concession"),
        (
            (Waiver("penalty"), Waiver("penalty", fraction=D("0.5"))),
            "proposal.duplicate_concession",
        ),
        (("a discount",), "proposal.unknown_concession"),
    ],
)
def test_contradictory_or_repeated_concessions_are_refused_with_precise_codes(concessions, code):
    with pytest.raises(DomainError) as e:
        Proposal(concessions)
    assert e.value.code == code
    assert e.value.field == "concessions"


def test_waivers_of_different_items_combine():
    assert len(Proposal((Waiver("penalty"), Waiver("fees"), InterestStop(3))).waivers) == 2


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: TermExtension(0), "proposal.count_not_positive", "extra_months"),
        (lambda: InterestStop(361), "proposal.term_too_long", "installments"),
        (lambda: ReAgeing(True), "proposal.count_not_integer", "installments"),
        (lambda: Waiver("principal"), "proposal.waiver_target_unknown", "target"),
        (
            lambda: Waiver("fees", fraction=D("1.5")),
            "proposal.waiver_fraction_out_of_range",
            "fraction",
        ),
        (
            lambda: Waiver("fees", fraction=D("0.5"), amount=D(1)),
            "proposal.waiver_ambiguous",
            "fraction",
        ),
        (lambda: FirstPayment(D(0)), "amount.not_positive", "amount"),
        (lambda: RateReduction(D("-0.01")), "rate.negative", "new_annual_rate"),
        (lambda: PaymentHoliday(2, "capitalised"), "proposal.holiday_interest_unknown", "interest"),
    ],
)
def test_concessions_check_their_own_numbers(make, code, field):
    with pytest.raises(DomainError) as e:
        make()
    assert (e.value.code, e.value.field) == (code, field)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"penalty": "-1"}, "amount.negative", "penalty"),
        ({"penalty": 1.5}, "amount.float_refused", "penalty"),
        ({"remaining_months": 0}, "position.remaining_months_missing", "remaining_months"),
        ({"next_due": date(2024, 1, 1)}, "position.next_due_not_after_as_of", "next_due"),
        ({"next_due": None}, "position.next_due_missing", "next_due"),
        ({"method": "manual"}, "position.method_manual", "method"),
        ({"method": "bullet"}, "position.bullet_one_installment", "remaining_months"),
        ({"annual_rate": "abc"}, "rate.not_a_number", "annual_rate"),
    ],
)
def test_a_position_is_validated_with_codes_naming_the_field(changes, code, field):
    args = {
        "as_of": date(2024, 1, 1),
        "outstanding_principal": "1000",
        "annual_rate": "0.1",
        "remaining_months": 10,
        "next_due": date(2024, 2, 1),
    } | changes
    with pytest.raises(DomainError) as e:
        loan_position(**args)
    assert (e.value.code, e.value.field) == (code, field)


def test_a_position_owing_nothing_or_with_months_but_no_principal_is_refused():
    with pytest.raises(DomainError) as e:
        loan_position(as_of=date(2024, 1, 1), annual_rate="0.1")
    assert e.value.code == "position.nothing_owed"
    with pytest.raises(DomainError) as e:
        loan_position(as_of=date(2024, 1, 1), annual_rate="0.1", penalty="5", remaining_months=2)
    assert e.value.code == "position.remaining_months_without_principal"


def test_a_contract_schedule_that_does_not_match_the_position_is_refused():
    contract, _ = twelve_thousand_at_24()
    with pytest.raises(DomainError) as e:
        owing("11000", "0.24", 12, current_schedule=contract)
    assert (e.value.code, e.value.field) == ("position.schedule_mismatch", "current_schedule")


def test_start_and_first_due_are_checked():
    position = arrears_position()
    with pytest.raises(DomainError) as e:
        apply_proposal(position, Proposal(()), start=date(2023, 12, 31))
    assert e.value.code == "proposal.start_before_as_of"
    with pytest.raises(DomainError) as e:
        apply_proposal(position, Proposal(()), first_due=date(2024, 1, 1))
    assert e.value.code == "proposal.first_due_not_after_start"


def test_extending_a_loan_with_nothing_left_to_amortise_is_refused_unless_overdue_principal_joins():
    matured = loan_position(
        as_of=date(2024, 1, 1), overdue_principal="1200", overdue_interest="50", annual_rate="0.12"
    )
    with pytest.raises(DomainError) as e:
        apply_proposal(matured, Proposal((TermExtension(12),)))
    assert e.value.code == "proposal.nothing_to_extend"
    out = apply_proposal(matured, Proposal((TermExtension(12, include_overdue_principal=True),)))
    expected = hand_annuity(1200, Fraction(1, 100), 12)
    # The overdue interest stays interest-free and is due with the first installment.
    assert [r.payment for r in out.schedule.rows] == [expected[0] + 50, *expected[1:]]


def test_concessions_that_forgive_the_whole_debt_are_refused_with_their_own_code():
    position = loan_position(as_of=date(2024, 1, 1), annual_rate="0", accrued_interest="0.01")
    with pytest.raises(DomainError) as info:
        apply_proposal(position, Proposal((Waiver("interest"), InterestStop(1))))
    assert info.value.code == "proposal.nothing_left"
    with pytest.raises(DomainError) as info:
        apply_proposal(position, Proposal((Settlement(Decimal("0.01")),)))
    assert info.value.code == "proposal.nothing_left"
