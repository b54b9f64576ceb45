"""The README's CLI tour is run as written: every ``xieshang`` line must succeed."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("xieshang ")
    ]


def test_the_readme_has_a_cli_tour():
    assert len(tour_commands()) >= 6


@pytest.mark.parametrize("command", tour_commands())
def test_every_command_of_the_readme_tour_runs(command, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)[1:]
    assert run(argv) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip()


def test_the_quick_start_names_the_command_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
    assert "bash scripts/test" in README
    assert "bash scripts/start" in README
    assert os.access(ROOT / "scripts" / "start", os.R_OK)
