"""The law engine on hand-computed loans: regime, cap, amount above the cap, findings.

Hand figures use bullet loans (one payment, so the cap test is one line of arithmetic) and the
shipped data (LPR table and legal_rules.toml).  30/360 bullet interest = rate × months / 12.
"""

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.errors import DomainError
from xieshang.domain.law import (
    CapLine,
    Covers,
    LegalRules,
    allowed_interest,
    assess_loan,
    select_regime,
    simulate_cap,
    whole_months,
)
from xieshang.domain.loan import Fee, FeeTiming, LenderType, make_loan
from xieshang.domain.schedule import Installment, validate_schedule

D = Decimal
LPR = load_lpr_table()
RULES = load_legal_rules()
TODAY = date(2025, 6, 1)


def loan(**kw):
    terms = {
        "id": "L",
        "lender": "lender",
        "lender_type": "private",
        "contract_date": date(2021, 3, 1),
        "principal": "10000",
        "annual_rate": "0.24",
        "months": 12,
        "method": "bullet",
        "start": kw.get("contract_date", date(2021, 3, 1)),
    }
    terms.update(kw)
    return make_loan(**terms)


def assess(ln, **kw):
    return assess_loan(ln, RULES, LPR, as_of=kw.pop("as_of", TODAY), **kw)


