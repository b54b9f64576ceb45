"""A lender organisation's limits on what its agents may offer, and its valuation settings.

Limits are checked per loan against the typed concessions and the computed outcome; a breach
is not a refusal — an offer beyond policy goes out only with the approval of the role the
policy names (maker-checker), and both are recorded in the case log.

>>> from xieshang.domain.concessions import Proposal, Settlement, TermExtension
>>> limits = PolicyLimits(max_extension_months=12, min_settlement_percent=Decimal("0.5"))
>>> [b.code for b in proposal_breaches(Proposal((TermExtension(24),)), limits, waived=ZERO,
...                                    owed=Decimal(1000))]
['policy.extension_too_long']
>>> proposal_breaches(Proposal((Settlement(Decimal("0.6")),)), limits, waived=Decimal(400),
...                   owed=Decimal(1000))
()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .case_state import DEFAULT_DEADLINES, DeadlinePolicy
from .concessions import (
    InterestStop,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
)
from .errors import DomainError
from .lender_value import RecoveryAssumptions, RedefaultCurve
from .money import ZERO

APPROVER_ROLES = ("agent", "supervisor")


@dataclass(frozen=True, slots=True)
class PolicyLimits:
    """What an agent may offer alone.  Fractions, not percent: 0.3 is 30 %."""

    max_extension_months: int = 36
    min_annual_rate: Decimal = ZERO  # a rate cut may not go below this
    max_waiver_fraction: Decimal = Decimal("0.30")  # of the total owed, waivers and discounts
    min_settlement_percent: Decimal = Decimal("0.50")
    max_installments: int = 60  # interest stop / re-ageing / settlement installments
    approver_role: str = "supervisor"

    def __post_init__(self) -> None:
        for name in ("max_extension_months", "max_installments"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise DomainError("policy.limit_invalid", field=name, value=str(value))
        for name in ("min_annual_rate", "max_waiver_fraction", "min_settlement_percent"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
                raise DomainError("policy.limit_invalid", field=name, value=str(value))
        if self.approver_role not in APPROVER_ROLES:
            raise DomainError(
                "policy.limit_invalid", field="approver_role", value=self.approver_role
            )


DEFAULT_LIMITS = PolicyLimits()


@dataclass(frozen=True, slots=True)
class PolicyBreach:
    code: str
    value: Decimal
    limit: Decimal


def proposal_breaches(
    proposal: Proposal, limits: PolicyLimits, *, waived: Decimal, owed: Decimal
) -> tuple[PolicyBreach, ...]:
    """Every limit the proposal goes beyond; ``waived`` is what it forgives of ``owed``."""
    found: list[PolicyBreach] = []
    ext = proposal.find(TermExtension)
    if ext is not None and ext.extra_months > limits.max_extension_months:
        found.append(
            PolicyBreach(
                "policy.extension_too_long",
                Decimal(ext.extra_months),
                Decimal(limits.max_extension_months),
            )
        )
    rate = proposal.find(RateReduction)
    if rate is not None and rate.new_annual_rate < limits.min_annual_rate:
        found.append(
            PolicyBreach("policy.rate_too_low", rate.new_annual_rate, limits.min_annual_rate)
        )
    settlement = proposal.find(Settlement)
    if settlement is not None and settlement.percent < limits.min_settlement_percent:
        found.append(
            PolicyBreach(
                "policy.settlement_too_low", settlement.percent, limits.min_settlement_percent
            )
        )
    counts = [
        c.installments
        for c in (proposal.find(InterestStop), proposal.find(ReAgeing), settlement)
        if c is not None
    ]
    if counts and max(counts) > limits.max_installments:
        found.append(
            PolicyBreach(
                "policy.too_many_installments",
                Decimal(max(counts)),
                Decimal(limits.max_installments),
            )
        )
    if owed > 0:
        share = waived / owed
        # A settlement's own discount is judged by its percent, not twice.
        if settlement is None and share > limits.max_waiver_fraction:
            found.append(
                PolicyBreach(
                    "policy.waiver_too_large",
                    share.quantize(Decimal("0.0001")),
                    limits.max_waiver_fraction,
                )
            )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class LenderSettings:
    """An organisation's valuation assumptions, offer limits and reply deadlines."""

    assumptions: RecoveryAssumptions = field(default_factory=RecoveryAssumptions)
    limits: PolicyLimits = DEFAULT_LIMITS
    deadlines: DeadlinePolicy = DEFAULT_DEADLINES


