"""Repayment schedules of many loans at once, in integer fen, equal to the domain's to the fen.

``schedules(chunk)`` computes, for every loan of a ``LoanBatch``, exactly the rows that
``xieshang.domain.amortization.build_schedule`` gives with default options and the chunk's
day count and rounding policy (DESIGN.md §4): 等额本息 (annuity), 等额本金 (equal principal),
先息后本 (interest only) and 到期一次还本付息 (bullet).  How each figure stays exact:

* **Interest** of a period is ``balance × rate × k / d`` fen — under 30/360 ``k = 1``,
  ``d = 12 × RATE_SCALE``; under act/360 and act/365 ``k`` is the period's actual days and
  ``d = 360 or 365 × RATE_SCALE`` — kept as an integer quotient and remainder and rounded by the
  policy from them (``fixed_point``).  ``balance × rate`` must fit in int64: true for every
  principal up to 46 million yuan at any rate the domain accepts (< 1000 %); a loan beyond that
  goes through the Decimal domain itself, one by one.
* **The annuity's level payment** ``P·r / (1 − (1 + r)^−n)`` is irrational in general.  It is
  computed in float64 (relative error below ~1e-13 for any term up to 600 months and rate up to
  1000 %), and kept when it lies farther than ``1e-11 × level + 1e-9`` fen from every half fen,
  so rounding it by any policy cannot differ from rounding the exact value; the few loans
  closer than that get their level from the domain's own ``annuity_payment`` at 50 digits.
* **The walk** goes period by period over all loans of the chunk at once (loans sorted by term
  so the ones still running are a prefix): interest, then principal = level − interest (at
  least 0), the last period paying off the balance, as ``amortization._walk`` does.  A level
  that would repay a tiny loan before its last period is retried rounded down
  (``NOTE_LEVEL_ROUNDED_DOWN``), and refused (``STATUS_PAYMENT_EXCEEDS_BALANCE``) if that
  fails too, as in the domain.

Not supported here (the domain builds them, the kernels refuse nothing silently because they
take no such options): ``first_due`` (a broken first period), business-day shifts, grace
periods, payment holidays, ``round_payment_to`` and a partial interest-only window.

Rows come grouped by period within each method of the chunk (the layout the walk writes at
memory speed); every row names its loan, and ``ScheduleBatch.loan_major()`` reorders them loan
by loan.

>>> from datetime import date
>>> chunk = LoanBatch.from_terms([
...     (Decimal("100"), Decimal("0.094822"), 6, date(2024, 1, 1), Method.ANNUITY),
...     (Decimal("100"), Decimal("0.12"), 3, date(2024, 1, 1), Method.EQUAL_PRINCIPAL)])
>>> out = schedules(chunk).loan_major()
>>> out.payment.tolist(), out.row_interest.tolist()
([1713, 3433], [79, 66, 53, 40, 27, 13, 100, 67, 33])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext

import numpy as np
from numpy.typing import NDArray

from xieshang.domain.amortization import annuity_payment, build_schedule
from xieshang.domain.amortization_options import MAX_MONTHS, ScheduleOptions
from xieshang.domain.errors import DomainError
from xieshang.domain.money import DEFAULT_ROUNDING, FEN, RoundingPolicy, round_money, to_fen
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method

from .fixed_point import INT64_MAX, MonthTable, div_round, mul_div, policy_mode, round_fraction
from .loans import METHOD_CODES, RATE_SCALE, LoanBatch, day_number

__all__ = [
    "NOTE_LEVEL_ROUNDED_DOWN",
    "NOTE_PAYMENT_BELOW_INTEREST",
    "STATUS_INVALID",
    "STATUS_OK",
    "STATUS_PAYMENT_EXCEEDS_BALANCE",
    "ScheduleBatch",
    "iter_schedules",
    "schedules",
]

Int64s = NDArray[np.int64]
Int8s = NDArray[np.int8]
Bools = NDArray[np.bool_]

STATUS_OK = 0
STATUS_INVALID = 1  # terms the domain refuses: principal ≤ 0, months outside 1..600, rate
STATUS_PAYMENT_EXCEEDS_BALANCE = 2  # the domain's schedule.payment_exceeds_balance

NOTE_LEVEL_ROUNDED_DOWN = 1  # note.level_rounded_down
NOTE_PAYMENT_BELOW_INTEREST = 2  # note.payment_below_interest

_ANNUITY = METHOD_CODES[Method.ANNUITY]
_EQUAL_PRINCIPAL = METHOD_CODES[Method.EQUAL_PRINCIPAL]
_INTEREST_ONLY = METHOD_CODES[Method.INTEREST_ONLY]
_BULLET = METHOD_CODES[Method.BULLET]
_MAX_RATE = 10 * RATE_SCALE  # the domain refuses rates of 1000 %/yr or more
_LEVEL_RELATIVE_TOLERANCE = 1e-11
_LEVEL_ABSOLUTE_TOLERANCE = 1e-9  # fen
_ROW_COLUMNS = ("loan", "n", "due", "interest", "principal", "payment", "balance")


@dataclass(frozen=True, slots=True)
class ScheduleBatch:
    """Schedules of a chunk: per-loan columns (length = loans) and row columns (length = rows).

    ``index`` is each loan's number in the whole book (``first_index`` + position);
    ``row_loan`` the position in this chunk of the loan a row belongs to.  Amounts in fen, due
    dates in days since 1970-01-01.  ``payment`` is the annuity's level payment and, for the
    other methods, the first installment.  A refused loan (``status`` ≠ 0) has no rows and
    zeros elsewhere.
    """

    index: Int64s
    status: Int8s
    notes: Int8s
    payment: Int64s
    total_interest: Int64s
    total_payment: Int64s
    rows_per_loan: Int64s
    row_loan: Int64s
    row_n: Int64s
    row_due: Int64s
    row_interest: Int64s
    row_principal: Int64s
    row_payment: Int64s
    row_balance: Int64s
    # True when the rows are exactly, period by period, the loans sorted by term (longest
    # first, ties in chunk order): a chunk of one monthly method with nothing retried.  The
    # APR kernel then reads ``row_payment`` as it is, without laying the rows out again.
    period_major: bool = False

    def __len__(self) -> int:
        return len(self.index)

    @property
    def rows(self) -> int:
        return len(self.row_loan)

    def rows_of(self, i: int) -> NDArray[np.intp]:
        """Row positions of loan ``i`` (position in the chunk), in installment order."""
        found = np.flatnonzero(self.row_loan == i)
        return found[np.argsort(self.row_n[found], kind="stable")]

    def loan_major(self) -> ScheduleBatch:
        """The same batch with rows ordered loan by loan, each in installment order."""
        starts = np.cumsum(self.rows_per_loan) - self.rows_per_loan
        where = starts[self.row_loan] + self.row_n - 1
        columns = {}
        for name in _ROW_COLUMNS:
            source = getattr(self, f"row_{name}")
            target = np.empty_like(source)
            target[where] = source
            columns[f"row_{name}"] = target
        return ScheduleBatch(
            self.index,
            self.status,
            self.notes,
            self.payment,
            self.total_interest,
            self.total_payment,
            self.rows_per_loan,
            **columns,
        )


class _Rows:
    """Preallocated row columns that the walks fill block by block."""

    def __init__(self, capacity: int) -> None:
        self.columns = {name: np.empty(capacity, dtype=np.int64) for name in _ROW_COLUMNS}
        self.used = 0
        self.extra: list[dict[str, Int64s]] = []  # rows computed apart (retries, the domain)

    def block(self, size: int) -> dict[str, Int64s]:
        start, self.used = self.used, self.used + size
        return {name: column[start : self.used] for name, column in self.columns.items()}


@dataclass(slots=True)
class _Loans:
    """Per-loan outputs being filled in (positions in the chunk)."""

    status: Int8s
    notes: Int8s
    payment: Int64s
    total_interest: Int64s


def _levels(
    principal: Int64s, rate: Int64s, months: Int64s, mode: str, policy: RoundingPolicy
) -> tuple[Int64s, Int64s]:
    """The annuity's level payment rounded by the policy, and rounded down (for the retry)."""
    level = np.empty(len(principal), dtype=np.int64)
    floor = np.empty(len(principal), dtype=np.int64)
    zero = rate == 0
    if zero.any():
        q, r = np.divmod(principal[zero], months[zero])
        level[zero] = round_fraction(q, r, months[zero], mode)
        floor[zero] = q
    positive = np.flatnonzero(~zero)
    if positive.size:
        p = principal[positive].astype(np.float64)
        monthly = rate[positive].astype(np.float64) / (12.0 * RATE_SCALE)
        exact = p * monthly / -np.expm1(-months[positive] * np.log1p(monthly))
        whole = np.floor(exact)
        fraction = exact - whole
        halves = np.abs(exact * 2 - np.round(exact * 2)) / 2
        close = halves < _LEVEL_RELATIVE_TOLERANCE * exact + _LEVEL_ABSOLUTE_TOLERANCE
        q = whole.astype(np.int64)
        if mode in {"half-up", "half-even"}:
            up = fraction > 0.5
        elif mode == "ceiling":
            up = fraction > 0
        else:
            up = np.zeros(len(q), dtype=np.bool_)
        level[positive] = q + up
        floor[positive] = q
        for i in positive[close]:
            level[i], floor[i] = _exact_level(
                int(principal[i]), int(rate[i]), int(months[i]), policy
            )
    return level, floor


