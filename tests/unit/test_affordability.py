"""Statements and repayment capacity: hand-computed households, shipped reference figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.data.living_costs import load_reference_living_costs
from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Debt,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    assess_capacity,
    make_statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.money import from_fen

D = Decimal
E = ExpenseCategory
REF = load_reference_living_costs()


def single_earner(**household):
    """One adult earning 8,000: food 2,000, housing 1,500, recreation 500, one loan at 1,800."""
    return make_statement(
        Household(adults=1, **household),
        incomes=[Income(IncomeKind.WAGES, D("8000"))],
        expenses=[
            Expense(E.FOOD, D("2000")),
            Expense(E.HOUSING, D("1500")),
            Expense(E.EDUCATION_CULTURE_RECREATION, D("500")),
        ],
        assets=[
            Asset(AssetKind.CASH, D("3000"), liquid=True),
            Asset(AssetKind.VEHICLE, D("40000"), False),
        ],
        debts=[Debt("某消费金融", D("30000"), D("1800"), D("0.24"))],
    )


def test_a_single_earner_by_hand():
    c = assess_capacity(single_earner())
    assert c.monthly_income == D("8000.00")
    assert c.essential_living_costs == D("3500.00")
    assert c.other_expenses == D("500.00")
    assert c.buffer == D("800.00")  # 10 % of income
    assert c.repayment_capacity == D("3700.00")  # 8,000 − 3,500 − 800
    assert c.current_debt_service == D("1800.00")
    assert c.monthly_surplus == D("2200.00")  # 8,000 − 3,500 − 500 − 1,800
    assert c.debt_service_ratio == D("0.2250")
    assert c.shortfall == D("0.00")
    assert c.liquid_assets == D("3000.00") and c.total_assets == D("43000.00")
    assert c.total_debt == D("30000.00")
    assert c.findings == ("assets.liquid_available",)
    assert c.reference is None


def test_a_stretched_household_shows_a_shortfall_and_a_high_debt_service_ratio():
    s = make_statement(
        Household(adults=2, children=1),
        incomes=[
            Income(IncomeKind.WAGES, D("9000")),
            Income(IncomeKind.BUSINESS, D("2000"), regular=False),
        ],
        expenses=[
            Expense(E.FOOD, D("3000")),
            Expense(E.HOUSING, D("2500")),
            Expense(E.CHILDCARE, D("800")),
            Expense(E.INSURANCE, D("300")),
            Expense(E.DEBT_PAYMENTS, D("500")),  # a relative's loan, not itemised
        ],
        debts=[
            Debt("A", D("40000"), D("3000"), D("0.18")),
            Debt("B", D("20000"), D("1500"), D("0.24")),
        ],
    )
    c = assess_capacity(s, buffer_minimum=D("1000"))
    assert c.monthly_income == D("9000.00")  # irregular business income left out
    assert c.irregular_income == D("2000.00")
    assert c.essential_living_costs == D("6600.00")
    assert c.buffer == D("1000.00")  # the minimum beats 10 % (900)
    assert c.repayment_capacity == D("1400.00")
    assert c.current_debt_service == D("5000.00")  # 3,000 + 1,500 + 500
    assert c.shortfall == D("3600.00")
    assert c.monthly_surplus == D("-2600.00")
    assert c.debt_service_ratio == D("0.5556")
    assert c.findings == (
        "income.irregular_excluded",
        "capacity.below_current_debt_service",
        "dsr.above_50pct",
        "surplus.negative",
    )
    with_irregular = assess_capacity(s, buffer_minimum=D("1000"), include_irregular_income=True)
    assert with_irregular.monthly_income == D("11000.00")
    assert with_irregular.buffer == D("1100.00")
    assert with_irregular.repayment_capacity == D("3300.00")


def test_a_statement_without_income_has_zero_capacity_and_says_so():
    s = make_statement(Household(adults=1), expenses=[Expense(E.FOOD, D("1500"))])
    c = assess_capacity(s)
    assert c.repayment_capacity == D("0.00")
    assert c.debt_service_ratio is None
    assert "income.none" in c.findings and "capacity.zero" in c.findings


def test_guangdong_2024_is_35818_a_year_or_2984_83_a_month_per_person():
    f = REF.consumption(province="广东省", year=2024)
    assert f.per_person_year == D("35818")
    assert f.per_person_monthly_display == D("2984.83")
    assert abs(f.per_person_monthly * 12 - D(35818)) < D("1e-30")


def test_the_household_reference_multiplies_before_rounding():
    s = make_statement(Household(adults=2, children=2, province="广东"))
    c = assess_capacity(s, reference=REF)
    assert c.reference.figure.region == "广东省" and c.reference.figure.year == 2024
    assert c.reference.level == "province"
    assert c.reference.persons == 4
    assert c.reference.household_monthly == D("11939.33")  # 35,818 × 4 / 12, not 4 × 2,984.83
    half = assess_capacity(s, reference=REF, child_weight=D("0.5"))
    assert half.reference.household_monthly == D("8954.50")  # 35,818 × 3 / 12


def test_the_reference_basis_adds_own_costs_the_survey_does_not_cover():
    s = make_statement(
        Household(adults=2, children=2, province="广东省"),
        incomes=[Income(IncomeKind.WAGES, D("20000"))],
        expenses=[
            Expense(E.FOOD, D("3000")),
            Expense(E.HOUSING, D("2000")),
            Expense(E.SUPPORT_OF_DEPENDENTS, D("1000")),
            Expense(E.INSURANCE, D("500")),
        ],
    )
    own = assess_capacity(s, reference=REF)
    assert own.essential_living_costs == D("6500.00")
    assert "capacity.below_reference_living_costs" in own.findings
    ref = assess_capacity(s, reference=REF, living_cost_basis="reference")
    assert ref.essential_living_costs == D("13439.33")  # 11,939.33 + 1,000 + 500
    assert ref.repayment_capacity == D("4560.67")  # 20,000 − 13,439.33 − 2,000
    assert "capacity.below_reference_living_costs" not in ref.findings
    higher = assess_capacity(s, reference=REF, living_cost_basis="higher")
    assert higher.essential_living_costs == D("13439.33")


def test_without_a_province_the_national_urban_or_rural_figure_is_used():
    rural = assess_capacity(make_statement(Household(adults=1, urban=False)), reference=REF)
    assert (rural.reference.figure.area.value, rural.reference.figure.year) == ("rural", 2024)
    assert rural.reference.household_monthly == D("1606.67")  # 19,280 / 12
    urban = assess_capacity(make_statement(Household(adults=1, urban=True)), reference=REF)
    assert urban.reference.figure.year == 2025
    assert urban.reference.household_monthly == D("2989.08")  # 35,869 / 12 = 2,989.083…
    anyone = assess_capacity(make_statement(Household(adults=1)), reference=REF)
    assert anyone.reference.household_monthly == D("2456.33")  # 29,476 / 12
    assert anyone.reference.level == "national"


def test_an_unknown_province_falls_back_to_the_national_figure_with_a_finding():
    c = assess_capacity(make_statement(Household(adults=1, province="Atlantis")), reference=REF)
    assert c.reference.figure.region == "全国"
    assert "reference.province_unknown" in c.findings


def test_a_reference_year_can_be_chosen_and_a_missing_one_is_refused():
    s = make_statement(Household(adults=1, province="北京"))
    c = assess_capacity(s, reference=REF, reference_year=2023)
    assert c.reference.figure.per_person_year == D("47586")
    with pytest.raises(DomainError) as err:
        assess_capacity(make_statement(Household(adults=1)), reference=REF, reference_year=1999)
    assert (err.value.code, err.value.field) == ("reference.year_unavailable", "reference_year")


def test_the_reference_basis_needs_reference_data():
    with pytest.raises(DomainError) as err:
        assess_capacity(single_earner(), living_cost_basis="higher")
    assert (err.value.code, err.value.field) == ("capacity.reference_required", "reference")


def test_debt_payments_are_debt_service_never_a_living_cost():
    assert not E.DEBT_PAYMENTS.living_cost and not E.DEBT_PAYMENTS.essential
    assert [c.value for c in E if not c.essential] == [
        "education_culture_recreation",
        "other",
        "debt_payments",
    ]
    assert E.parse("医疗保健") is E.HEALTH_CARE and E.parse("Housing") is E.HOUSING


@pytest.mark.parametrize(
    ("build", "code", "field"),
    [
        (
            lambda: make_statement(
                Household(adults=1),
                incomes=[
                    Income(IncomeKind.WAGES, D("1")),
                    Income(IncomeKind.PENSION, D("1")),
                    Income(IncomeKind.OTHER, D("-5")),
                ],
            ),
            "amount.negative",
            "incomes[2].monthly_amount",
        ),
        (lambda: make_statement(Household(adults=0)), "household.no_adults", "household.adults"),
        (
            lambda: make_statement(Household(adults=1, children=-1)),
            "household.count_negative",
            "household.children",
        ),
        (
            lambda: make_statement(Household(adults=True)),
            "household.count_not_integer",
            "household.adults",
        ),
        (
            lambda: make_statement(Household(adults=1), expenses=[Expense("lottery", D("1"))]),
            "expense.category_unknown",
            "expenses[0].category",
        ),
        (
            lambda: make_statement(Household(adults=1), expenses=[Expense(E.FOOD, 12.5)]),
            "amount.float_refused",
            "expenses[0].monthly_amount",
        ),
        (
            lambda: make_statement(
                Household(adults=1), assets=[Asset(AssetKind.CASH, D("-1"), True)]
            ),
            "amount.negative",
            "assets[0].value",
        ),
        (
            lambda: make_statement(
                Household(adults=1),
                debts=[Debt("A", D("1"), D("1"), D("0.1")), Debt("B", D("1"), D("1"), D("-0.1"))],
            ),
            "rate.negative",
            "debts[1].annual_rate",
        ),
        (
            lambda: make_statement(Household(adults=1), debts=[Debt(" ", D("1"), D("1"), D("0"))]),
            "debt.creditor_missing",
            "debts[0].creditor",
        ),
        (
            lambda: make_statement(Household(adults=1), incomes=[Income("salary?", D("1"))]),
            "income.kind_unknown",
            "incomes[0].kind",
        ),
        (
            lambda: assess_capacity(single_earner(), buffer_rate=D("1")),
            "buffer.rate_out_of_range",
            "buffer_rate",
        ),
        (
            lambda: assess_capacity(single_earner(), child_weight=D("1.5")),
            "household.child_weight_out_of_range",
            "child_weight",
        ),
        (
            lambda: assess_capacity(single_earner(), living_cost_basis="mine"),
            "capacity.basis_unknown",
            "living_cost_basis",
        ),
    ],
)
def test_bad_statements_are_refused_naming_the_field(build, code, field):
    with pytest.raises(DomainError) as err:
        build()
    assert (err.value.code, err.value.field) == (code, field)


def test_make_statement_accepts_kind_and_category_names_and_rounds_to_the_fen():
    s = make_statement(
        Household(adults=1, province="  "),
        incomes=[Income("pension", D("1000.005"))],
        expenses=[Expense("居住", D("10"))],
    )
    assert s.incomes[0].kind is IncomeKind.PENSION
    assert s.incomes[0].monthly_amount == D("1000.01")
    assert s.expenses[0].category is E.HOUSING
    assert s.household.province is None


amounts = st.integers(min_value=0, max_value=10_000_000).map(from_fen)


@given(
    st.lists(st.tuples(amounts, st.booleans()), max_size=4),
    st.lists(st.tuples(st.sampled_from(list(E)), amounts), max_size=6),
    st.lists(amounts, max_size=3),
    st.integers(0, 5000).map(lambda bp: Decimal(bp) / 10000),
    amounts,
)
def test_capacity_is_income_less_essentials_less_buffer_never_below_zero(
    incomes, expenses, payments, buffer_rate, buffer_minimum
):
    s = make_statement(
        Household(adults=1),
        incomes=[Income(IncomeKind.OTHER, a, regular=r) for a, r in incomes],
        expenses=[Expense(cat, a) for cat, a in expenses],
        debts=[Debt(f"d{i}", D("100"), p, D("0.1")) for i, p in enumerate(payments)],
    )
    c = assess_capacity(s, buffer_rate=buffer_rate, buffer_minimum=buffer_minimum)
    expected = c.monthly_income - c.essential_living_costs - c.buffer
    assert c.repayment_capacity == max(D("0.00"), expected)
    assert c.shortfall == max(D("0.00"), c.current_debt_service - c.repayment_capacity)
    assert c.monthly_surplus == (
        c.monthly_income - c.essential_living_costs - c.other_expenses - c.current_debt_service
    )
    assert c.buffer >= buffer_minimum
    assert (c.debt_service_ratio is None) == (c.monthly_income == 0)
    assert ("capacity.zero" in c.findings) == (c.repayment_capacity == 0)
    for amount in (c.repayment_capacity, c.buffer, c.monthly_surplus):
        assert amount == amount.quantize(D("0.01"))


@given(
    st.integers(1, 6),
    st.integers(0, 6),
    st.integers(0, 4),
    st.sampled_from([*REF.province_names(), None]),
    st.sampled_from([True, False, None]),
)
def test_the_reference_grows_with_the_household_and_is_rounded_once(
    adults, children, others, province, urban
):
    s = make_statement(Household(adults, children, others, province, urban))
    use = assess_capacity(s, reference=REF).reference
    persons = adults + children + others
    assert use.household_monthly == (use.figure.per_person_year * persons / 12).quantize(
        D("0.01"), rounding="ROUND_HALF_UP"
    )
    bigger = make_statement(Household(adults + 1, children, others, province, urban))
    assert (
        assess_capacity(bigger, reference=REF).reference.household_monthly > use.household_monthly
    )
