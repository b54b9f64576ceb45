"""The lender's view of an offer: its present value, with the risk of a re-default, against
the expected recovery of doing nothing (sending the loan to collection).

A simple, documented model — meant to show a lender why an affordable plan can be worth more
than collection, not to replace its credit models:

- ``npv``: each flow discounted at ``(1 + r) ** (days / 365)`` (ACT/365, annual compounding),
  exact ``Decimal`` arithmetic, rounded to the fen once at the end.
- Re-default: with probability ``p`` the borrower stops paying after the first
  ``floor(n × default_point)`` of the ``n`` payments (default_point 0.5: a default time spread
  evenly over the plan stops, on average, half way); the unpaid scheduled payments then go to
  collection like a loan today.  ``p`` is flat or read off a ``RedefaultCurve`` of the
  payment-to-capacity ratio (5 % up to a ratio of 50 %, rising linearly to 60 % at 100 % and
  above by default; the points are parameters).
- Collection: ``collection_recovery_rate`` of the amount is recovered
  ``recovery_delay_months`` after the start of collection, and ``collection_cost_rate`` of what
  is recovered goes to the collectors (agencies are paid a share of what they recover).

Defaults follow the issue (10 % discount rate, 25 % recovery after 18 months, 15 % costs);
each organisation sets its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal, localcontext

from xieshang.domain.errors import DomainError
from xieshang.domain.money import round_money
from xieshang.domain.rates import add_months

OFFER_BEATS_COLLECTION = "lender.offer_beats_collection"
COLLECTION_BEATS_OFFER = "lender.collection_beats_offer"
_DAYS_PER_YEAR = Decimal(365)
_ONE = Decimal(1)
_PRECISION = 40


def _fraction(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or not 0 <= value <= 1:
        raise DomainError("lender.fraction_out_of_range", field=field, value=str(value))
    return value


def _present_value(
    flows: Sequence[tuple[date, Decimal]], annual_rate: Decimal, as_of: date
) -> Decimal:
    """The unrounded present value (callers round once, at the end)."""
    if not annual_rate.is_finite() or annual_rate < 0:
        raise DomainError("rate.negative", field="annual_rate", value=str(annual_rate))
    base = _ONE + annual_rate
    result = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for day, amount in flows:
            days = (day - as_of).days
            if days < 0:
                raise DomainError("lender.flow_before_as_of", field="flows", value=day.isoformat())
            result += amount / base ** (Decimal(days) / _DAYS_PER_YEAR)
    return result


def npv(flows: Sequence[tuple[date, Decimal]], *, annual_rate: Decimal, as_of: date) -> Decimal:
    """Net present value at ``as_of`` of dated flows, ACT/365 with annual compounding.

    Flows dated before ``as_of`` are refused (what was paid is no longer in question).

    >>> npv([(date(2025, 1, 1), Decimal("100"))], annual_rate=Decimal("0.10"),
    ...     as_of=date(2025, 1, 1))
    Decimal('100.00')
    >>> npv([(date(2026, 1, 1), Decimal("110"))], annual_rate=Decimal("0.10"),
    ...     as_of=date(2025, 1, 1))
    Decimal('100.00')
    """
    return round_money(_present_value(flows, annual_rate, as_of))


@dataclass(frozen=True, slots=True)
class RedefaultCurve:
    """Re-default probability as a function of payment-to-capacity: flat at ``low_probability``
    up to ``low_ratio``, linear to ``high_probability`` at ``high_ratio``, flat beyond.

    >>> curve = RedefaultCurve()
    >>> [curve.probability(Decimal(r)) for r in ("0.3", "0.5", "0.75", "1", "1.4")]
    [Decimal('0.05'), Decimal('0.05'), Decimal('0.325'), Decimal('0.60'), Decimal('0.60')]
    """

    low_ratio: Decimal = Decimal("0.50")
    low_probability: Decimal = Decimal("0.05")
    high_ratio: Decimal = Decimal("1.00")
    high_probability: Decimal = Decimal("0.60")

    def __post_init__(self) -> None:
        _fraction(self.low_probability, "low_probability")
        _fraction(self.high_probability, "high_probability")
        if not (self.low_ratio.is_finite() and self.high_ratio.is_finite()) or not (
            0 <= self.low_ratio < self.high_ratio
        ):
            raise DomainError(
                "lender.curve_invalid", field="high_ratio", value=str(self.high_ratio)
            )
        if self.high_probability < self.low_probability:
            raise DomainError(
                "lender.curve_invalid", field="high_probability", value=str(self.high_probability)
            )

    def probability(self, ratio: Decimal) -> Decimal:
        if ratio <= self.low_ratio:
            return self.low_probability
        if ratio >= self.high_ratio:
            return self.high_probability
        share = (ratio - self.low_ratio) / (self.high_ratio - self.low_ratio)
        return self.low_probability + share * (self.high_probability - self.low_probability)


@dataclass(frozen=True, slots=True)
class RecoveryAssumptions:
    """An organisation's view of risk and collection (fractions, not percent).

    ``redefault_probability`` is a flat probability or a ``RedefaultCurve``; with a curve and an
    unknown payment-to-capacity ratio the plan is treated as fully stretched (the curve's
    ``high_probability``) — the cautious reading.
    """

    discount_rate: Decimal = Decimal("0.10")
    redefault_probability: Decimal | RedefaultCurve = RedefaultCurve()
    collection_recovery_rate: Decimal = Decimal("0.25")
    recovery_delay_months: int = 18
    collection_cost_rate: Decimal = Decimal("0.15")
    default_point: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        if not self.discount_rate.is_finite() or self.discount_rate < 0:
            raise DomainError("rate.negative", field="discount_rate", value=str(self.discount_rate))
        if isinstance(self.redefault_probability, Decimal):
            _fraction(self.redefault_probability, "redefault_probability")
        _fraction(self.collection_recovery_rate, "collection_recovery_rate")
        _fraction(self.collection_cost_rate, "collection_cost_rate")
        _fraction(self.default_point, "default_point")
        if self.recovery_delay_months < 0:
            raise DomainError(
                "lender.delay_negative",
                field="recovery_delay_months",
                value=str(self.recovery_delay_months),
            )

    def probability_for(self, payment_to_capacity: Decimal | None) -> Decimal:
        """The re-default probability for a plan taking this share of the repayment capacity."""
        p = self.redefault_probability
        if isinstance(p, Decimal):
            return p
        return (
            p.high_probability
            if payment_to_capacity is None
            else p.probability(payment_to_capacity)
        )


@dataclass(frozen=True, slots=True)
class OfferValue:
    """An offer's value to the lender at ``as_of`` (yuan, rounded to the fen)."""

    npv_if_paid: Decimal
    npv_if_redefault: Decimal
    redefault_probability: Decimal
    expected_value: Decimal
    nominal_total: Decimal
    payments_before_default: int