def _exact_level(principal: int, rate: int, months: int, policy: RoundingPolicy) -> tuple[int, int]:
    """The level as the domain computes it (50 digits), rounded by the policy and down."""
    with localcontext() as ctx:
        ctx.prec = 50
        monthly = Decimal(rate) / RATE_SCALE / 12
        exact = annuity_payment(Decimal(principal) / 100, monthly, months)
    return to_fen(round_money(exact, policy)), to_fen(exact.quantize(FEN, rounding=ROUND_FLOOR))


def _walk(  # noqa: PLR0917 - the loan columns, in LoanBatch order
    rows: _Rows,
    idx: Int64s,
    principal: Int64s,
    rate: Int64s,
    months: Int64s,
    start: Int64s,
    *,
    method: int,
    level: Int64s,
    day_count: DayCount,
    mode: str,
) -> tuple[Bools, Bools, Int64s, Int64s]:
    """Rows of loans sorted by term (longest first); returns, per loan, whether the level
    repaid it early, whether some interest exceeded the level, total interest, first payment."""
    count = len(idx)
    longest = int(months[0])
    running = np.searchsorted(-months, -np.arange(1, longest + 2), side="right")
    out = rows.block(int(months.sum()))
    month, day0 = MonthTable.split(start)
    table = MonthTable(int(month.min()), int(month.max()) + longest)
    key = table.key(month, day0)
    thirty = day_count is DayCount.THIRTY_360
    d = (12 if thirty else day_count.days_in_year) * RATE_SCALE
    previous = start.copy()
    share = principal // months if method == _EQUAL_PRINCIPAL else level
    lowest = np.zeros(count, dtype=np.int64)  # lowest level − interest (annuity)
    before_last = np.ones(count, dtype=np.int64)  # balance before the last period
    # Interest only falls while the balance falls, except that actual days vary: under 30/360
    # a level that covers the first interest covers every later one, and most chunks need no
    # clipping at all; equal principal and interest only sum their interest as they go.
    clip = not thirty
    total_interest = np.zeros(count, dtype=np.int64)
    summed = method != _ANNUITY
    b = principal
    pos = 0
    for t in range(1, longest + 1):
        c, go_on = int(running[t - 1]), int(running[t])
        cut = slice(pos, pos + c)
        pos += c
        b = b[:c]  # balances before this period: the previous block's prefix
        due = out["due"][cut]
        key[:c] += 31
        np.take(table.days, key[:c], out=due, mode="clip")  # keys are in range by design
        interest = out["interest"][cut]
        if thirty:
            div_round(np.multiply(b, rate[:c], out=interest), d, mode, out=interest)
        else:
            days = due - previous[:c]
            previous[:c] = due
            am = b * rate[:c]
            q = am // d
            np.add(q * days, div_round((am - q * d) * days, d, mode), out=interest)
        part = out["principal"][cut]
        if method == _ANNUITY:
            np.subtract(share[:go_on], interest[:go_on], out=part[:go_on])
            if t == 1:
                lowest[:go_on] = part[:go_on]
                clip = clip or bool((lowest < 0).any())
            elif clip:
                np.minimum(lowest[:go_on], part[:go_on], out=lowest[:go_on])
            if clip:
                np.maximum(part[:go_on], 0, out=part[:go_on])
        elif method == _EQUAL_PRINCIPAL:
            part[:go_on] = share[:go_on]
        else:
            part[:go_on] = 0
        part[go_on:] = b[go_on:]
        if t > 1:
            before_last[go_on:c] = b[go_on:]
        balance = out["balance"][cut]
        np.subtract(b, part, out=balance)
        payment = out["payment"][cut]
        np.add(part, interest, out=payment)
        out["n"][cut] = t
        out["loan"][cut] = idx[:c]
        if summed:
            total_interest[:c] += interest
        else:  # every payment but the last is the level, or the interest where that is more
            total_interest[go_on:c] = payment[go_on:]
        b = balance
    # Balances never rise (principal ≥ 0), so the level repaid a loan before its last period
    # exactly when the balance before that period is not positive.
    early = before_last <= 0
    below = lowest < 0
    first = out["payment"][: int(running[0])].copy()
    if not summed:
        # total interest = total payment − principal; rows below the level are rare.
        total_interest += share * (months - 1) - principal
        if below.any():
            total_interest = _interest_by_rows(out, idx)
    return early, below, total_interest, first


