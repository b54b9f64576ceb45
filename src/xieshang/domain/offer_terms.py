"""What an offer says, as data: per loan a proposal (typed concessions), when the new plan
starts, the grace days and the breach rule — and its one JSON-able record, so an offer made in
a form, a JSON body or a file becomes the same typed value, is logged verbatim and read back
identically.

Records use only JSON types plus ``Decimal``/``date`` (canonical JSON writes both as strings):
a concession is ``{"kind": ..., <its fields>}``; unknown kinds or fields, floats and wrong
types are refused with a code naming the field.

>>> t = terms_from_record({"start": "2026-12-01", "loans": [{"loan_id": "7", "concessions": [
...     {"kind": "extension", "extra_months": 12}, {"kind": "waiver", "target": "penalty"}]}]})
>>> [c.kind for c in t.loans[0].proposal.concessions], t.grace_days
(['extension', 'waiver'], 3)
>>> terms_from_record(terms_record(t)) == t
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .concessions import CONCESSION_TYPES, Concession, HolidayInterest, Proposal
from .errors import DomainError
from .ledger import DEFAULT_BREACH_RULE, BreachRule

DEFAULT_GRACE_DAYS = 3  # 宽限期: the common 3 days of Chinese consumer lending
MAX_GRACE_DAYS = 30
MAX_NOTE = 2000
_KINDS: dict[str, type[Any]] = {cls.kind: cls for cls in CONCESSION_TYPES}


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The proposal for one of the case's loans (``loan_id`` as the case knows it)."""

    loan_id: str
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class OfferTerms:
    loans: tuple[LoanTerms, ...]
    start: date
    first_due: date | None = None
    grace_days: int = DEFAULT_GRACE_DAYS
    breach_rule: BreachRule = DEFAULT_BREACH_RULE
    note: str = ""

    def __post_init__(self) -> None:
        if not self.loans:
            raise DomainError("offer.no_loans", field="loans")
        ids = [t.loan_id for t in self.loans]
        if len(set(ids)) != len(ids):
            raise DomainError("offer.loan_repeated", field="loans")
        if type(self.grace_days) is not int or not 0 <= self.grace_days <= MAX_GRACE_DAYS:
            raise DomainError(
                "offer.grace_days_out_of_range", field="grace_days", value=str(self.grace_days)
            )
        if self.first_due is not None and self.first_due <= self.start:
            raise DomainError("proposal.first_due_not_after_start", field="first_due")
        if len(self.note) > MAX_NOTE:
            raise DomainError("offer.note_too_long", field="note", limit=MAX_NOTE)

    def for_loan(self, loan_id: str) -> Proposal:
        return next(t.proposal for t in self.loans if t.loan_id == loan_id)


# ---------------------------------------------------------------------------------------------
# records


def concession_record(c: Concession) -> dict[str, Any]:
    """``{"kind": ..., field: value}``; optional fields left at None are omitted.

    >>> from xieshang.domain.concessions import Settlement
    >>> concession_record(Settlement(Decimal("0.6"), 3))
    {'kind': 'settlement', 'percent': Decimal('0.6'), 'installments': 3}
    """
    record: dict[str, Any] = {"kind": c.kind}
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        if value is None:
            continue
        record[f.name] = value.value if isinstance(value, HolidayInterest) else value
    return record


def _expect_mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DomainError("offer.not_an_object", field=field)
    return value


def _field_value(kind: str, name: str, annotation: str, value: object) -> object:
    """Refuse the JSON types a field can never take; the concession checks the rest."""
    if isinstance(value, float):
        raise DomainError("amount.float_refused", field=name)
    if annotation == "bool" and not isinstance(value, bool):
        raise DomainError("offer.bad_field_type", field=name, kind=kind)
    if annotation == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise DomainError("proposal.count_not_integer", field=name, value=str(value))
    if annotation == "HolidayInterest":
        try:
            return HolidayInterest(value)
        except ValueError:
            raise DomainError(
                "proposal.holiday_interest_unknown", field=name, value=str(value)
            ) from None
    if "Decimal" in annotation and value is not None:
        if isinstance(value, str):  # JSON carries exact amounts and fractions as strings
            try:
                value = Decimal(value.strip())
            except ArithmeticError:
                raise DomainError("amount.not_a_number", field=name, value=value) from None
            if not value.is_finite():
                raise DomainError("amount.not_a_number", field=name, value=str(value))
        elif not isinstance(value, int | Decimal):
            raise DomainError("offer.bad_field_type", field=name, kind=kind)
    if annotation in ("WaiverTarget", "str") and not isinstance(value, str):
        raise DomainError("offer.bad_field_type", field=name, kind=kind)
    return value


