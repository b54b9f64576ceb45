"""Affordability: a household's statement (收入、支出、资产、负债) and its repayment capacity.

The statement plays the role of the UK Standard Financial Statement: one income-and-expenditure
format that borrower, counselor and lender read alike.  Reference living costs (NBS per-capita
consumption, see ``reference_costs``) are shown beside the borrower's own budget, labelled with
year and source, and only replace it when the caller asks (``living_cost_basis``).

Repayment capacity = income − essential living costs − a buffer, never below zero.  Non-essential
spending is deliberately *not* subtracted: a repayment plan asks the household to cut it first,
and ``monthly_surplus`` shows what happens if it does not.

>>> s = make_statement(Household(adults=1), incomes=[Income(IncomeKind.WAGES, money("8000"))],
...     expenses=[Expense(ExpenseCategory.FOOD, money("2000"))])
>>> assess_capacity(s).repayment_capacity
Decimal('5200.00')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from typing import Literal, TypeVar

from .errors import DomainError
from .money import ZERO, money, round_money, total
from .rates import parse_rate
from .reference_costs import ReferenceLivingCosts, ReferenceUse

DSR_LIMIT = Decimal("0.50")  # "dsr.above_50pct": half of income already goes to creditors
RATIO_PLACES = Decimal("0.0001")

LivingCostBasis = Literal["own", "reference", "higher"]


class ExpenseCategory(Enum):
    """Spending categories: the eight NBS consumption categories plus four the survey lacks.

    ``essential`` marks what a plan must leave the household (food, clothing, housing —
    rent *or* the mortgage on the home lived in, so no separate rent category —, household
    goods, transport, health care, childcare and schooling, support of dependents, insurance).
    Education, culture and recreation (beyond children's schooling, which is ``childcare``) and
    "other" are discretionary.  ``debt_payments`` is debt service not itemised as a ``Debt``: it is
    never a living cost.

    >>> ExpenseCategory.parse("居住"), ExpenseCategory.OTHER.essential
    (<ExpenseCategory.HOUSING: 'housing'>, False)
    """

    FOOD = "food"  # 食品烟酒
    CLOTHING = "clothing"  # 衣着
    HOUSING = "housing"  # 居住 (rent, home mortgage, utilities)
    HOUSEHOLD = "household"  # 生活用品及服务
    TRANSPORT_COMMUNICATION = "transport_communication"  # 交通通信
    EDUCATION_CULTURE_RECREATION = "education_culture_recreation"  # 教育文化娱乐
    HEALTH_CARE = "health_care"  # 医疗保健
    OTHER = "other"  # 其他用品及服务
    CHILDCARE = "childcare"  # 子女托育与教育
    SUPPORT_OF_DEPENDENTS = "support_of_dependents"  # 赡养、抚养费
    INSURANCE = "insurance"  # 社保、医保及必要保险
    DEBT_PAYMENTS = "debt_payments"  # 其他还款 (not a living cost)

    @property
    def essential(self) -> bool:
        return self not in _DISCRETIONARY

    @property
    def living_cost(self) -> bool:
        return self is not ExpenseCategory.DEBT_PAYMENTS

    @property
    def in_reference(self) -> bool:
        """Whether NBS per-capita consumption already covers this category (the eight survey
        categories and childcare do; support paid to people outside the household, insurance
        premiums and debt service do not)."""
        return self not in _OUTSIDE_REFERENCE

    @classmethod
    def parse(cls, text: str) -> ExpenseCategory:
        key = text.strip()
        key = _CATEGORY_ALIASES.get(key, key).lower()
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("expense.category_unknown", field="category", value=text)


_DISCRETIONARY = frozenset(
    {
        ExpenseCategory.EDUCATION_CULTURE_RECREATION,
        ExpenseCategory.OTHER,
        ExpenseCategory.DEBT_PAYMENTS,
    }
)
_OUTSIDE_REFERENCE = frozenset(
    {
        ExpenseCategory.SUPPORT_OF_DEPENDENTS,
        ExpenseCategory.INSURANCE,
        ExpenseCategory.DEBT_PAYMENTS,
    }
)
_CATEGORY_ALIASES = {
    "食品烟酒": "food",
    "衣着": "clothing",
    "居住": "housing",
    "生活用品及服务": "household",
    "交通通信": "transport_communication",
    "教育文化娱乐": "education_culture_recreation",
    "医疗保健": "health_care",
    "其他用品及服务": "other",
    "托育": "childcare",
    "赡养": "support_of_dependents",
    "保险": "insurance",
    "还款": "debt_payments",
}


class IncomeKind(Enum):
    WAGES = "wages"  # 工资
    BUSINESS = "business"  # 经营收入
    PENSION = "pension"  # 养老金
    BENEFITS = "benefits"  # 社会救助、补贴
    SUPPORT_RECEIVED = "support_received"  # 亲属资助
    RENTAL = "rental"  # 租金
    OTHER = "other"


class AssetKind(Enum):
    CASH = "cash"  # 现金、活期存款
    DEPOSIT = "deposit"  # 定期存款
    INVESTMENT = "investment"  # 理财、股票、基金
    PROPERTY = "property"  # 房产
    VEHICLE = "vehicle"  # 车辆
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Household:
    """Who lives on the income: ``other_dependents`` live in the household (e.g. parents);
    support paid to people elsewhere is an expense (``support_of_dependents``)."""

    adults: int
    children: int = 0
    other_dependents: int = 0
    province: str | None = None
    urban: bool | None = None


@dataclass(frozen=True, slots=True)
class Income:
    kind: IncomeKind
    monthly_amount: Decimal
    regular: bool = True


@dataclass(frozen=True, slots=True)
class Expense:
    category: ExpenseCategory
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class Asset:
    kind: AssetKind
    value: Decimal
    liquid: bool


@dataclass(frozen=True, slots=True)
class Debt:
    creditor: str
    balance: Decimal
    monthly_payment: Decimal
    annual_rate: Decimal


@dataclass(frozen=True, slots=True)
class Statement:
    """A validated statement; build it with ``make_statement``."""

    household: Household
    incomes: tuple[Income, ...]
    expenses: tuple[Expense, ...]
    assets: tuple[Asset, ...]
    debts: tuple[Debt, ...]


def _count(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("household.count_not_integer", field=field, value=repr(value))
    if value < minimum:
        code = "household.no_adults" if field == "household.adults" else "household.count_negative"
        raise DomainError(code, field=field, value=value)
    return value


def _amount(value: object, field: str) -> Decimal:
    return money(value, field=field, allow_negative=False)


E = TypeVar("E", bound=Enum)


def _enum(cls: type[E], value: object, field: str, code: str) -> E:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            if cls is ExpenseCategory:
                return ExpenseCategory.parse(value)  # type: ignore[return-value]
            return cls(value.strip().lower())
        except (ValueError, DomainError):
            pass
    raise DomainError(code, field=field, value=str(value))


def make_statement(
    household: Household,
    incomes: Iterable[Income] = (),
    expenses: Iterable[Expense] = (),
    assets: Iterable[Asset] = (),
    debts: Iterable[Debt] = (),
) -> Statement:
    """Validate and normalise a statement: counts are whole and an adult is present; every
    amount is a non-negative Decimal rounded to the fen; errors name the exact field.

    >>> make_statement(Household(adults=1), incomes=[Income(IncomeKind.WAGES, money("-1"))])
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: amount.negative [incomes[0].monthly_amount]: value=-1.00
    """
    h = replace(
        household,
        adults=_count(household.adults, "household.adults", 1),
        children=_count(household.children, "household.children", 0),
        other_dependents=_count(household.other_dependents, "household.other_dependents", 0),
        province=(household.province or "").strip() or None,
    )
    ins = tuple(
        Income(
            _enum(IncomeKind, x.kind, f"incomes[{i}].kind", "income.kind_unknown"),
            _amount(x.monthly_amount, f"incomes[{i}].monthly_amount"),
            bool(x.regular),
        )
        for i, x in enumerate(incomes)
    )
    exs = tuple(
        Expense(
            _enum(
                ExpenseCategory, x.category, f"expenses[{i}].category", "expense.category_unknown"
            ),
            _amount(x.monthly_amount, f"expenses[{i}].monthly_amount"),
        )
        for i, x in enumerate(expenses)
    )
    ass = tuple(
        Asset(
            _enum(AssetKind, x.kind, f"assets[{i}].kind", "asset.kind_unknown"),
            _amount(x.value, f"assets[{i}].value"),
            bool(x.liquid),
        )
        for i, x in enumerate(assets)
    )
    dbs = []
    for i, d in enumerate(debts):
        name = d.creditor.strip() if isinstance(d.creditor, str) else ""
        if not name:
            raise DomainError("debt.creditor_missing", field=f"debts[{i}].creditor")
        dbs.append(
            Debt(
                name,
                _amount(d.balance, f"debts[{i}].balance"),
                _amount(d.monthly_payment, f"debts[{i}].monthly_payment"),
                parse_rate(d.annual_rate, field=f"debts[{i}].annual_rate"),
            )
        )
    return Statement(h, ins, exs, ass, tuple(dbs))


@dataclass(frozen=True, slots=True)
class Capacity:
    """What the household can pay creditors each month, and how that was reached.

    ``essential_living_costs`` is the figure used (per ``basis``); ``own_essential_living_costs``
    the borrower's own; ``reference`` the reference figure shown beside them (None without data).
    ``debt_service_ratio`` is a fraction to 4 places (None without income).
    """

    basis: LivingCostBasis
    monthly_income: Decimal
    irregular_income: Decimal
    essential_living_costs: Decimal
    own_essential_living_costs: Decimal
    other_expenses: Decimal
    buffer: Decimal
    current_debt_service: Decimal
    monthly_surplus: Decimal
    debt_service_ratio: Decimal | None
    repayment_capacity: Decimal
    shortfall: Decimal
    liquid_assets: Decimal
    total_assets: Decimal
    total_debt: Decimal
    reference: ReferenceUse | None
    findings: tuple[str, ...]


def assess_capacity(
    statement: Statement,
    *,
    reference: ReferenceLivingCosts | None = None,
    buffer_rate: Decimal = Decimal("0.10"),
    buffer_minimum: Decimal = ZERO,
    living_cost_basis: LivingCostBasis = "own",
    child_weight: Decimal = Decimal(1),
    reference_year: int | None = None,
    include_irregular_income: bool = False,
) -> Capacity:
    """Repayment capacity = max(0, income − essential living costs − buffer), where
    buffer = max(income × ``buffer_rate``, ``buffer_minimum``) rounded half-up to the fen.

    Income counts regular income only unless ``include_irregular_income`` (a plan should not
    rest on money that may not come).  Essential living costs are the borrower's own essential
    expenses (``"own"``), the reference figure for the household plus own essentials the
    reference does not cover (``"reference"``), or whichever is higher (``"higher"``).
    ``child_weight`` is how much a child counts in the household size for the reference (1 by
    default: NBS per-capita figures already average over children).  Liquid assets are reported
    for a possible lump-sum settlement, never counted as income.

    >>> s = make_statement(Household(adults=2, children=1, province="广东"),
    ...     incomes=[Income(IncomeKind.WAGES, money("12000"))],
    ...     expenses=[Expense(ExpenseCategory.HOUSING, money("3000")),
    ...               Expense(ExpenseCategory.OTHER, money("500"))],
    ...     debts=[Debt("A", money("50000"), money("7000"), Decimal("0.18"))])
    >>> c = assess_capacity(s)
    >>> c.buffer, c.repayment_capacity, c.shortfall, c.debt_service_ratio
    (Decimal('1200.00'), Decimal('7800.00'), Decimal('0.00'), Decimal('0.5833'))
    >>> c.monthly_surplus, c.findings
    (Decimal('1500.00'), ('dsr.above_50pct',))
    """
    rate = parse_rate(buffer_rate, field="buffer_rate")
    if rate >= 1:
        raise DomainError("buffer.rate_out_of_range", field="buffer_rate", value=str(rate))
    floor = money(buffer_minimum, field="buffer_minimum", allow_negative=False)
    weight = parse_rate(child_weight, field="child_weight")
    if weight > 1:
        raise DomainError(
            "household.child_weight_out_of_range", field="child_weight", value=str(weight)
        )
    if living_cost_basis not in ("own", "reference", "higher"):
        raise DomainError(
            "capacity.basis_unknown", field="living_cost_basis", value=living_cost_basis
        )
    if living_cost_basis != "own" and reference is None:
        raise DomainError("capacity.reference_required", field="reference", basis=living_cost_basis)

    findings: list[str] = []
    regular = total(x.monthly_amount for x in statement.incomes if x.regular)
    irregular = total(x.monthly_amount for x in statement.incomes if not x.regular)
    income = regular + irregular if include_irregular_income else regular
    if irregular > 0 and not include_irregular_income:
        findings.append("income.irregular_excluded")

    ex = statement.expenses
    own_essential = total(e.monthly_amount for e in ex if e.category.essential)
    outside_ref = total(
        e.monthly_amount for e in ex if e.category.essential and not e.category.in_reference
    )
    other = total(
        e.monthly_amount for e in ex if e.category.living_cost and not e.category.essential
    )
    debt_service = total(d.monthly_payment for d in statement.debts) + total(
        e.monthly_amount for e in ex if not e.category.living_cost
    )

    use: ReferenceUse | None = None
    if reference is not None:
        h = statement.household
        persons = h.adults + h.other_dependents + weight * h.children
        use = reference.for_household(
            persons, province=h.province, urban=h.urban, year=reference_year
        )
        findings.extend(use.findings)
    reference_essential = None if use is None else use.household_monthly + outside_ref
    if living_cost_basis == "reference" and reference_essential is not None:
        essential = reference_essential
    elif living_cost_basis == "higher" and reference_essential is not None:
        essential = max(own_essential, reference_essential)
    else:
        essential = own_essential

    buffer = max(round_money(income * rate), floor)
    capacity = max(ZERO, income - essential - buffer)
    surplus = income - own_essential - other - debt_service
    dsr = None
    if income > 0:
        with localcontext() as ctx:
            ctx.prec = 40
            dsr = (debt_service / income).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    shortfall = max(ZERO, debt_service - capacity)
    liquid = total(a.value for a in statement.assets if a.liquid)

    if income == 0:
        findings.append("income.none")
    if capacity == 0:
        findings.append("capacity.zero")
    if reference_essential is not None and essential < reference_essential:
        findings.append("capacity.below_reference_living_costs")
    if use is not None and income < use.household_monthly:
        findings.append("income.below_reference_living_costs")
    if shortfall > 0:
        findings.append("capacity.below_current_debt_service")
    if dsr is not None and dsr > DSR_LIMIT:
        findings.append("dsr.above_50pct")
    if surplus < 0:
        findings.append("surplus.negative")
    if liquid > 0 and statement.debts:
        findings.append("assets.liquid_available")

    return Capacity(
        basis=living_cost_basis,
        monthly_income=income,
        irregular_income=irregular,
        essential_living_costs=essential,
        own_essential_living_costs=own_essential,
        other_expenses=other,
        buffer=buffer,
        current_debt_service=debt_service,
        monthly_surplus=surplus,
        debt_service_ratio=dsr,
        repayment_capacity=capacity,
        shortfall=shortfall,
        liquid_assets=liquid,
        total_assets=total(a.value for a in statement.assets),
        total_debt=total(d.balance for d in statement.debts),
        reference=use,
        findings=tuple(findings),
    )