def _interest_by_rows(out: dict[str, Int64s], idx: Int64s) -> Int64s:
    """Total interest per loan, in the walk's order, summed exactly from its rows."""
    walk_position = np.empty(int(idx.max()) + 1, dtype=np.int64)
    walk_position[idx] = np.arange(len(idx))
    totals = np.zeros(len(idx), dtype=np.int64)
    np.add.at(totals, walk_position[out["loan"]], out["interest"])
    return totals


def _monthly(
    rows: _Rows,
    loans: LoanBatch,
    sel: NDArray[np.intp],
    result: _Loans,
    *,
    method: int,
    day_count: DayCount,
    policy: RoundingPolicy,
) -> list[Int64s]:
    """Fill the rows of the loans at ``sel``; returns loan sets whose rows must be dropped."""
    mode = policy_mode(policy)
    order = np.argsort(-loans.months[sel], kind="stable")
    idx = sel[order]
    p, rate, n, start = loans.principal[idx], loans.rate[idx], loans.months[idx], loans.start[idx]
    level = floor = p
    if method == _ANNUITY:
        level, floor = _levels(p, rate, n, mode, policy)
    early, below, interest, first = _walk(
        rows, idx, p, rate, n, start, method=method, level=level, day_count=day_count, mode=mode
    )
    result.total_interest[idx] = interest
    result.payment[idx] = level if method == _ANNUITY else first
    result.notes[idx[below]] |= NOTE_PAYMENT_BELOW_INTEREST
    if not early.any():
        return []
    # The level would repay the loan early: retry rounded down, as the domain does.
    dropped = [idx[early]]
    retry = early & (floor != level)
    result.status[idx[early & ~retry]] = STATUS_PAYMENT_EXCEEDS_BALANCE
    result.payment[idx[early & ~retry]] = 0
    result.total_interest[idx[early & ~retry]] = 0
    result.notes[idx[early]] = 0
    if retry.any():
        again = _Rows(int(n[retry].sum()))
        idx2 = idx[retry]
        early2, below2, interest2, _ = _walk(
            again,
            idx2,
            p[retry],
            rate[retry],
            n[retry],
            start[retry],
            method=method,
            level=floor[retry],
            day_count=day_count,
            mode=mode,
        )
        ok = idx2[~early2]
        result.payment[ok] = floor[retry][~early2]
        result.total_interest[ok] = interest2[~early2]
        result.notes[ok] = NOTE_LEVEL_ROUNDED_DOWN | np.where(
            below2[~early2], NOTE_PAYMENT_BELOW_INTEREST, 0
        ).astype(np.int8)
        failed = idx2[early2]
        result.status[failed] = STATUS_PAYMENT_EXCEEDS_BALANCE
        result.payment[failed] = 0
        result.total_interest[failed] = 0
        rows.extra.append(_keep(again, ok))
    return dropped


