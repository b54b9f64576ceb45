"""Concessions (让步): what a borrower asks for and a lender offers, as typed values.

A ``Proposal`` bundles concessions that make sense together.  Each concession checks its own
numbers when built; ``Proposal`` refuses duplicates and combinations that contradict each
other, so a proposal that exists is one ``apply_proposal`` can turn into a schedule.

The concessions follow what loan-servicing systems offer (extra terms, payment holidays, grace,
rate changes, re-ageing, waivers) plus the Chinese practice of 停息挂账 / 个性化分期 and
negotiated settlement (一次性结清 / 分期结清):

================  ========================================================================
``TermExtension``  展期: more months for the principal not yet due
``RateReduction``  a lower annual rate on the rescheduled principal
``Waiver``         减免: all or part of the penalty, fees, accrued or overdue interest
``InterestStop``   停息挂账 / 个性化分期: interest frozen, the balance in N equal installments
``PaymentHoliday`` nothing due for M months; ``HolidayInterest`` says what interest does
``ReAgeing``       arrears spread over N installments on top of the regular payment
``Settlement``     the debt discharged for a fraction of the total owed, in 1..N installments
``FirstPayment``   a down payment on the start date that reduces what is rescheduled
================  ========================================================================

>>> p = Proposal((InterestStop(60), Waiver("penalty")), label="停息挂账")
>>> [c.kind for c in p.concessions]
['interest_stop', 'waiver']
>>> try:
...     Proposal((Settlement(Decimal("0.6")), TermExtension(6)))
... except DomainError as e:
...     print(e.code, dict(e.params))
proposal.incompatible {'first': 'settlement', 'second': 'extension'}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import ClassVar, Literal, TypeVar

from .errors import DomainError
from .money import positive_money
from .rates import parse_rate

MAX_PLAN_MONTHS = 360  # a guard against absurd terms (30 years), not a legal limit
CARD_INSTALLMENT_LIMIT = 60  # 个性化分期 up to 5 years (law-and-rates.md §3): flagged, not refused

WaiverTarget = Literal["penalty", "fees", "interest", "overdue_interest"]
WAIVER_TARGETS: tuple[str, ...] = ("penalty", "fees", "interest", "overdue_interest")


def _count(value: object, field: str, *, minimum: int = 1) -> int:
    """A whole number of months or installments within ``minimum..MAX_PLAN_MONTHS``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("proposal.count_not_integer", field=field, value=repr(value))
    if value < minimum:
        raise DomainError("proposal.count_not_positive", field=field, value=value)
    if value > MAX_PLAN_MONTHS:
        raise DomainError("proposal.term_too_long", field=field, value=value, limit=MAX_PLAN_MONTHS)
    return value


