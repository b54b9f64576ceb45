"""A loan as its contract states it: who lent, when, how much, at what rate, with which fees.

The lender's type and the contract date decide which legal cap applies (see ``law``); the
money the borrower actually received decides the true cost.  Interest deducted up front
(砍头息) and fees deducted from the proceeds are not principal the borrower ever had: the
Supreme People's Court counts the principal as the amount actually received, so ``received``
is what APR and the cap test run on, while ``principal`` stays the contract amount that the
lender's schedule amortises.

>>> loan = make_loan(
...     id="L1", lender="某小贷", lender_type="小额贷款公司", contract_date=date(2024, 1, 5),
...     principal="10000", annual_rate="0.36", months=12, method="annuity",
...     start=date(2024, 1, 5), deducted_interest="1000",
...     fees=(Fee("service", Decimal("200"), FeeTiming.DEDUCTED_UPFRONT),),
... )
>>> loan.lender_type, loan.received
(<LenderType.SMALL_LOAN: 'small_loan'>, Decimal('8800.00'))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum

from .amortization import ScheduleOptions, build_schedule
from .errors import DomainError
from .money import ZERO, money, positive_money, total
from .rates import DayCount, parse_rate
from .schedule import Installment, Method, Schedule, manual_schedule


class LenderType(Enum):
    """Kinds of lender, as the law sorts them (the cap depends on the kind)."""

    BANK = "bank"  # 商业银行
    CONSUMER_FINANCE = "consumer_finance"  # 消费金融公司
    OTHER_FINANCIAL = "other_financial"  # 信托公司 etc.: other licensed financial institutions
    SMALL_LOAN = "small_loan"  # 小额贷款公司, incl. 网络小贷
    FINANCING_GUARANTEE = "financing_guarantee"  # 融资担保公司
    PAWNSHOP = "pawnshop"  # 典当行
    FINANCE_LEASING = "finance_leasing"  # 融资租赁公司
    FACTORING = "factoring"  # 商业保理公司
    LOCAL_AMC = "local_amc"  # 地方资产管理公司
    REGIONAL_EQUITY_MARKET = "regional_equity_market"  # 区域性股权市场
    PRIVATE = "private"  # 民间借贷: individuals and unlicensed lenders
    CREDIT_CARD = "credit_card"  # 信用卡 (bank card issuers)

    @classmethod
    def parse(cls, text: str) -> LenderType:
        """The English value or a common Chinese name.

        >>> LenderType.parse("网络小贷"), LenderType.parse("consumer-finance")
        (<LenderType.SMALL_LOAN: 'small_loan'>, <LenderType.CONSUMER_FINANCE: 'consumer_finance'>)
        """
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("lender_type.unknown", field="lender_type", value=text)


_ALIASES = {
    "银行": "bank",
    "商业银行": "bank",
    "农村商业银行": "bank",
    "消费金融": "consumer_finance",
    "消费金融公司": "consumer_finance",
    "消金": "consumer_finance",
    "信托": "other_financial",
    "信托公司": "other_financial",
    "汽车金融公司": "other_financial",
    "金融机构": "other_financial",
    "小贷": "small_loan",
    "小额贷款": "small_loan",
    "小贷公司": "small_loan",
    "小额贷款公司": "small_loan",
    "网络小贷": "small_loan",
    "网络小额贷款公司": "small_loan",
    "网贷": "small_loan",
    "融资担保": "financing_guarantee",
    "融资担保公司": "financing_guarantee",
    "典当": "pawnshop",
    "典当行": "pawnshop",
    "融资租赁": "finance_leasing",
    "融资租赁公司": "finance_leasing",
    "保理": "factoring",
    "商业保理": "factoring",
    "商业保理公司": "factoring",
    "地方资产管理公司": "local_amc",
    "区域性股权市场": "regional_equity_market",
    "民间借贷": "private",
    "个人": "private",
    "个人借款": "private",
    "信用卡": "credit_card",
    "card": "credit_card",
    "cc": "credit_card",
}


class FeeTiming(Enum):
    """When a fee is charged."""

    DEDUCTED_UPFRONT = "deducted_upfront"  # taken out of the proceeds (like 砍头息)
    PAID_UPFRONT = "paid_upfront"  # paid by the borrower on the value date
    PER_INSTALLMENT = "per_installment"  # ``amount`` on every installment
    AT_DATE = "at_date"  # once, on ``Fee.on``

    @classmethod
    def parse(cls, text: str) -> FeeTiming:
        key = text.strip().lower().replace("-", "_")
        key = {"砍头息": "deducted_upfront", "每期": "per_installment"}.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("fee.unknown_timing", field="timing", value=text)


@dataclass(frozen=True, slots=True)
class Fee:
    """A charge besides interest (服务费, 手续费, 担保费, 会员费 …).

    ``amount`` is the whole fee, except for ``PER_INSTALLMENT`` where it is charged on every
    installment (as contracts state "每期服务费 30 元").
    """

    kind: str
    amount: Decimal
    timing: FeeTiming
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Loan:
    """One loan contract.  Build it with ``make_loan`` (which validates)."""

    id: str
    lender: str
    lender_type: LenderType
    contract_date: date
    principal: Decimal  # contract amount
    annual_rate: Decimal  # nominal, fraction
    months: int
    method: Method
    start: date  # value date (放款日)
    first_due: date | None = None
    day_count: DayCount = DayCount.THIRTY_360
    fees: tuple[Fee, ...] = ()
    deducted_interest: Decimal = ZERO  # 砍头息
    overdue_rate: Decimal | None = None  # annual penalty rate (罚息利率)
    default_charge: Decimal = ZERO  # 违约金
    manual_rows: tuple[Installment, ...] = ()
    paid_installments: int = 0

    def fees_of(self, timing: FeeTiming) -> Decimal:
        return total(f.amount for f in self.fees if f.timing is timing)

    @property
    def received(self) -> Decimal:
        """Money the borrower actually had: principal − 砍头息 − fees deducted from proceeds."""
        return self.principal - self.deducted_interest - self.fees_of(FeeTiming.DEDUCTED_UPFRONT)

    @property
    def per_installment_fee(self) -> Decimal:
        return self.fees_of(FeeTiming.PER_INSTALLMENT)

    def schedule(self) -> Schedule:
        """The contract schedule (computed, or the rows typed from the contract), with every
        per-installment fee added to each row's ``fee`` and ``payment`` so rows still sum."""
        if self.manual_rows:
            base = manual_schedule(
                self.principal, self.start, self.manual_rows, annual_rate=self.annual_rate
            )
        else:
            options = ScheduleOptions(first_due=self.first_due, day_count=self.day_count)
            base = build_schedule(
                self.principal, self.annual_rate, self.months, self.start, self.method, options
            )
        fee = self.per_installment_fee
        if fee == 0:
            return base
        rows = tuple(replace(r, fee=r.fee + fee, payment=r.payment + fee) for r in base.rows)
        return replace(base, rows=rows)

    def dated_charges(self) -> tuple[tuple[date, Decimal], ...]:
        """Charges outside the schedule rows the borrower pays in cash: fees paid on the value
        date and fees due on a date (``AT_DATE``)."""
        out = [(self.start, f.amount) for f in self.fees if f.timing is FeeTiming.PAID_UPFRONT]
        out += [(f.on, f.amount) for f in self.fees if f.timing is FeeTiming.AT_DATE and f.on]
        return tuple(sorted(out))