def _keep(rows: _Rows, loans: Int64s) -> dict[str, Int64s]:
    keep = np.isin(rows.columns["loan"], loans)
    return {name: column[keep] for name, column in rows.columns.items()}


def _bullet(
    rows: _Rows,
    loans: LoanBatch,
    idx: NDArray[np.intp],
    result: _Loans,
    *,
    day_count: DayCount,
    policy: RoundingPolicy,
) -> None:
    """One row per loan: principal + simple interest for the whole term, at maturity."""
    p, rate, n, start = loans.principal[idx], loans.rate[idx], loans.months[idx], loans.start[idx]
    month, day0 = MonthTable.split(start)
    table = MonthTable(int(month.min()), int(month.max()) + int(n.max()))
    out = rows.block(len(idx))
    out["due"][:] = table.due(month + n, day0)
    if day_count is DayCount.THIRTY_360:
        d = 12 * RATE_SCALE
        q, r = mul_div(p, rate, n, d)
    else:
        d = day_count.days_in_year * RATE_SCALE
        q, r = mul_div(p, rate, out["due"] - start, d)
    interest = round_fraction(q, r, d, policy_mode(policy))
    out["loan"][:] = idx
    out["n"][:] = 1
    out["interest"][:] = interest
    out["principal"][:] = p
    out["payment"][:] = p + interest
    out["balance"][:] = 0
    result.total_interest[idx] = interest
    result.payment[idx] = p + interest