def _collection_pv(amount: Decimal, start: date, as_of: date, a: RecoveryAssumptions) -> Decimal:
    """Unrounded present value of sending ``amount`` to collection on ``start``."""
    net = amount * a.collection_recovery_rate * (_ONE - a.collection_cost_rate)
    paid_on = add_months(start, a.recovery_delay_months)
    return _present_value([(paid_on, net)], a.discount_rate, as_of)


def offer_value(
    schedule_payments: Sequence[tuple[date, Decimal]],
    *,
    as_of: date,
    assumptions: RecoveryAssumptions,
    payment_to_capacity: Decimal | None,
) -> OfferValue:
    """The expected value of an offer: ``(1 − p)·NPV(all) + p·(NPV(paid part) + recovery)``.

    A one-payment plan of 1 100 in a year at 10 % with p = 10 %: if paid it is worth 1 000; a
    re-default before the only payment sends 1 100 to collection (25 % recovered 18 months
    later, less 15 % costs: 233.75 on 2027-07-01, 184.26 today); 0.9·1000 + 0.1·184.26 = 918.43.

    >>> a = RecoveryAssumptions(redefault_probability=Decimal("0.1"))
    >>> v = offer_value([(date(2026, 1, 1), Decimal("1100"))], as_of=date(2025, 1, 1),
    ...                 assumptions=a, payment_to_capacity=None)
    >>> (v.npv_if_paid, v.npv_if_redefault, v.expected_value)
    (Decimal('1000.00'), Decimal('184.26'), Decimal('918.43'))
    """
    if not schedule_payments:
        raise DomainError("lender.no_payments", field="schedule_payments")
    flows = sorted(schedule_payments, key=lambda flow: flow[0])
    p = assumptions.probability_for(payment_to_capacity)
    rate = assumptions.discount_rate
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        paid_count = int((len(flows) * assumptions.default_point).to_integral_value(ROUND_FLOOR))
        paid_count = min(paid_count, len(flows) - 1)  # a re-default leaves something unpaid
        pv_all = _present_value(flows, rate, as_of)
        paid, unpaid = flows[:paid_count], flows[paid_count:]
        remainder = sum((amount for _, amount in unpaid), Decimal(0))
        pv_default = _present_value(paid, rate, as_of) + _collection_pv(
            remainder, unpaid[0][0], as_of, assumptions
        )
        expected = (_ONE - p) * pv_all + p * pv_default
    return OfferValue(
        npv_if_paid=round_money(pv_all),
        npv_if_redefault=round_money(pv_default),
        redefault_probability=p,
        expected_value=round_money(expected),
        nominal_total=round_money(sum((amount for _, amount in flows), Decimal(0))),
        payments_before_default=paid_count,
    )


def do_nothing_value(
    balance_owed: Decimal, *, as_of: date, assumptions: RecoveryAssumptions
) -> Decimal:
    """What collection is expected to bring: recovery × balance after the delay, less costs,
    discounted to ``as_of``.

    10 000 owed: 2 500 recovered after 18 months, 375 of costs, 2 125 discounted 546 days at
    10 %.

    >>> do_nothing_value(Decimal("10000"), as_of=date(2025, 1, 1),
    ...                  assumptions=RecoveryAssumptions())
    Decimal('1842.64')
    """
    if not balance_owed.is_finite() or balance_owed < 0:
        raise DomainError("amount.negative", field="balance_owed", value=str(balance_owed))
    return round_money(_collection_pv(balance_owed, as_of, as_of, assumptions))


@dataclass(frozen=True, slots=True)
class LenderComparison:
    """The gain of the offer over doing nothing and the verdict code."""

    gain: Decimal
    code: str


def compare(offer: OfferValue, nothing: Decimal) -> LenderComparison:
    """Offer against collection; at equal value the offer wins (it ends the collection effort).

    >>> compare(OfferValue(*(Decimal(9),) * 5, 0), Decimal(5))
    LenderComparison(gain=Decimal('4'), code='lender.offer_beats_collection')
    """
    gain = offer.expected_value - nothing
    return LenderComparison(gain, OFFER_BEATS_COLLECTION if gain >= 0 else COLLECTION_BEATS_OFFER)
