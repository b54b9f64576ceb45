"""``xieshang case agreement|sign|export`` on an instance's data folder: write the agreement,
sign it after confirming (password from XIESHANG_PASSWORD), and export the evidence bundle —
as a party or as the operator — that ``xieshang evidence verify`` finds intact."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from support.data_world import World, make_world
from support.negotiated_case import PASSWORD, agreed_case, sign_both
from xieshang.bootstrap import Container, build_container
from xieshang.cli.main import run
from xieshang.security.totp import STEP_SECONDS, totp_code
from xieshang.services import agreements, profile
from xieshang.settings import Settings


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Iterator[tuple[Container, World]]:
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XIESHANG_THROWAWAY", "1")
    monkeypatch.setenv("XIESHANG_PASSWORD", PASSWORD)
    for name in ("XIESHANG_DATABASE_URL", "XIESHANG_SECRET_KEYS", "XIESHANG_BLOB_DIR"):
        monkeypatch.delenv(name, raising=False)
    container = build_container(Settings.from_env(), migrate=True)
    yield container, make_world(container)
    container.close()


def email(container: Container, actor) -> str:
    with container.uow() as uow:
        return uow.users.get(actor.user_id).email


def test_a_borrower_writes_signs_and_exports_a_case_from_the_command_line(
    instance, tmp_path, capsys, monkeypatch
):
    container, world = instance
    now = datetime.now(UTC)
    made = agreed_case(container, world, now=now)
    me = email(container, world.borrower)
    deal = agreements.get_agreement(container.uow(), world.borrower, made.case_id)
    pdf = tmp_path / "agreement.pdf"
    case = str(made.case_id)
    assert run(["case", "agreement", case, "--as", me, "--out", str(pdf), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == deal.document_sha256
    assert written["sha256"] == deal.document_sha256
    # An existing file is not overwritten without --force.
    assert run(["case", "agreement", case, "--as", me, "--out", str(pdf), "--lang", "en"]) == 2
    assert "exists" in capsys.readouterr().err
    text_file = tmp_path / "agreement.txt"
    args = ["--format", "text", "--doc-lang", "en", "--out", str(text_file)]
    assert run(["case", "agreement", case, "--as", me, *args]) == 0
    assert text_file.read_text(encoding="utf-8").startswith("Negotiated Repayment Agreement")
    # Saying no signs nothing.
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    capsys.readouterr()
    assert run(["case", "sign", case, "--as", me, "--lang", "en"]) == 1
    shown = capsys.readouterr().out
    assert deal.document_sha256 in shown and deal.consent_text in shown
    assert "Not signed." in shown
    assert run(["case", "sign", case, "--as", me, "--yes", "--json"]) == 0
    signed = json.loads(capsys.readouterr().out)
    assert [s["party"] for s in signed["signatures"]] == ["borrower"]
    assert signed["status"] == "awaiting_signatures"
    deal_now = agreements.get_agreement(container.uow(), world.borrower, made.case_id)
    assert len(deal_now.signatures) == 1
    # The agent (lender staff log in with TOTP) signs too, and the agreement is sealed: the
    # code opened the session, the password is the re-entry.
    enrolment = profile.enrol_totp(container.uow, world.agent_a)
    profile.confirm_totp(
        container.uow,
        world.agent_a,
        totp_code(enrolment.secret, datetime.now(UTC)),
        now=datetime.now(UTC),
    )
    code = totp_code(enrolment.secret, datetime.now(UTC) + timedelta(seconds=STEP_SECONDS))
    agent = email(container, world.agent_a)
    assert run(["case", "sign", case, "--as", agent, "--totp", code, "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "sealed"
    key = tmp_path / "instance.pem"
    key.write_text(container.instance_key.public_key_pem(), encoding="ascii")
    for who, bundle in ((["--as", me], tmp_path / "mine.zip"), ([], tmp_path / "operator.zip")):
        assert run(["case", "export", case, "--out", str(bundle), *who]) == 0
        capsys.readouterr()
        verify = ["evidence", "verify", str(bundle), "--public-key", str(key), "--lang", "en"]
        assert run(verify) == 0
        assert capsys.readouterr().out.startswith("intact")
    changed = bytearray((tmp_path / "operator.zip").read_bytes())
    changed[len(changed) // 2] ^= 0x01
    (tmp_path / "changed.zip").write_bytes(bytes(changed))
    assert run(["evidence", "verify", str(tmp_path / "changed.zip"), "--lang", "en"]) == 1


def test_a_wrong_password_or_an_unknown_case_is_one_line_in_the_user_s_language(
    instance, tmp_path, capsys, monkeypatch, assert_one_line
):
    container, world = instance
    made = agreed_case(container, world, now=datetime.now(UTC))
    sign_both(container, world, made.case_id, now=datetime.now(UTC))
    me = email(container, world.borrower)
    out = str(tmp_path / "x.zip")
    monkeypatch.setenv("XIESHANG_PASSWORD", "not my password")
    assert run(["case", "export", str(made.case_id), "--as", me, "--out", out]) == 2
    assert_one_line(capsys.readouterr().err, "密码", "zh")
    monkeypatch.setenv("XIESHANG_PASSWORD", PASSWORD)
    assert run(["case", "export", "999999", "--as", me, "--out", out, "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "not found", "en")
    assert run(["case", "sign", str(made.case_id), "--as", me, "--yes", "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "not awaiting signatures", "en")
    assert not (tmp_path / "x.zip").exists()
