"""``xieshang case open|list|show|submit|offer|accept|review|reject|withdraw|reopen|note|log|
receipt|checkpoint`` on an instance's data folder, acting as a user (password from
XIESHANG_PASSWORD, a TOTP code for lender staff): an external platform's case recorded by the
borrower, a case with a lender here worked by both sides, refusals (exit 1, one line in the
user's language), bad input (exit 2, naming the field), a log that does not verify (exit 1),
receipts checked with the instance's public key and the daily checkpoint."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support.data_world import World, make_world
from support.loan_inputs import example, loan_input
from support.negotiated_case import PASSWORD, STATEMENT, set_passwords
from xieshang.bootstrap import Container, build_container
from xieshang.cli.main import run
from xieshang.domain.evidence import ChainReport, Receipt, verify_receipt
from xieshang.security.signing import public_verifier
from xieshang.security.totp import new_totp_secret, totp_code
from xieshang.services.loans import create_loan
from xieshang.services.statements import put_statement
from xieshang.settings import Settings

BORROWER = "li.ming@example.com"
AGENT = "agent@lender-a.example"
OTHER = "wang.fang@example.com"
STEP = timedelta(seconds=31)


@dataclass
class Instance:
    """The instance the commands run on.  Each command's container gets a clock 31 seconds
    after the previous command's (TOTP codes are accepted once per 30-second step);
    ``agent_code()`` is the code for the next command's time."""

    container: Container
    world: World
    loan_id: int
    agent_secret: str
    tmp: Path
    now: datetime

    def agent_code(self) -> str:
        return totp_code(self.agent_secret, self.now + STEP)


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Iterator[Instance]:
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XIESHANG_THROWAWAY", "1")
    monkeypatch.setenv("XIESHANG_PASSWORD", PASSWORD)
    for name in ("XIESHANG_DATABASE_URL", "XIESHANG_SECRET_KEYS", "XIESHANG_BLOB_DIR"):
        monkeypatch.delenv(name, raising=False)
    container = build_container(Settings.from_env(), migrate=True)
    world = make_world(container)
    b, now = world.borrower, datetime.now(UTC)
    set_passwords(container, b, world.other_borrower, world.agent_a)
    secret = new_totp_secret()
    with container.uow() as uow:
        agent = uow.users.get(world.agent_a.user_id)
        agent.totp_secret, agent.totp_enabled = secret, True
        uow.commit()
    put_statement(container.uow(), b, b.user_id, STATEMENT, now=now)
    loan = create_loan(
        container.uow(),
        b,
        b.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=world.org_a),
        now=now,
    )
    made = Instance(container, world, loan.id, secret, tmp_path, now)
    real_build = build_container

    def build_with_clock(settings: Settings | None = None, **options: Any) -> Container:
        made.now += STEP
        moment = made.now
        return real_build(settings, **{**options, "clock": lambda: moment})

    monkeypatch.setattr("xieshang.bootstrap.build_container", build_with_clock)
    yield made
    container.close()


def terms_file(tmp: Path, months: int, name: str = "terms.toml", waiver: bool = True) -> Path:
    """A terms file without ``start`` or ``loan_id``: the command fills both in."""
    extra = '\n[[loans.concessions]]\nkind = "waiver"\ntarget = "penalty"\n' if waiver else ""
    path = tmp / name
    path.write_text(
        "grace_days = 3\n[[loans]]\n[[loans.concessions]]\n"
        f'kind = "extension"\nextra_months = {months}\ninclude_overdue_principal = true\n' + extra,
        encoding="utf-8",
    )
    return path


