"""A counter-offer the lender may suggest: the borrower's own proposal brought within the
organisation's policy limits, loan by loan, from the evaluation's breaches (each names the
loan, the limit's code, the offer's value and the limit).

Each limit is met by the smallest change to what the borrower asked:

- ``policy.extension_too_long``: the extension shortened to the longest allowed;
- ``policy.rate_too_low``: the reduced rate raised to the lowest allowed;
- ``policy.settlement_too_low``: the settlement raised to the lowest share allowed;
- ``policy.too_many_installments``: every installment count above the limit cut to it;
- ``policy.waiver_too_large``: every waiver of the loan scaled down by limit ÷ share (a whole
  item becomes that fraction of it; fractions and amounts are rounded down), so the waived
  share falls to the limit or just below.

The suggestion is checked like any offer when it is sent.

>>> terms = {"start": "2026-12-01", "loans": [{"loan_id": "7", "concessions": [
...     {"kind": "extension", "extra_months": 48}, {"kind": "waiver", "target": "penalty"}]}]}
>>> breaches = [
...     {"loan_id": "7", "code": "policy.extension_too_long", "value": Decimal(48),
...      "limit": Decimal(36)},
...     {"loan_id": "7", "code": "policy.waiver_too_large", "value": Decimal("0.4"),
...      "limit": Decimal("0.3")}]
>>> extension, waiver = within_policy(terms, breaches)["loans"][0]["concessions"]
>>> extension["extra_months"], waiver["fraction"]
(36, '0.75')
>>> within_policy(terms, []) == terms
True
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

FRACTION = Decimal("0.0001")
FEN = Decimal("0.01")


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _fix(concession: dict[str, Any], code: str, value: Decimal, limit: Decimal) -> None:
    kind = concession.get("kind")
    if code == "policy.extension_too_long" and kind == "extension":
        concession["extra_months"] = int(limit)
    elif code == "policy.rate_too_low" and kind == "rate":
        concession["new_annual_rate"] = _plain(limit)
    elif code == "policy.settlement_too_low" and kind == "settlement":
        concession["percent"] = _plain(limit)
    elif code == "policy.too_many_installments" and "installments" in concession:
        if int(concession["installments"]) > int(limit):
            concession["installments"] = int(limit)
    elif code == "policy.waiver_too_large" and kind == "waiver" and value > 0:
        scale = limit / value
        if concession.get("amount") is not None:
            cut = (_dec(concession["amount"]) * scale).quantize(FEN, rounding=ROUND_DOWN)
            concession["amount"] = _plain(cut)
        else:
            fraction = _dec(concession.get("fraction") or 1) * scale
            concession["fraction"] = _plain(fraction.quantize(FRACTION, rounding=ROUND_DOWN))


def within_policy(
    terms: Mapping[str, Any], breaches: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A copy of the terms record with every breached limit met (see the module docstring)."""
    suggested: dict[str, Any] = copy.deepcopy(dict(terms))
    for loan in suggested.get("loans", []):
        for breach in breaches:
            if str(breach["loan_id"]) != str(loan.get("loan_id")):
                continue
            for concession in loan.get("concessions", []):
                _fix(concession, str(breach["code"]), _dec(breach["value"]), _dec(breach["limit"]))
    return suggested