def _via_domain(
    loans: LoanBatch, idx: NDArray[np.intp], result: _Loans, options: ScheduleOptions
) -> dict[str, Int64s]:
    """Loans whose ``balance × rate`` would overflow int64: the Decimal domain, one by one."""
    found: dict[str, list[int]] = {name: [] for name in _ROW_COLUMNS}
    for i in idx:
        try:
            s = build_schedule(*loans.terms(int(i)), options)
        except DomainError:
            result.status[i] = STATUS_PAYMENT_EXCEEDS_BALANCE
            continue
        for row in s.rows:
            found["loan"].append(int(i))
            found["n"].append(row.n)
            found["due"].append(day_number(row.due_date))
            found["interest"].append(to_fen(row.interest))
            found["principal"].append(to_fen(row.principal))
            found["payment"].append(to_fen(row.payment))
            found["balance"].append(to_fen(row.balance))
        result.total_interest[i] = to_fen(s.total_interest)
        payment = to_fen(s.rows[0].payment)
        if "note.payment_below_interest" in s.notes:
            result.notes[i] |= NOTE_PAYMENT_BELOW_INTEREST
        if s.method is Method.ANNUITY:
            level, floor = _exact_level(
                int(loans.principal[i]), int(loans.rate[i]), int(loans.months[i]), options.rounding
            )
            payment = level
            if "note.level_rounded_down" in s.notes:
                result.notes[i] |= NOTE_LEVEL_ROUNDED_DOWN
                payment = floor
        result.payment[i] = payment
    return {name: np.array(values, dtype=np.int64) for name, values in found.items()}


