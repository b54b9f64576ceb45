"""``xieshang db upgrade|status`` and ``serve``: the service's own commands."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from xieshang.api.app import create_app
from xieshang.bootstrap import build_container
from xieshang.cli.main import run
from xieshang.security.crypto import KeyRing


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XIESHANG_DATABASE_URL", raising=False)
    monkeypatch.delenv("XIESHANG_SECRET_KEYS", raising=False)
    return tmp_path


def test_the_service_refuses_a_database_that_is_behind_and_names_the_command(data_dir, capsys):
    assert run(["db", "status", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "xieshang db upgrade" in err
    assert len(err.strip().splitlines()) == 1


def test_db_upgrade_creates_the_database_and_a_private_key_file(data_dir, capsys):
    assert run(["db", "upgrade", "--lang", "en"]) == 0
    assert "current schema" in capsys.readouterr().out
    assert (data_dir / "xieshang.sqlite3").exists()
    assert (data_dir / "secret-keys").stat().st_mode & 0o077 == 0
    assert run(["db", "status"]) == 0
    assert run(["db", "upgrade"]) == 0  # idempotent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_checks_over_http(data_dir):
    assert run(["db", "upgrade"]) == 0
    port = free_port()
    exe = Path(sys.executable).parent / "xieshang"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_demo_loads_once_and_its_borrower_can_log_in_and_read_her_plan(data_dir, capsys):
    assert run(["demo", "--lang", "en"]) == 0
    first = capsys.readouterr().out
    assert "li.ming@demo.xieshang.test" in first
    assert run(["demo", "--lang", "en"]) == 0  # idempotent: same logins, nothing duplicated
    assert capsys.readouterr().out == first
    container = build_container()
    try:
        client = TestClient(create_app(container), base_url="https://testserver")
        login = client.post(
            "/api/auth/login",
            json={
                "email": "li.ming@demo.xieshang.test",
                "password": "xieshang-demo-2026",
                "kind": "api",
            },
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        loans = client.get("/api/loans", headers=headers).json()
        assert loans["total"] == 6
        plan = client.get("/api/plan", headers=headers)
        assert plan.status_code == 200
        assert plan.json()["capacity"]["repayment_capacity"] == "3230.00"
        agent = client.post(
            "/api/auth/login",
            json={"email": "agent@demo.xieshang.test", "password": "xieshang-demo-2026"},
        )
        assert agent.status_code == 401  # lender staff need their one-time code
        assert agent.json()["code"] == "auth.totp_required"
        # Her consumer-finance loan waits in the demo lender's queue, its log signed and whole.
        cases = client.get("/api/cases", headers=headers).json()
        assert [(c["id"], c["state"], c["loan_ids"]) for c in cases["items"]] == [
            (1, "submitted", [2])
        ]
        log = client.get("/api/cases/1/log", headers=headers).json()
        assert log["verification"]["ok"] is True, log["verification"]
    finally:
        container.close()


def test_key_rotation_re_encrypts_personal_data_under_the_new_key(data_dir, monkeypatch, capsys):
    old = KeyRing.generate_spec("k1")
    monkeypatch.setenv("XIESHANG_SECRET_KEYS", old)
    assert run(["demo"]) == 0  # staff TOTP secrets are encrypted under k1
    new = KeyRing.generate_spec("k2")
    monkeypatch.setenv("XIESHANG_SECRET_KEYS", f"{new},{old}")
    capsys.readouterr()
    assert run(["db", "rekey", "--lang", "en"]) == 0
    assert "under the current key k2" in capsys.readouterr().out
    assert run(["db", "rekey", "--lang", "en"]) == 0
    assert "re-encrypted 0 " in capsys.readouterr().out
    monkeypatch.setenv("XIESHANG_SECRET_KEYS", new)  # the old key can now go
    assert run(["demo"]) == 0  # reads every secret back under k2 alone