def fen(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ LPR and regimes


def test_one_year_lpr_is_the_latest_fixing_on_or_before_the_day():
    assert LPR.one_year_at(date(2019, 8, 20)) == D("0.0425")
    assert LPR.one_year_at(date(2021, 3, 1)) == D("0.0385")
    assert LPR.one_year_at(date(2024, 10, 20)) == D("0.0335")
    assert LPR.one_year_at(date(2024, 10, 21)) == D("0.031")
    assert LPR.one_year_at(date(2030, 1, 1)) == D("0.03")


def test_lpr_before_the_first_fixing_is_refused():
    with pytest.raises(DomainError) as e:
        LPR.one_year_at(date(2019, 8, 19))
    assert e.value.code == "lpr.before_first_fixing"


@pytest.mark.parametrize(
    ("kind", "day", "regime"),
    [
        ("private", date(2020, 8, 19), "private_lending_transition"),
        ("private", date(2020, 8, 20), "private_lending_2020"),
        ("private", date(2015, 9, 1), "private_lending_transition"),
        ("small_loan", date(2020, 12, 31), "local_financial_org"),
        ("small_loan", date(2021, 1, 1), "local_financial_org"),
        ("pawnshop", date(2023, 5, 5), "local_financial_org"),
        ("bank", date(2010, 1, 1), "financial_institution"),
        ("consumer_finance", date(2025, 6, 1), "financial_institution"),
        ("other_financial", date(2022, 2, 2), "financial_institution"),
        ("credit_card", date(2024, 1, 1), "credit_card"),
    ],
)
def test_the_regime_depends_on_lender_type_and_contract_date(kind, day, regime):
    assert select_regime(LenderType(kind), day, RULES).id == regime


def test_a_private_contract_older_than_the_2015_rule_has_no_regime():
    with pytest.raises(DomainError) as e:
        select_regime(LenderType.PRIVATE, date(2015, 8, 31), RULES)
    assert e.value.code == "law.no_regime"


def test_local_lenders_before_2021_carry_a_note_that_courts_differed():
    a = assess(loan(lender_type="small_loan", contract_date=date(2020, 10, 1), annual_rate="0.2"))
    assert "law.local_org_before_scope_reply" in a.codes
    assert a.cap == D("0.24")


# ------------------------------------------------------------------ private lending


@pytest.mark.parametrize(
    ("signed", "cap", "rate", "months", "above"),
    [
        # 4 × 3.85 % = 15.4 %: interest 2400 − allowed 10000 × 0.154 = 1540 → 860.00
        (date(2021, 3, 1), D("0.1540"), "0.24", 12, D("860.00")),
        # 4 × 3.10 % = 12.4 %: interest 750 − allowed 10000 × 0.124 × 6/12 = 620 → 130.00
        (date(2024, 11, 1), D("0.1240"), "0.15", 6, D("130.00")),
        # 4 × 3.00 % = 12.0 %: interest 450 − allowed 10000 × 0.12 × 3/12 = 300 → 150.00
        (date(2025, 6, 1), D("0.1200"), "0.18", 3, D("150.00")),
    ],
)
def test_private_loans_are_capped_at_four_times_the_lpr_at_the_contract_date(
    signed, cap, rate, months, above
):
    a = assess(loan(contract_date=signed, start=signed, annual_rate=rate, months=months))
    assert a.regime_id == "private_lending_2020"
    assert a.cap == cap
    assert a.cap_basis == "4x_lpr_1y@contract_date"
    assert a.amount_above_cap == above
    assert a.charges_total - a.charges_allowed == above
    assert "law.above_cap" in a.codes
    finding = next(f for f in a.findings if f.code == "law.above_cap")
    assert finding.severity == "violation"
    assert f"{cap * 100:.2f}%" in finding.explanation_zh
    assert str(above) in finding.explanation_en
    assert "{" not in finding.explanation_zh + finding.explanation_en


def test_a_private_loan_exactly_at_the_cap_has_nothing_above_it():
    for method in ("bullet", "annuity", "equal-principal", "interest-only"):
        a = assess(loan(annual_rate="0.154", method=method))
        assert a.amount_above_cap == 0, method
        assert "law.above_cap" not in a.codes
        assert a.charges_allowed == a.charges_total


def test_a_private_loan_signed_before_2020_08_20_is_split_at_that_day():
    # 2019-06-01 → 2020-08-20 is 446 days at 24 %; 2020-08-20 → 2021-06-01 is 285 days at
    # 4 × LPR "at filing": no suit, so today's 3.00 % → 12 %.
    a = assess(loan(contract_date=date(2019, 6, 1), annual_rate="0.30", months=24))
    allowed = fen(D(10000) * (D("0.24") * 446 + D("0.12") * 285) / 365)
    assert allowed == D("3869.59")
    assert a.regime_id == "private_lending_transition"
    assert (a.cap, a.cap_after, a.split_on) == (D("0.24"), D("0.1200"), date(2020, 8, 20))
    assert a.cap_basis == "0.24|4x_lpr_1y@as_of"
    assert a.amount_above_cap == D("6000.00") - allowed == D("2130.41")
    assert "law.above_void_line" not in a.codes  # 30 % agreed: nothing above 36 %
    assert "law.cap_uses_today_lpr" in a.codes
    assert a.cap_on(date(2020, 8, 19)) == D("0.24")
    assert a.cap_on(date(2025, 1, 1)) == D("0.1200")


def test_legacy_interest_above_36_percent_is_reported_as_void():
    # 2019-06-01 → 2020-06-01, all before the split: 4800 interest; 24 % allows 2400,
    # 36 % allows 3600 → 2400 above the enforced line, 1200 of it void.
    a = assess(loan(contract_date=date(2019, 6, 1), annual_rate="0.48"))
    assert a.amount_above_cap == D("2400.00")
    void = next(f for f in a.findings if f.code == "law.above_void_line")
    assert void.params["void_amount"] == "1200.00"
    assert void.severity == "violation" and "36.00%" in void.explanation_zh


def test_a_lower_agreed_rate_lends_no_room_across_the_split():
    # 20 % agreed, 2019-06-01 → 2021-06-01: before the split 20 % < 24 % is fine; after it
    # only 12 % is allowed: 10000 × (0.20 × 446 + 0.12 × 285) / 365 = 3380.82; paid 4000.
    a = assess(loan(contract_date=date(2019, 6, 1), annual_rate="0.20", months=24))
    assert a.amount_above_cap == D("4000.00") - D("3380.82")


def test_a_filing_date_fixes_the_lpr_for_interest_after_the_split():
    a = assess(
        loan(contract_date=date(2019, 6, 1), annual_rate="0.30", months=24),
        filed_on=date(2024, 11, 1),
    )
    assert a.cap_after == D("0.1240")
    assert a.amount_above_cap == D("6000.00") - fen(
        D(10000) * (D("0.24") * 446 + D("0.124") * 285) / 365
    )
    assert a.amount_above_cap == D("2099.18")
    assert "law.cap_uses_today_lpr" not in a.codes
    assert a.cap_basis == "0.24|4x_lpr_1y@filing"


def test_interest_deducted_up_front_makes_the_received_amount_the_principal():
    a = assess(loan(deducted_interest="1000", annual_rate="0.10"))
    # received 9000; paid 11000 → charges 2000; allowed 9000 × 15.4 % = 1386 → 614 above.
    assert a.charges_total == D("2000.00")
    assert a.amount_above_cap == D("614.00")
    assert "law.upfront_deduction" in a.codes
    f = next(f for f in a.findings if f.code == "law.upfront_deduction")
    assert f.params["deducted"] == "1000.00" and f.params["received"] == "9000.00"


# ------------------------------------------------------------------ licensed lenders


def test_a_small_loan_at_36_percent_with_deducted_interest_is_measured_on_what_was_received():
    signed = date(2023, 1, 5)  # to 2024-01-05: 365 days, so XIRR is plain arithmetic
    a = assess(
        loan(
            lender_type="网络小贷",
            contract_date=signed,
            annual_rate="0.36",
            deducted_interest="1000",
        )
    )
    # paid 13600 on 9000 received: charges 4600; allowed 9000 × 24 % = 2160 → 2440 above.
    assert a.regime_id == "local_financial_org"
    assert a.cap == D("0.24")
    assert a.charges_total == D("4600.00")
    assert a.amount_above_cap == D("2440.00")
    assert a.apr.apr_compound.quantize(D("0.000001")) == (D(13600) / D(9000) - 1).quantize(
        D("0.000001")
    )
    assert a.apr.apr_simple > D("0.36")
    assert {
        "law.above_cap",
        "law.above_cash_loan_line",
        "law.upfront_deduction_banned",
        "law.rate_disclosure_gap",
    } <= set(a.codes)


def test_a_bank_loan_at_18_percent_with_fees_goes_above_the_24_percent_line():
    # Bullet: 10000 at 18 % for 12 months, 800 service fee deducted from the proceeds:
    # received 9200, paid 11800 → charges 2600; allowed 9200 × 24 % = 2208 → 392 above.
    fee = Fee("service", D("800"), FeeTiming.DEDUCTED_UPFRONT)
    a = assess(loan(lender_type="bank", annual_rate="0.18", fees=(fee,)))
    assert a.regime_id == "financial_institution"
    assert a.amount_above_cap == D("392.00")
    assert a.covers == "all_in"


def test_monthly_fees_on_a_bank_annuity_push_the_all_in_rate_above_24_percent():
    fee = Fee("service", D("60"), FeeTiming.PER_INSTALLMENT)
    ln = loan(lender_type="bank", annual_rate="0.18", method="annuity", fees=(fee,))
    s = ln.schedule()
    assert validate_schedule(s) == ()
    assert s.rows[0].payment == D("976.80") and s.rows[0].fee == D("60")
    assert s.total_fees == D("720.00")
    a = assess(ln)
    assert a.apr.apr_simple > D("0.30")
    assert a.amount_above_cap > 0
    without = assess(loan(lender_type="bank", annual_rate="0.18", method="annuity"))
    assert without.amount_above_cap == 0 and "law.above_cap" not in without.codes


def test_a_cap_covering_interest_only_leaves_fees_out():
    fee = Fee("service", D("800"), FeeTiming.DEDUCTED_UPFRONT)
    interest_only_rules = LegalRules(
        tuple(
            replace(r, covers=Covers.INTEREST) if r.id == "financial_institution_24" else r
            for r in RULES.rules
        ),
        RULES.disclaimer_code,
    )
    ln = loan(lender_type="bank", annual_rate="0.18", fees=(fee,))
    a = assess_loan(ln, interest_only_rules, LPR, as_of=TODAY)
    assert a.amount_above_cap == 0  # 1800 interest on 10000 is within 24 %
    assert a.covers == "interest"


def test_advisory_window_guidance_warns_but_never_caps():
    ln = loan(lender_type="consumer_finance", contract_date=date(2025, 6, 1), annual_rate="0.22")
    a = assess(ln)
    assert a.amount_above_cap == 0
    f = next(f for f in a.findings if f.code == "law.above_window_guidance")
    assert (f.severity, f.confidence) == ("warning", "⚠️")
    assert f.params["line_pct"] == "20.00"
    switched_off = LegalRules(
        tuple(
            replace(r, enabled=False) if r.id == "window_guidance_2025_20" else r
            for r in RULES.rules
        ),
        RULES.disclaimer_code,
    )
    b = assess_loan(ln, switched_off, LPR, as_of=TODAY)
    assert "law.above_window_guidance" not in b.codes


def test_a_bank_penalty_rate_above_contract_plus_50_percent_is_flagged_as_advisory():
    high = assess(loan(lender_type="bank", annual_rate="0.10", overdue_rate="0.16"))
    usual = assess(loan(lender_type="bank", annual_rate="0.10", overdue_rate="0.15"))
    f = next(f for f in high.findings if f.code == "law.overdue_markup_high")
    assert f.params["limit_pct"] == "15.00" and f.confidence == "⚠️"
    assert "law.overdue_markup_high" not in usual.codes


# ------------------------------------------------------------------ credit cards


def test_a_credit_card_plan_has_no_cap_but_must_disclose_and_respect_60_months():
    a = assess(loan(lender_type="信用卡", annual_rate="0.15", method="annuity", months=72))
    assert (a.regime_id, a.cap, a.cap_basis, a.amount_above_cap) == ("credit_card", None, "none", 0)
    assert {"law.card_rate_must_be_disclosed", "law.card_installment_term_too_long"} <= set(a.codes)
    assert "law.above_judicial_line" not in a.codes
    assert a.charges_allowed == a.charges_total


def test_a_credit_card_above_24_percent_gets_the_judicial_line_as_a_warning():
    a = assess(loan(lender_type="credit_card", annual_rate="0.30", method="annuity", months=24))
    f = next(f for f in a.findings if f.code == "law.above_judicial_line")
    assert f.severity == "warning"
    assert "law.card_installment_term_too_long" not in a.codes


# ------------------------------------------------------------------ the money test itself


def test_every_assessment_carries_the_not_legal_advice_code():
    assert assess(loan()).disclaimer == "law.disclaimer.not_legal_advice"


def test_allowed_interest_counts_whole_months_by_twelfths_and_other_periods_by_days():
    line = CapLine(D("0.24"))
    assert allowed_interest(D("1000"), date(2024, 1, 31), date(2024, 2, 29), line) == D("20.00")
    assert allowed_interest(D("1000"), date(2024, 1, 1), date(2024, 1, 31), line) == fen(
        D(1000) * D("0.24") * 30 / 365
    )
    assert whole_months(date(2024, 3, 31), date(2024, 4, 30)) == 1
    assert whole_months(date(2024, 4, 30), date(2024, 5, 31)) == 1  # month-end anchor
    assert whole_months(date(2024, 1, 15), date(2024, 1, 30)) is None


def test_payments_after_the_principal_is_repaid_are_all_above_the_cap():
    pays = [(date(2024, 2, 1), D("10200")), (date(2024, 3, 1), D("500"))]
    t = simulate_cap(D("10000"), date(2024, 1, 1), pays, CapLine(D("0.24")))
    assert (t.charges_total, t.amount_above_cap, t.principal_left) == (D("700"), D("500.00"), 0)


def test_a_payment_smaller_than_the_allowance_leaves_principal_outstanding():
    pays = [(date(2024, 2, 1), D("100"))]
    t = simulate_cap(D("10000"), date(2024, 1, 1), pays, CapLine(D("0.24")))
    assert t.amount_above_cap == 0 and t.principal_left == D("10000.00")


def test_fees_paid_on_a_date_count_as_charges_and_enter_the_apr():
    at = Fee("membership", D("300"), FeeTiming.AT_DATE, on=date(2021, 9, 1))
    a = assess(loan(annual_rate="0.10", fees=(at,)))
    # paid 11000 + 300 on 10000: the membership fee sits in the period ending 2021-09-01
    assert a.charges_total == D("1300.00")
    assert a.apr.apr_compound > D("0.12")


def test_a_manual_schedule_is_used_instead_of_computing_one():
    rows = (
        Installment(1, date(2021, 4, 1), D("5100.00"), D("5000.00"), D("100.00"), D("5000.00")),
        Installment(2, date(2021, 5, 1), D("5050.00"), D("5000.00"), D("50.00"), D("0.00")),
    )
    ln = loan(months=2, manual_rows=rows)
    assert ln.schedule().rows == rows
    a = assess(ln)  # 1 % a month on the balance is 12 % a year: within 15.4 %
    assert a.amount_above_cap == 0 and a.charges_total == D("150.00")


def test_flat_interest_on_the_original_principal_is_caught():
    rows = (
        Installment(1, date(2021, 4, 1), D("5100.00"), D("5000.00"), D("100.00"), D("5000.00")),
        Installment(2, date(2021, 5, 1), D("5100.00"), D("5000.00"), D("100.00"), D("0.00")),
    )
    a = assess(loan(months=2, manual_rows=rows))
    # month 1: allowed 10000 × 0.154 / 12 = 128.33, so 4971.67 repays principal → 5028.33 left;
    # month 2: allowed 5028.33 × 0.154 / 12 = 64.53; 5100 − 64.53 − 5028.33 = 7.14 above.
    assert a.amount_above_cap == D("7.14")


# ------------------------------------------------------------------ loans


def test_lender_types_parse_english_values_and_chinese_names():
    assert LenderType.parse("consumer_finance") is LenderType.CONSUMER_FINANCE
    assert LenderType.parse("消费金融公司") is LenderType.CONSUMER_FINANCE
    assert LenderType.parse("小额贷款公司") is LenderType.SMALL_LOAN
    assert LenderType.parse("典当行") is LenderType.PAWNSHOP
    assert LenderType.parse("民间借贷") is LenderType.PRIVATE
    assert LenderType.parse(" Regional-Equity-Market ") is LenderType.REGIONAL_EQUITY_MARKET
    with pytest.raises(DomainError) as e:
        LenderType.parse("地下钱庄")
    assert (e.value.code, e.value.field) == ("lender_type.unknown", "lender_type")


def test_received_is_principal_less_deducted_interest_and_deducted_fees_only():
    fees = (
        Fee("service", D("200"), FeeTiming.DEDUCTED_UPFRONT),
        Fee("paid", D("50"), FeeTiming.PAID_UPFRONT),
        Fee("monthly", D("10"), FeeTiming.PER_INSTALLMENT),
    )
    ln = loan(deducted_interest="1000", fees=fees)
    assert ln.received == D("8800.00")
    assert ln.dated_charges() == ((ln.start, D("50.00")),)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"principal": "0"}, "amount.not_positive", "principal"),
        ({"principal": 0.5}, "amount.float_refused", "principal"),
        ({"months": 0}, "term.not_positive", "months"),
        ({"annual_rate": "-0.1"}, "rate.negative", "annual_rate"),
        ({"deducted_interest": "10000"}, "loan.deductions_exceed_principal", "deducted_interest"),
        ({"first_due": date(2021, 3, 1)}, "loan.first_due_not_after_start", "first_due"),
        ({"paid_installments": 13}, "loan.paid_installments_out_of_range", "paid_installments"),
        ({"id": " "}, "loan.id_missing", "id"),
        ({"lender_type": "casino"}, "lender_type.unknown", "lender_type"),
        ({"overdue_rate": "-1"}, "rate.negative", "overdue_rate"),
        ({"default_charge": "-5"}, "amount.negative", "default_charge"),
        ({"fees": (Fee("x", D("1"), FeeTiming.AT_DATE),)}, "fee.date_missing", "fees.on"),
        (
            {"fees": (Fee("x", D("1"), FeeTiming.AT_DATE, on=date(2021, 1, 1)),)},
            "fee.date_before_start",
            "fees.on",
        ),
        ({"fees": (Fee("x", D("-1"), FeeTiming.PAID_UPFRONT),)}, "amount.negative", "fees.amount"),
        ({"months": 2, "manual_rows": (1,)}, "loan.manual_rows_count_mismatch", "manual_rows"),
    ],
)
def test_make_loan_refuses_bad_terms_with_a_code_and_field(change, code, field):
    with pytest.raises(DomainError) as e:
        loan(**change)
    assert (e.value.code, e.value.field) == (code, field)


def test_a_manual_schedule_that_does_not_add_up_is_refused():
    rows = (Installment(1, date(2021, 4, 1), D("100.00"), D("5000.00"), D("100.00"), D("0.00")),)
    with pytest.raises(DomainError) as e:
        loan(months=1, manual_rows=rows)
    assert e.value.code == "schedule.invalid"