def schedules(
    loans: LoanBatch,
    *,
    day_count: DayCount = DayCount.THIRTY_360,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
    first_index: int = 0,
) -> ScheduleBatch:
    """Schedules of every loan of the chunk (see the module docstring for what is exact)."""
    count = len(loans)
    p, rate, n, method = loans.principal, loans.rate, loans.months, loans.method
    valid = (p > 0) & (rate >= 0) & (rate < _MAX_RATE) & (n >= 1) & (n <= MAX_MONTHS)
    valid &= np.isin(method, list(METHOD_CODES.values()))
    result = _Loans(
        status=np.where(valid, STATUS_OK, STATUS_INVALID).astype(np.int8),
        notes=np.zeros(count, dtype=np.int8),
        payment=np.zeros(count, dtype=np.int64),
        total_interest=np.zeros(count, dtype=np.int64),
    )
    huge = valid & (rate > 0) & (p > (INT64_MAX // 2) // np.maximum(rate, 1))
    fast = valid & ~huge
    capacity = int(np.where(method[fast] == _BULLET, 1, n[fast]).sum())
    rows = _Rows(capacity)
    dropped: list[Int64s] = []
    walks = 0
    for code in (_ANNUITY, _EQUAL_PRINCIPAL, _INTEREST_ONLY):
        sel = np.flatnonzero(fast & (method == code))
        if sel.size:
            walks += 1
            dropped += _monthly(
                rows, loans, sel, result, method=code, day_count=day_count, policy=rounding
            )
    bullets = np.flatnonzero(fast & (method == _BULLET))
    if bullets.size:
        _bullet(rows, loans, bullets, result, day_count=day_count, policy=rounding)
    columns = rows.columns
    extra = rows.extra
    if np.any(huge):
        options = ScheduleOptions(day_count=day_count, rounding=rounding)
        extra.append(_via_domain(loans, np.flatnonzero(huge), result, options))
    if dropped or extra:
        keep = ~np.isin(columns["loan"], np.concatenate(dropped)) if dropped else slice(None)
        columns = {
            name: np.concatenate([column[keep], *(block[name] for block in extra)])
            for name, column in columns.items()
        }
    ok = result.status == STATUS_OK
    per_loan = np.zeros(count, dtype=np.int64)
    per_loan[ok] = np.where(method[ok] == _BULLET, 1, n[ok])
    principal_paid = np.where(ok, p, 0)
    return ScheduleBatch(
        index=np.arange(first_index, first_index + count, dtype=np.int64),
        status=result.status,
        notes=result.notes,
        payment=result.payment,
        total_interest=result.total_interest,
        total_payment=principal_paid + result.total_interest,
        rows_per_loan=per_loan,
        row_loan=columns["loan"],
        row_n=columns["n"],
        row_due=columns["due"],
        row_interest=columns["interest"],
        row_principal=columns["principal"],
        row_payment=columns["payment"],
        row_balance=columns["balance"],
        period_major=walks == 1 and not bullets.size and not dropped and not extra,
    )


def iter_schedules(
    chunks: Iterable[tuple[int, LoanBatch]],
    *,
    day_count: DayCount = DayCount.THIRTY_360,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Iterator[ScheduleBatch]:
    """``schedules`` of each ``(first index, chunk)`` in turn (e.g. from ``iter_chunks``),
    so a book of any size passes through in bounded memory."""
    for first, chunk in chunks:
        yield schedules(chunk, day_count=day_count, rounding=rounding, first_index=first)