def ok_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    code = run([*args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_a_borrower_records_a_case_with_an_external_platform_from_the_command_line(
    instance, capsys
):
    tmp = instance.tmp
    me = ["--as", BORROWER]
    opened = ok_json(
        capsys, "case", "open", *me, "--loan", str(instance.loan_id), "--platform", "某网贷平台"
    )
    assert opened["state"] == "draft" and opened["external"] is True
    case = str(opened["id"])
    submitted = ok_json(capsys, "case", "submit", case, *me, "--terms", str(terms_file(tmp, 12)))
    assert submitted["offer"]["number"] == 1 and submitted["case"]["state"] == "submitted"
    assert submitted["offer"]["terms"]["loans"][0]["loan_id"] == str(instance.loan_id)
    assert submitted["evaluation"]["borrower"]["verdict"].startswith("evaluation.")
    assert submitted["evaluation"]["lender"] is not None  # a typical lender's reading
    note = ok_json(
        capsys,
        "case",
        "note",
        case,
        *me,
        "--person",
        "客服张",
        "--channel",
        "phone",
        "--text",
        "客服说最多展期6个月",
        "--result",
        "对方发来方案",
        "--at",
        "2026-01-20 10:30",
    )
    assert note["kind"] == "call_note" and note["body"]["happened_at"].startswith(
        "2026-01-20T02:30"
    )
    capsys.readouterr()
    counter = terms_file(tmp, 6, "counter.toml", waiver=False)
    assert run(["case", "offer", case, *me, "--terms", str(counter), "--for-platform"]) == 0
    shown = capsys.readouterr().out
    assert "#2" in shown and "出借方" in shown and "对借款人" in shown
    assert run(["case", "accept", case, *me, "--lang", "en"]) == 0
    assert "agreed" in capsys.readouterr().out
    full = ok_json(capsys, "case", "show", case, *me)
    assert full["case"]["state"] == "agreed"
    assert [(o["number"], o["status"]) for o in full["offers"]] == [
        (1, "superseded"),
        (2, "accepted"),
    ]
    assert run(["case", "log", case, "--verify", *me, "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "intact" in printed and "counter_offer" in printed and "客服说最多展期6个月" in printed

    out = tmp / "receipt.json"
    assert run(["case", "receipt", case, *me, "--out", str(out)]) == 0
    assert "receipt.json" in capsys.readouterr().out
    receipt = json.loads(out.read_text(encoding="utf-8"))
    assert receipt["public_key_pem"] == instance.container.instance_key.public_key_pem()
    assert receipt["key_fingerprint"] == instance.container.instance_key.fingerprint
    assert receipt["seq"] == full["case"]["events"] and receipt["head"] == full["case"]["head"]
    signature = base64.b64decode(receipt["signature"])
    claim = Receipt(
        receipt["case_id"], receipt["seq"], receipt["head"], datetime.fromisoformat(receipt["at"])
    )
    assert verify_receipt(claim, signature, public_verifier(receipt["public_key_pem"]))
    # The file exists: not overwritten without --force.
    assert run(["case", "receipt", case, *me, "--out", str(out)]) == 2
    capsys.readouterr()

    # The daily checkpoint signs the head once; a second run has nothing new to sign.
    assert ok_json(capsys, "case", "checkpoint") == {"checkpoints": 1}
    assert ok_json(capsys, "case", "checkpoint") == {"checkpoints": 0}
    log = ok_json(capsys, "case", "log", case, *me)
    assert [r["type"] for r in log["receipts"]] == ["receipt", "checkpoint"]
    assert log["verification"]["ok"] is True


def test_a_lender_here_works_the_case_with_a_totp_code_and_the_borrower_accepts(instance, capsys):
    tmp = instance.tmp
    me = ["--as", BORROWER]
    opened = ok_json(
        capsys,
        "case",
        "open",
        *me,
        "--loan",
        str(instance.loan_id),
        "--lender-org",
        str(instance.world.org_a),
    )
    case = str(opened["id"])
    # The agent does not see a draft.
    assert run(["case", "show", case, "--as", AGENT, "--totp", instance.agent_code()]) == 1
    capsys.readouterr()
    ok_json(capsys, "case", "submit", case, *me, "--terms", str(terms_file(tmp, 12)))
    # Lender staff must give a code.
    assert run(["case", "list", "--as", AGENT, "--lang", "en"]) == 1
    assert "code" in capsys.readouterr().err.lower()
    listed = ok_json(capsys, "case", "list", "--as", AGENT, "--totp", instance.agent_code())
    assert [c["id"] for c in listed["items"]] == [opened["id"]] and listed["total"] == 1
    reviewed = ok_json(
        capsys, "case", "review", case, "--as", AGENT, "--totp", instance.agent_code()
    )
    assert reviewed["state"] == "under_review"
    countered = ok_json(
        capsys,
        "case",
        "offer",
        case,
        "--as",
        AGENT,
        "--totp",
        instance.agent_code(),
        "--terms",
        str(terms_file(tmp, 6, "counter.toml", waiver=False)),
    )
    assert countered["offer"]["made_by"] == "lender" and countered["evaluation"]["lender"]
    assert countered["evaluation"]["borrower"] is None
    accepted = ok_json(capsys, "case", "accept", case, *me)
    assert accepted["state"] == "agreed"


def test_refused_moves_exit_1_with_one_line_in_the_users_language(
    instance, capsys, assert_one_line
):
    me = ["--as", BORROWER]
    case = str(
        ok_json(
            capsys, "case", "open", *me, "--loan", str(instance.loan_id), "--platform", "某平台"
        )["id"]
    )
    ok_json(capsys, "case", "submit", case, *me, "--terms", str(terms_file(instance.tmp, 12)))
    for lang in ("zh", "en"):
        assert run(["case", "accept", case, *me, "--lang", lang]) == 1
        assert_one_line(capsys.readouterr().err, "accept", lang)
    assert run(["case", "reopen", case, *me, "--lang", "en"]) == 1
    assert_one_line(capsys.readouterr().err, "reopen", "en")
    # Another borrower does not see the case; a wrong password is refused.
    assert run(["case", "show", case, "--as", OTHER, "--lang", "en"]) == 1
    assert_one_line(capsys.readouterr().err, "not found", "en")
    assert run(["case", "show", case, "--as", "nobody@example.com"]) == 1
    capsys.readouterr()
    # The same loan cannot go into a second open case.
    again = ["case", "open", *me, "--loan", str(instance.loan_id), "--platform", "乙"]
    assert run(again) == 1
    capsys.readouterr()
    withdrawn = ok_json(capsys, "case", "withdraw", case, *me, "--reason", "已还清")
    assert withdrawn["state"] == "withdrawn"


def test_bad_input_exits_2_naming_the_field(instance, capsys, assert_one_line, tmp_path):
    me = ["--as", BORROWER]
    case = str(
        ok_json(
            capsys, "case", "open", *me, "--loan", str(instance.loan_id), "--platform", "某平台"
        )["id"]
    )
    missing = tmp_path / "nowhere.toml"
    assert run(["case", "submit", case, *me, "--terms", str(missing), "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "nowhere.toml", "en")
    wrong_type = tmp_path / "terms.txt"
    wrong_type.write_text("x", encoding="utf-8")
    assert run(["case", "submit", case, *me, "--terms", str(wrong_type)]) == 2
    assert_one_line(capsys.readouterr().err, "terms.txt", "zh")
    magic = tmp_path / "magic.json"
    magic.write_text(json.dumps({"loans": [{"concessions": [{"kind": "magic"}]}]}))
    assert run(["case", "submit", case, *me, "--terms", str(magic), "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "magic", "en")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert run(["case", "submit", case, *me, "--terms", str(broken), "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "JSON", "en")
    bad_start = ["--terms", str(terms_file(tmp_path, 12)), "--start", "2026-13-01"]
    assert run(["case", "submit", case, *me, *bad_start, "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "2026-13-01", "en")
    note = ["case", "note", case, *me, "--text", "hi", "--person", "x"]
    assert run([*note, "--channel", "pigeon", "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "pigeon", "en")
    assert run([*note, "--channel", "phone", "--at", "yesterday", "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "yesterday", "en")
    assert run(["case", "show", "0", *me, "--lang", "en"]) == 2
    capsys.readouterr()
    # Nothing was recorded by the refused commands: the case is still a draft of one entry.
    shown = ok_json(capsys, "case", "show", case, *me)
    assert shown["case"]["state"] == "draft" and shown["case"]["events"] == 1


def test_a_log_that_does_not_verify_exits_1_and_names_the_entry(instance, capsys, monkeypatch):
    me = ["--as", BORROWER]
    case = str(
        ok_json(
            capsys, "case", "open", *me, "--loan", str(instance.loan_id), "--platform", "某平台"
        )["id"]
    )
    assert run(["case", "log", case, "--verify", *me]) == 0
    capsys.readouterr()
    # The database refuses edits of the log (triggers), so the check is made to see one.
    broken = ChainReport(False, 1, "evidence.hash_mismatch", 1, "0" * 64)
    monkeypatch.setattr("xieshang.services.case_receipts.verify_chain", lambda entries: broken)
    assert run(["case", "log", case, "--verify", *me, "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "fails verification at entry 1" in out
