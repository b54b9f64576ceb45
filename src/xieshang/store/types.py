"""Column types that keep the domain's exactness across the database boundary.

- ``Fen``: money as integer fen (BIGINT); Python sees yuan ``Decimal``.  Sub-fen amounts are
  refused, never rounded silently.
- ``ExactDecimal``: rates as canonical decimal TEXT, so SQLite (whose NUMERIC affinity stores
  binary floats) can never round them; Python sees ``Decimal``.  Compare and sort rates in
  Python, not in SQL.
- ``UTCDateTime``: timezone-aware datetimes stored in UTC; naive datetimes are refused because
  their meaning depends on the machine's clock.  Display in Asia/Shanghai happens at the faces.
- ``EncryptedText(context)``: text encrypted before it leaves Python with the cipher installed
  for the engine (``install_cipher``); the database only ever holds ciphertext.

Where the cipher lives: a type's bind/result processors see only the *dialect*, never the
engine or session, and every engine owns its own dialect object.  So the composition root calls
``install_cipher(engine, key_ring)`` once and the cipher is registered against that engine's
dialect (a weak registry: it goes away with the engine).  No global "current key", no context
variable that a thread pool could lose, and two engines (e.g. tests) can hold different keys.
Using an encrypted column on an engine without a cipher raises ``CipherMissingError``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, DateTime, Engine, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from xieshang.domain.money import from_fen, to_fen

RATE_TEXT_LENGTH = 64


@runtime_checkable
class TextCipher(Protocol):
    """Authenticated encryption of text bound to a context (``security.crypto.KeyRing``)."""

    def encrypt_text(self, text: str, *, context: bytes) -> str: ...

    def decrypt_text(self, token: str, *, context: bytes) -> str: ...


class CipherMissingError(RuntimeError):
    """An encrypted column was used on an engine that has no cipher installed."""


_CIPHERS: WeakKeyDictionary[Dialect, TextCipher] = WeakKeyDictionary()


def install_cipher(engine: Engine, cipher: TextCipher) -> None:
    """Use ``cipher`` for every ``EncryptedText`` column read or written through ``engine``."""
    if not isinstance(cipher, TextCipher):
        raise TypeError(f"{cipher!r} has no encrypt_text/decrypt_text")
    _CIPHERS[engine.dialect] = cipher


def cipher_for(dialect: Dialect) -> TextCipher:
    try:
        return _CIPHERS[dialect]
    except KeyError:
        raise CipherMissingError(
            "no cipher installed for this engine: call "
            "xieshang.store.types.install_cipher(engine, key_ring) in the composition root"
        ) from None


class Fen(TypeDecorator[Decimal]):
    """Yuan ``Decimal`` in Python, integer fen in the database.

    >>> Fen().process_bind_param(Decimal("12.34"), None)
    1234
    >>> Fen().process_result_value(1234, None)
    Decimal('12.34')
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect | None) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"Fen columns take Decimal yuan, not {type(value).__name__}")
        if not value.is_finite():
            raise TypeError(f"Fen columns take finite amounts, not {value}")
        return to_fen(value)  # DomainError amount.sub_fen for 0.001 and the like

    def process_result_value(self, value: int | None, dialect: Dialect | None) -> Decimal | None:
        return None if value is None else from_fen(int(value))


class ExactDecimal(TypeDecorator[Decimal]):
    """``Decimal`` in Python, its exact decimal text in the database.

    >>> ExactDecimal().process_bind_param(Decimal("0.094822"), None)
    '0.094822'
    >>> ExactDecimal().process_result_value("0.094822", None)
    Decimal('0.094822')
    """

    impl = String(RATE_TEXT_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect | None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal columns take Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise TypeError(f"ExactDecimal columns take finite numbers, not {value}")
        out = str(value)
        if len(out) > RATE_TEXT_LENGTH:
            raise TypeError(f"{out[:20]}… has more than {RATE_TEXT_LENGTH} characters")
        return out

    def process_result_value(self, value: str | None, dialect: Dialect | None) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"stored rate {value!r} is not a decimal number") from None


class UTCDateTime(TypeDecorator[datetime]):
    """Aware ``datetime`` in UTC; naive values are refused.

    SQLite has no time zone type, so UTC is stored without an offset there and re-attached on
    the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect | None
    ) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime columns take datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a time zone")
        utc = value.astimezone(UTC)
        if dialect is not None and dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(
        self, value: datetime | None, dialect: Dialect | None
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest; ``context`` binds each ciphertext to its column (a token copied
    into another column fails authentication instead of decrypting)."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        if not context:
            raise ValueError("EncryptedText needs a context naming the column")
        self.context = context

    @property
    def context_bytes(self) -> bytes:
        return self.context.encode("utf-8")

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText columns take str, not {type(value).__name__}")
        return cipher_for(dialect).encrypt_text(value, context=self.context_bytes)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher_for(dialect).decrypt_text(value, context=self.context_bytes)

    def process_literal_param(self, value: str | None, dialect: Dialect) -> str:
        # Never render a secret into SQL text (logs, offline migration scripts).
        raise TypeError("EncryptedText values cannot be rendered as SQL literals")
