"""The log filter masks ID, mobile and card numbers in messages, arguments and tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.security.logfilter import (
    SensitiveDataFilter,
    install_log_masking,
    install_server_log_masking,
    mask_sensitive_text,
)

ID = "110101199003071234"
PHONE = "13812345678"
CARD = "6222021234567890123"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("xieshang.test.masking")
    log.setLevel(logging.DEBUG)
    yield log
    for f in list(log.filters):
        log.removeFilter(f)
    for h in list(log.handlers):
        log.removeHandler(h)


def test_a_log_record_is_masked_before_caplog_sees_it(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("borrower id=%s phone=%s card=%s", ID, PHONE, CARD)
        logger.warning(f"inline {ID} and {PHONE}")
    text = caplog.text
    for secret in (ID, PHONE, CARD):
        assert secret not in text
    assert caplog.messages == [
        "borrower id=110***********1234 phone=138****5678 card=***************0123",
        "inline 110***********1234 and 138****5678",
    ]
    assert caplog.records[0].args == ()


def test_numbers_inside_non_string_arguments_are_masked(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("payload %r", {"phone": int(PHONE), "id": ID})
        logger.info("count %d of %s", 3, PHONE)
    assert caplog.messages == [
        "payload {'phone': 138****5678, 'id': '110***********1234'}",
        "count 3 of 138****5678",
    ]


def test_a_traceback_with_a_number_in_it_is_masked(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking(logger)
    with caplog.at_level(logging.ERROR, logger=logger.name):
        try:
            raise ValueError(f"bad id {ID}")
        except ValueError:
            logger.exception("lookup failed for %s", PHONE)
    assert ID not in caplog.text
    assert PHONE not in caplog.text
    assert "ValueError: bad id 110***********1234" in caplog.text


def test_a_broken_format_string_neither_raises_nor_leaks(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("two %s %s but one arg", PHONE)  # noqa: PLE1206 (deliberately broken)
    assert len(caplog.records) == 1
    assert PHONE not in caplog.text


def test_records_of_child_loggers_are_masked_at_the_parents_handlers(
    logger: logging.Logger,
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_log_masking(logger)
    child = logging.getLogger(logger.name + ".child")
    child.warning("child saw %s", ID)
    assert stream.getvalue() == "child saw 110***********1234\n"


def test_installing_twice_adds_one_filter(logger: logging.Logger) -> None:
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    first = install_log_masking(logger)
    second = install_log_masking(logger)
    assert first is second
    assert [type(f) for f in logger.filters] == [SensitiveDataFilter]
    assert [type(f) for f in handler.filters] == [SensitiveDataFilter]


def test_the_root_logger_is_the_default_target() -> None:
    root = logging.getLogger()
    masking = install_log_masking()
    try:
        assert masking in root.filters
        assert all(masking in h.filters for h in root.handlers)
    finally:
        root.removeFilter(masking)
        for h in root.handlers:
            h.removeFilter(masking)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"id {ID}", "id 110***********1234"),
        ("id 11010119900307123X.", "id 110***********123X."),
        ("id 11010119900307123x", "id 110***********123x"),
        ("old card 110101900307123", "old card 110********7123"),
        ("id 110101 19900307 1234", "id 110***********1234"),
        (f"手机{PHONE}，", "手机138****5678，"),
        ("tel 138 1234 5678", "tel 138****5678"),
        ("tel 138-1234-5678", "tel 138****5678"),
        ("tel +8613812345678", "tel +86138****5678"),
        ("tel +86 138 1234 5678", "tel +86 138****5678"),
        (f"user{PHONE}x", "user138****5678x"),
        ("１３８１２３４５６７８", "138****5678"),
        ("card 6222 0212 3456 7890", "card ************7890"),
        ("card 6222-0212-3456-7890-123", "card ***************0123"),
        ("card 4111111111111", "card *********1111"),
        # left alone: amounts, dates, times, ids of rows, short or over-long runs
        ("paid 12000.50 on 2024-03-07 10:15:00", "paid 12000.50 on 2024-03-07 10:15:00"),
        ("loan 1234567890 row 42", "loan 1234567890 row 42"),
        ("not a mobile 12812345678", "not a mobile 12812345678"),
        ("twenty digits 12345678901234567890", "twenty digits 12345678901234567890"),
        ("2024-03-07", "2024-03-07"),
    ],
)
def test_sensitive_numbers_are_masked_and_other_numbers_left_alone(text: str, masked: str) -> None:
    assert mask_sensitive_text(text) == masked


WORDS = st.text(alphabet=st.sampled_from("abc xyz,.:=协商还款（）"), max_size=12)
SENSITIVE = st.one_of(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{12,18}", fullmatch=True),
)


@given(WORDS, SENSITIVE, WORDS)
def test_a_sensitive_number_anywhere_in_a_message_never_survives(
    before: str, number: str, after: str
) -> None:
    masked = mask_sensitive_text(before + number + after)
    assert number not in masked
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert len(masked) <= len(before + number + after)


def test_the_servers_own_loggers_are_masked_once_it_has_set_them_up(caplog):
    access = logging.getLogger("probe_server.access")
    filters = install_server_log_masking(prefix="probe_server")
    assert len(filters) == 2
    with caplog.at_level(logging.INFO, logger="probe_server.access"):
        access.info("GET /api/me?phone=13812345678")
    assert "13812345678" not in caplog.text