DEFAULT_SETTINGS = LenderSettings()

_SECTIONS: dict[str, tuple[str, ...]] = {
    "assumptions": (
        "discount_rate",
        "redefault_probability",
        "collection_recovery_rate",
        "recovery_delay_months",
        "collection_cost_rate",
        "default_point",
    ),
    "limits": (
        "max_extension_months",
        "min_annual_rate",
        "max_waiver_fraction",
        "min_settlement_percent",
        "max_installments",
        "approver_role",
    ),
    "deadlines": ("submission_reply_days", "offer_reply_days", "signature_days"),
}
_INTS = frozenset(
    {
        "recovery_delay_months",
        "max_extension_months",
        "max_installments",
        "submission_reply_days",
        "offer_reply_days",
        "signature_days",
    }
)


def _value(name: str, value: object) -> object:
    if isinstance(value, float | bool):
        raise DomainError("policy.limit_invalid", field=name, value=str(value))
    if name == "approver_role":
        if not isinstance(value, str):
            raise DomainError("policy.limit_invalid", field=name, value=str(value))
        return value
    if name in _INTS:
        if not isinstance(value, int):
            raise DomainError("policy.limit_invalid", field=name, value=str(value))
        return value
    if name == "redefault_probability" and isinstance(value, Mapping):
        return RedefaultCurve(**{k: Decimal(str(_value(k, v))) for k, v in value.items()})
    if isinstance(value, int | str | Decimal):
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    raise DomainError("policy.limit_invalid", field=name, value=str(value))


def settings_from_record(record: object) -> LenderSettings:
    """Settings from ``{"assumptions": {...}, "limits": {...}, "deadlines": {...}}``; every
    key optional (defaults), unknown keys refused.

    >>> s = settings_from_record({"limits": {"max_extension_months": 24}})
    >>> s.limits.max_extension_months, s.assumptions.discount_rate
    (24, Decimal('0.10'))
    """
    if not isinstance(record, Mapping):
        raise DomainError("policy.not_an_object", field="settings")
    unknown = sorted(set(record) - set(_SECTIONS))
    if unknown:
        raise DomainError("policy.unknown_key", field=unknown[0])
    parts: dict[str, dict[str, object]] = {}
    for section, names in _SECTIONS.items():
        raw = record.get(section, {})
        if not isinstance(raw, Mapping):
            raise DomainError("policy.not_an_object", field=section)
        bad = sorted(set(raw) - set(names))
        if bad:
            raise DomainError("policy.unknown_key", field=bad[0])
        parts[section] = {k: _value(k, v) for k, v in raw.items()}
    try:
        return LenderSettings(
            assumptions=RecoveryAssumptions(**parts["assumptions"]),  # type: ignore[arg-type]
            limits=PolicyLimits(**parts["limits"]),  # type: ignore[arg-type]
            deadlines=DeadlinePolicy(**parts["deadlines"]),  # type: ignore[arg-type]
        )
    except (TypeError, ArithmeticError) as error:
        raise DomainError("policy.limit_invalid", field="settings", value=str(error)) from None


def settings_record(settings: LenderSettings) -> dict[str, Any]:
    a, lim, d = settings.assumptions, settings.limits, settings.deadlines
    curve = a.redefault_probability
    return {
        "assumptions": {
            "discount_rate": a.discount_rate,
            "redefault_probability": curve
            if isinstance(curve, Decimal)
            else {
                "low_ratio": curve.low_ratio,
                "low_probability": curve.low_probability,
                "high_ratio": curve.high_ratio,
                "high_probability": curve.high_probability,
            },
            "collection_recovery_rate": a.collection_recovery_rate,
            "recovery_delay_months": a.recovery_delay_months,
            "collection_cost_rate": a.collection_cost_rate,
            "default_point": a.default_point,
        },
        "limits": {
            "max_extension_months": lim.max_extension_months,
            "min_annual_rate": lim.min_annual_rate,
            "max_waiver_fraction": lim.max_waiver_fraction,
            "min_settlement_percent": lim.min_settlement_percent,
            "max_installments": lim.max_installments,
            "approver_role": lim.approver_role,
        },
        "deadlines": {
            "submission_reply_days": d.submission_reply_days,
            "offer_reply_days": d.offer_reply_days,
            "signature_days": d.signature_days,
        },
    }
