"""``xieshang lender settings``: staff read their organisation's settings (defaults until set), a
supervisor replaces them from a TOML file, an agent's attempt is refused (exit 1), a bad value is
bad input (exit 2, the field named)."""

from __future__ import annotations

from cli.test_case_cli import AGENT, STEP, instance, ok_json  # noqa: F401  (fixtures)
from support.data_world import add_user
from support.negotiated_case import set_passwords
from xieshang.cli.main import run
from xieshang.security.totp import new_totp_secret, totp_code

BOSS = "boss@lender-a.example"


def test_staff_read_and_a_supervisor_replaces_the_settings(instance, capsys, tmp_path):  # noqa: F811
    got = ok_json(capsys, "lender", "settings", "--as", AGENT, "--totp", instance.agent_code())
    assert got["defaults"] is True and got["settings"]["limits"]["max_extension_months"] == 36
    boss = add_user(instance.container, BOSS, "supervisor", instance.world.org_a)
    set_passwords(instance.container, boss)
    secret = new_totp_secret()
    with instance.container.uow() as uow:
        row = uow.users.get(boss.user_id)
        row.totp_secret, row.totp_enabled = secret, True
        uow.commit()
    limits = tmp_path / "limits.toml"
    limits.write_text('[limits]\nmax_extension_months = 12\nmax_waiver_fraction = "0.2"\n')
    capsys.readouterr()
    code = run(
        [
            "lender",
            "settings",
            "--as",
            AGENT,
            "--totp",
            instance.agent_code(),
            "--set",
            str(limits),
            "--lang",
            "en",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "supervisor" in err and len(err.strip().splitlines()) == 1
    done = ok_json(
        capsys,
        "lender",
        "settings",
        "--as",
        BOSS,
        "--totp",
        totp_code(secret, instance.now + STEP),
        "--set",
        str(limits),
    )
    assert done["settings"]["limits"]["max_extension_months"] == 12
    assert done["settings"]["limits"]["max_waiver_fraction"] == "0.2"
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\nmax_waiver_fraction = 1.5\n")
    capsys.readouterr()
    code = run(
        [
            "lender",
            "settings",
            "--as",
            BOSS,
            "--totp",
            totp_code(secret, instance.now + STEP),
            "--set",
            str(bad),
            "--lang",
            "en",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "max_waiver_fraction" in err
