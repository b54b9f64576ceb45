"""Recording a payment from a page's form — the borrower's (or the platform's, recorded by the
borrower) and the lender staff's: the typed fields read, the payment recorded once per form.

Each form carries a hidden idempotency key made when the page was shown, so a double click or
a reload sends the same payment twice and it is recorded once (as ``Idempotency-Key`` does for
the API); a key that is missing or not one of ours gets a fresh one (recorded once more, never
mistaken for another form's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request

from xieshang.domain.errors import DomainError
from xieshang.security.tokens import new_token
from xieshang.services import idempotency, payments
from xieshang.services.access import Actor

from .session import container_of

MIN_KEY, MAX_KEY = 16, 100
MAX_AMOUNT_TEXT = 40
MAX_REFERENCE = 200


@dataclass(frozen=True, slots=True)
class PaymentForm:
    """What was typed (kept on a refused form) and the form's idempotency key."""

    amount: str
    paid_on: str
    channel: str
    external_ref: str
    key: str

    @classmethod
    def typed(
        cls, *, amount: str, paid_on: str, channel: str, external_ref: str, key: str
    ) -> PaymentForm:
        key = key.strip()[:MAX_KEY]
        if not (key.replace("-", "").replace("_", "").isalnum() and len(key) >= MIN_KEY):
            key = new_token()
        return cls(
            amount=amount.strip()[:MAX_AMOUNT_TEXT],
            paid_on=paid_on.strip()[:10],
            channel=channel.strip()[:MAX_AMOUNT_TEXT],
            external_ref=external_ref.strip()[:MAX_REFERENCE],
            key=key,
        )

    def fields(self) -> dict[str, str]:
        return {
            "amount": self.amount,
            "paid_on": self.paid_on,
            "channel": self.channel,
            "external_ref": self.external_ref,
        }


def record_from_form(
    request: Request,
    actor: Actor,
    case_id: int,
    form: PaymentForm,
    *,
    for_platform: bool = False,
) -> None:
    """Record the form's payment (once per key); a refused one is a ``DomainError`` naming the
    field (``amount``, ``paid_on``, ``channel``, ``external_ref``)."""
    container = container_of(request)
    now = container.clock()
    try:
        day = date.fromisoformat(form.paid_on)
    except ValueError:
        raise DomainError("calendar.not_a_date", field="paid_on", value=form.paid_on) from None
    entry = payments.PaymentInput(
        amount=form.amount, paid_on=day, channel=form.channel, external_ref=form.external_ref
    )

    def produce() -> tuple[int, Any]:
        outcome = payments.record_payment(
            container.uow(),
            container.blobs,
            actor,
            case_id,
            entry,
            for_platform=for_platform,
            now=now,
            sign=container.instance_key.sign,
        )
        return (201 if outcome.created else 200), {
            "payment": outcome.payment.id,
            "case_state": outcome.case_state,
        }

    path = request.url.path
    fingerprint = idempotency.request_fingerprint(
        "POST", path, form.fields() | {"platform": for_platform}
    )
    idempotency.run_idempotent(
        container.uow, actor, form.key, "POST", path, fingerprint, produce, now=now
    )