def concession_from_record(record: object, field: str = "concessions") -> Concession:
    data = _expect_mapping(record, field)
    kind = data.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DomainError("proposal.unknown_concession", field="kind", value=str(kind))
    known = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known) - {"kind"})
    if unknown:
        raise DomainError("offer.unknown_field", field=unknown[0], kind=kind)
    values = {
        name: _field_value(str(kind), name, known[name], value)
        for name, value in data.items()
        if name != "kind"
    }
    try:
        return cls(**values)  # type: ignore[no-any-return]
    except TypeError:  # a required field is missing
        missing = [n for n in known if n not in values]
        raise DomainError(
            "offer.missing_field", field=missing[0] if missing else field, kind=kind
        ) from None


def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DomainError("calendar.not_a_date", field=field, value=str(value))


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("offer.bad_field_type", field=field, kind="terms")
    return value


_TERMS_FIELDS = frozenset({"loans", "start", "first_due", "grace_days", "breach_rule", "note"})


def terms_from_record(record: object) -> OfferTerms:
    data = _expect_mapping(record, "terms")
    unknown = sorted(set(data) - _TERMS_FIELDS)
    if unknown:
        raise DomainError("offer.unknown_field", field=unknown[0], kind="terms")
    raw_loans = data.get("loans")
    if not isinstance(raw_loans, list | tuple) or not raw_loans:
        raise DomainError("offer.no_loans", field="loans")
    loans = []
    for item in raw_loans:
        entry = _expect_mapping(item, "loans")
        loan_id = entry.get("loan_id")
        if isinstance(loan_id, int) and not isinstance(loan_id, bool):
            loan_id = str(loan_id)
        if not isinstance(loan_id, str) or not loan_id:
            raise DomainError("offer.loan_id_missing", field="loan_id")
        if set(entry) - {"loan_id", "concessions", "label"}:
            bad = sorted(set(entry) - {"loan_id", "concessions", "label"})[0]
            raise DomainError("offer.unknown_field", field=bad, kind="loans")
        raw = entry.get("concessions", [])
        if not isinstance(raw, list | tuple):
            raise DomainError("offer.not_a_list", field="concessions")
        label = entry.get("label", "")
        proposal = Proposal(
            tuple(concession_from_record(c) for c in raw),
            label=label if isinstance(label, str) else "",
        )
        loans.append(LoanTerms(loan_id, proposal))
    rule = data.get("breach_rule")
    breach = DEFAULT_BREACH_RULE
    if rule is not None:
        rule_map = _expect_mapping(rule, "breach_rule")
        breach = BreachRule(
            _int(rule_map.get("max_overdue_installments", 2), "max_overdue_installments"),
            _int(rule_map.get("max_days_overdue", 60), "max_days_overdue"),
        )
    note = data.get("note", "")
    if not isinstance(note, str):
        raise DomainError("offer.bad_field_type", field="note", kind="terms")
    first_due = data.get("first_due")
    return OfferTerms(
        loans=tuple(loans),
        start=_date(data.get("start"), "start"),
        first_due=None if first_due is None else _date(first_due, "first_due"),
        grace_days=_int(data.get("grace_days", DEFAULT_GRACE_DAYS), "grace_days"),
        breach_rule=breach,
        note=note,
    )


def terms_record(terms: OfferTerms) -> dict[str, Any]:
    record: dict[str, Any] = {
        "loans": [
            {
                "loan_id": t.loan_id,
                "label": t.proposal.label,
                "concessions": [concession_record(c) for c in t.proposal.concessions],
            }
            for t in terms.loans
        ],
        "start": terms.start,
        "grace_days": terms.grace_days,
        "breach_rule": {
            "max_overdue_installments": terms.breach_rule.max_overdue_installments,
            "max_days_overdue": terms.breach_rule.max_days_overdue,
        },
        "note": terms.note,
    }
    if terms.first_due is not None:
        record["first_due"] = terms.first_due
    return record
