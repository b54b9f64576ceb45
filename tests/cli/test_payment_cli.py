"""``xieshang case pay`` and ``xieshang case ledger`` on an instance's data folder: a payment
recorded once (the same reference again is said to be there already), the ledger in both
languages, and bad input refused in one line before any password is asked for."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from support.data_world import World, make_world
from support.sealed_case import SEAL_PASSWORD, SealedCase, invariants_hold, sealed_case
from xieshang.bootstrap import Container, build_container
from xieshang.cli.main import run
from xieshang.services.loans import local_today
from xieshang.settings import Settings


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Iterator[tuple[Container, World, SealedCase]]:
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XIESHANG_THROWAWAY", "1")
    monkeypatch.setenv("XIESHANG_PASSWORD", SEAL_PASSWORD)
    for name in ("XIESHANG_DATABASE_URL", "XIESHANG_SECRET_KEYS", "XIESHANG_BLOB_DIR"):
        monkeypatch.delenv(name, raising=False)
    container = build_container(Settings.from_env(), migrate=True)
    world = make_world(container)
    sealed = sealed_case(container, world.borrower, now=datetime.now(UTC))
    yield container, world, sealed
    container.close()


def email(container: Container, actor) -> str:
    with container.uow() as uow:
        return uow.users.get(actor.user_id).email


def test_a_payment_is_recorded_once_and_shows_in_the_ledger(instance, capsys, cli_json):
    container, world, sealed = instance
    me = email(container, world.borrower)
    amount = str(sealed.dues[0][1])
    case = str(sealed.case_id)
    args = ["case", "pay", case, "--amount", amount, "--ref", "TX-1", "--channel", "alipay"]
    made = cli_json(*args, "--as", me)
    assert made["created"] is True and made["case_state"] == "active"
    assert (
        made["amount"] == amount and made["paid_on"] == local_today(datetime.now(UTC)).isoformat()
    )
    assert run([*args, "--as", me, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "already recorded" in out and "in repayment" in out
    invariants_hold(container, sealed.case_id)
    ledger = cli_json("case", "ledger", case, "--as", me)
    assert ledger["payments"] == 1 and ledger["installments"][0]["status"] == "paid"
    assert ledger["total_paid"] == amount
    assert run(["case", "ledger", case, "--as", me]) == 0
    text = capsys.readouterr().out
    assert "还款台账" in text and "已还清" in text and "还款中" in text


def test_a_reused_reference_and_a_stranger_are_refused_in_one_line(
    instance, capsys, assert_one_line
):
    container, world, sealed = instance
    me = email(container, world.borrower)
    case = str(sealed.case_id)
    assert run(["case", "pay", case, "--amount", "10.00", "--ref", "R", "--as", me]) == 0
    capsys.readouterr()
    again = ["case", "pay", case, "--amount", "11.00", "--ref", "R", "--as", me, "--lang", "en"]
    assert run(again) == 2
    assert_one_line(capsys.readouterr().err, "reference R", "en")
    stranger = email(container, world.other_borrower)
    with container.uow() as uow:
        uow.users.get(world.other_borrower.user_id).password_hash = uow.users.get(
            world.borrower.user_id
        ).password_hash
        uow.commit()
    assert run(["case", "ledger", case, "--as", stranger]) == 2
    assert_one_line(capsys.readouterr().err, "找不到", "zh")


@pytest.mark.parametrize(
    ("option", "value", "word"),
    [
        ("--amount", "12.345", "fen"),
        ("--amount", "-1", "amount"),
        ("--channel", "bitcoin", "bitcoin"),
        ("--date", "2026-13-01", "2026-13-01"),
    ],
)
def test_bad_input_is_refused_before_the_password_is_asked_for(
    instance, capsys, monkeypatch, assert_one_line, option, value, word
):
    container, world, sealed = instance
    monkeypatch.delenv("XIESHANG_PASSWORD")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a prompt would abort (exit 1)
    args = {"--amount": "10.00", "--channel": "cash", "--date": "2026-12-01", option: value}
    flat = [x for pair in args.items() for x in pair]
    me = email(container, world.borrower)
    code = run(
        ["case", "pay", str(sealed.case_id), "--ref", "R", *flat, "--as", me, "--lang", "en"]
    )
    assert code == 2
    assert_one_line(capsys.readouterr().err, word, "en")
    with container.uow() as uow:
        agreement = uow.agreements.current(sealed.case_id)
        assert uow.payments.list_for_agreement(agreement.id) == ()


def test_the_ledger_json_has_no_binary_numbers(instance, cli_json):
    container, world, sealed = instance
    data = cli_json("case", "ledger", str(sealed.case_id), "--as", email(container, world.borrower))
    assert json.dumps(data)
    assert data["case_state"] == "signed" and data["status"] == "active"
    assert data["payments"] == 0 and data["outstanding"] == data["total_due"]