def make_loan(
    *,
    id: str,
    lender: str,
    lender_type: LenderType | str,
    contract_date: date,
    principal: object,
    annual_rate: object,
    months: int,
    method: Method | str,
    start: date,
    first_due: date | None = None,
    day_count: DayCount | str = DayCount.THIRTY_360,
    fees: Iterable[Fee] = (),
    deducted_interest: object = ZERO,
    overdue_rate: object | None = None,
    default_charge: object = ZERO,
    manual_rows: Iterable[Installment] = (),
    paid_installments: int = 0,
) -> Loan:
    """A validated ``Loan``; every refusal is a ``DomainError`` naming the field."""
    if not str(id).strip():
        raise DomainError("loan.id_missing", field="id")
    kind = lender_type if isinstance(lender_type, LenderType) else LenderType.parse(lender_type)
    how = method if isinstance(method, Method) else Method.parse(method)
    basis = day_count if isinstance(day_count, DayCount) else DayCount.parse(day_count)
    for name, value in (("contract_date", contract_date), ("start", start)):
        if not isinstance(value, date):
            raise DomainError("date.missing", field=name, value=repr(value))
    amount = positive_money(principal, field="principal")
    rate = parse_rate(annual_rate, field="annual_rate")
    rows = tuple(manual_rows)
    if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
        raise DomainError("term.not_positive", field="months", value=months)
    if rows and len(rows) != months:
        raise DomainError(
            "loan.manual_rows_count_mismatch", field="manual_rows", expected=months, found=len(rows)
        )
    if first_due is not None and first_due <= start:
        raise DomainError("loan.first_due_not_after_start", field="first_due", value=str(first_due))
    checked_fees = tuple(_check_fee(f, start) for f in fees)
    deducted = money(deducted_interest, field="deducted_interest", allow_negative=False)
    overdue = None if overdue_rate is None else parse_rate(overdue_rate, field="overdue_rate")
    charge = money(default_charge, field="default_charge", allow_negative=False)
    if not 0 <= paid_installments <= months:
        raise DomainError(
            "loan.paid_installments_out_of_range",
            field="paid_installments",
            value=paid_installments,
        )
    loan = Loan(
        id=str(id).strip(),
        lender=lender.strip(),
        lender_type=kind,
        contract_date=contract_date,
        principal=amount,
        annual_rate=rate,
        months=months,
        method=Method.MANUAL if rows else how,
        start=start,
        first_due=first_due,
        day_count=basis,
        fees=checked_fees,
        deducted_interest=deducted,
        overdue_rate=overdue,
        default_charge=charge,
        manual_rows=rows,
        paid_installments=paid_installments,
    )
    if loan.received <= 0:
        raise DomainError(
            "loan.deductions_exceed_principal",
            field="deducted_interest",
            received=str(loan.received),
        )
    if rows:
        loan.schedule()  # raises schedule.invalid with the problems found
    return loan


def _check_fee(fee: Fee, start: date) -> Fee:
    if not isinstance(fee, Fee):
        raise DomainError("fee.invalid", field="fees", value=repr(fee))
    amount = money(fee.amount, field="fees.amount", allow_negative=False)
    if fee.timing is FeeTiming.AT_DATE:
        if fee.on is None:
            raise DomainError("fee.date_missing", field="fees.on", kind=fee.kind)
        if fee.on < start:
            raise DomainError("fee.date_before_start", field="fees.on", value=str(fee.on))
    return replace(fee, amount=amount)