def _fraction(value: object, field: str, code: str) -> Decimal:
    """A Decimal fraction in (0, 1]; ``0.6`` is 60 % (rates and shares are fractions here)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or isinstance(value, float):
        raise DomainError(code, field=field, value=repr(value))
    d = Decimal(value)
    if not d.is_finite() or d <= 0 or d > 1:
        raise DomainError(code, field=field, value=str(value))
    return d


@dataclass(frozen=True, slots=True)
class TermExtension:
    """展期: ``extra_months`` more for the principal not yet due.  With
    ``include_overdue_principal`` the overdue principal joins the re-amortised principal (and
    bears interest) instead of being due at once — the way to extend a matured loan."""

    extra_months: int
    include_overdue_principal: bool = False
    kind: ClassVar[str] = "extension"

    def __post_init__(self) -> None:
        _count(self.extra_months, "extra_months")


@dataclass(frozen=True, slots=True)
class RateReduction:
    """A lower nominal annual rate (fraction) on the rescheduled principal; never a raise."""

    new_annual_rate: Decimal
    kind: ClassVar[str] = "rate"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "new_annual_rate", parse_rate(self.new_annual_rate, field="new_annual_rate")
        )


@dataclass(frozen=True, slots=True)
class Waiver:
    """减免 of one item of the position: ``penalty`` (罚息/违约金), ``fees``, ``interest``
    (accrued interest of the current period) or ``overdue_interest``.  Give a ``fraction``
    in (0, 1] or an ``amount``; neither means the whole item."""

    target: WaiverTarget
    fraction: Decimal | None = None
    amount: Decimal | None = None
    kind: ClassVar[str] = "waiver"

    def __post_init__(self) -> None:
        if self.target not in WAIVER_TARGETS:
            raise DomainError("proposal.waiver_target_unknown", field="target", value=self.target)
        if self.fraction is not None and self.amount is not None:
            raise DomainError("proposal.waiver_ambiguous", field="fraction")
        if self.fraction is not None:
            fraction = _fraction(self.fraction, "fraction", "proposal.waiver_fraction_out_of_range")
            object.__setattr__(self, "fraction", fraction)
        if self.amount is not None:
            object.__setattr__(self, "amount", positive_money(self.amount, field="amount"))


class HolidayInterest(Enum):
    """What interest does during a ``PaymentHoliday``.

    * ``DEFERRED`` (default): it accrues on the principal and is paid, in one sum and without
      interest on it, with the first installment after the holiday (as the 2020 bank deferral
      policy: no interest on interest).
    * ``CAPITALISED``: each month's interest is added to the balance (row column
      ``capitalised``) and bears interest afterwards: compound interest, which a court may
      not enforce — flagged ``proposal.interest_capitalised``.
    * ``WAIVED``: no interest accrues during the holiday months.
    * ``PAID``: interest is due each holiday month, only principal pauses (grace on principal,
      宽限期只还息).
    """

    DEFERRED = "deferred"
    CAPITALISED = "capitalised"
    WAIVED = "waived"
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class PaymentHoliday:
    """Nothing due for ``months`` months (except interest when ``interest`` is ``PAID``);
    the plan restarts after them and is that much longer."""

    months: int
    interest: HolidayInterest = HolidayInterest.DEFERRED
    kind: ClassVar[str] = "holiday"

    def __post_init__(self) -> None:
        _count(self.months, "months")
        if not isinstance(self.interest, HolidayInterest):
            raise DomainError("proposal.holiday_interest_unknown", field="interest")


@dataclass(frozen=True, slots=True)
class InterestStop:
    """停息挂账 / 个性化分期: interest stops; everything owed (after waivers and a first
    payment) is split into ``installments`` equal monthly payments, remainder to the last.
    More than 60 is allowed but flagged (card rules cap 个性化分期 at 5 years)."""

    installments: int
    kind: ClassVar[str] = "interest_stop"

    def __post_init__(self) -> None:
        _count(self.installments, "installments")


@dataclass(frozen=True, slots=True)
class ReAgeing:
    """Arrears (overdue principal and interest, penalty, fees) spread interest-free over
    ``installments`` installments, each added to the regular payment."""

    installments: int
    kind: ClassVar[str] = "reageing"

    def __post_init__(self) -> None:
        _count(self.installments, "installments")


@dataclass(frozen=True, slots=True)
class Settlement:
    """Settlement (协商结清) for ``percent`` of the total owed — a fraction in (0, 1], so 60 %
    is ``Decimal("0.6")`` — paid in ``installments`` equal payments (1 = lump sum)."""

    percent: Decimal
    installments: int = 1
    kind: ClassVar[str] = "settlement"

    def __post_init__(self) -> None:
        code = "proposal.settlement_percent_out_of_range"
        object.__setattr__(self, "percent", _fraction(self.percent, "percent", code))
        _count(self.installments, "installments")


@dataclass(frozen=True, slots=True)
class FirstPayment:
    """A down payment on the start date; it pays fees, penalty, interest, then principal
    (Civil Code Art. 561 order) and the rest is rescheduled."""

    amount: Decimal
    kind: ClassVar[str] = "first_payment"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", positive_money(self.amount, field="amount"))


Concession = (
    TermExtension
    | RateReduction
    | Waiver
    | InterestStop
    | PaymentHoliday
    | ReAgeing
    | Settlement
    | FirstPayment
)
CONCESSION_TYPES = (
    TermExtension,
    RateReduction,
    Waiver,
    InterestStop,
    PaymentHoliday,
    ReAgeing,
    Settlement,
    FirstPayment,
)

# Pairs that contradict each other.  A settlement discharges the debt on its own terms (only a
# first payment towards it makes sense); an interest stop fixes rate (none) and term itself.
INCOMPATIBLE: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("settlement", "extension"),
        ("settlement", "rate"),
        ("settlement", "waiver"),
        ("settlement", "interest_stop"),
        ("settlement", "holiday"),
        ("settlement", "reageing"),
        ("interest_stop", "extension"),
        ("interest_stop", "rate"),
        ("interest_stop", "reageing"),
    )
)


_C = TypeVar("_C")


def _identity(c: Concession) -> str:
    """What may appear once: one concession of each kind, one waiver per target."""
    return f"waiver:{c.target}" if isinstance(c, Waiver) else c.kind


def check_concessions(concessions: Iterable[object]) -> tuple[Concession, ...]:
    """The concessions as a tuple, or a ``DomainError``: ``proposal.unknown_concession``,
    ``proposal.duplicate_concession`` (``kind``) or ``proposal.incompatible`` (``first``,
    ``second`` in the order given)."""
    seen: list[Concession] = []
    for c in concessions:
        if not isinstance(c, CONCESSION_TYPES):
            raise DomainError("proposal.unknown_concession", field="concessions", value=repr(c))
        if any(_identity(s) == _identity(c) for s in seen):
            raise DomainError(
                "proposal.duplicate_concession", field="concessions", kind=_identity(c)
            )
        for s in seen:
            if frozenset((s.kind, c.kind)) in INCOMPATIBLE:
                raise DomainError(
                    "proposal.incompatible", field="concessions", first=s.kind, second=c.kind
                )
        seen.append(c)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A set of concessions offered together (the order given does not matter: see
    ``apply_proposal`` for the order they take effect), with a free ``label``."""

    concessions: tuple[Concession, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "concessions", check_concessions(self.concessions))

    def find(self, kind: type[_C]) -> _C | None:
        """The concession of type ``kind``, if any (first one for waivers)."""
        return next((c for c in self.concessions if isinstance(c, kind)), None)

    @property
    def waivers(self) -> tuple[Waiver, ...]:
        return tuple(c for c in self.concessions if isinstance(c, Waiver))
