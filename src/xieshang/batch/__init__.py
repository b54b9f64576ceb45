"""Vectorised kernels over many loans at once, in integer fen, proven equal to the domain.

``schedules`` builds the repayment schedules of a chunk of loans (``LoanBatch``) and
``apr_of_flows`` / ``apr_of_schedules`` the true APR of many regular monthly flow vectors;
both take one chunk at a time, so a book of any size streams through in bounded memory.
"""

from .apr import AprBatch, apr_of_flows, apr_of_schedules
from .loans import METHOD_CODES, RATE_SCALE, LoanBatch, day_number, iter_chunks, rate_units
from .schedule_kernel import (
    NOTE_LEVEL_ROUNDED_DOWN,
    NOTE_PAYMENT_BELOW_INTEREST,
    STATUS_INVALID,
    STATUS_OK,
    STATUS_PAYMENT_EXCEEDS_BALANCE,
    ScheduleBatch,
    iter_schedules,
    schedules,
)

__all__ = [
    "METHOD_CODES",
    "NOTE_LEVEL_ROUNDED_DOWN",
    "NOTE_PAYMENT_BELOW_INTEREST",
    "RATE_SCALE",
    "STATUS_INVALID",
    "STATUS_OK",
    "STATUS_PAYMENT_EXCEEDS_BALANCE",
    "AprBatch",
    "LoanBatch",
    "ScheduleBatch",
    "apr_of_flows",
    "apr_of_schedules",
    "day_number",
    "iter_chunks",
    "iter_schedules",
    "rate_units",
    "schedules",
]
