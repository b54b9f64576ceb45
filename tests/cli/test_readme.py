"""The README's CLI tour is run as written, in order, on a fresh data folder: every
``xieshang`` line of its bash blocks must succeed."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
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


def tour_exports() -> dict[str, str]:
    """The ``export NAME=VALUE`` lines of the bash blocks: the tour's environment."""
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    exports: dict[str, str] = {}
    for block in blocks:
        for line in block.splitlines():
            if not line.startswith("export "):
                continue
            words = shlex.split(line, comments=True)
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, _, value = words[1].partition("=")
                exports[name] = value
    return exports


TOUR = tour_commands()


@dataclass
class Tour:
    """A fresh folder the tour runs in (``examples`` linked in, a data folder of its own) and
    how many of its commands have run there."""

    home: Path
    done: int = 0


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    home = tmp_path_factory.mktemp("tour")
    (home / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    return Tour(home)


@pytest.mark.parametrize("index", range(len(TOUR)), ids=TOUR)
def test_every_command_of_the_readme_tour_runs(index, tour, capsys, monkeypatch):
    """Each command in order, as written, on a fresh data folder: a command that needs an
    earlier one (the demo data, an opened case) finds it, the earlier ones being run first
    when this test runs alone."""
    for name in [n for n in os.environ if n.startswith("XIESHANG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(tour.home / "data"))
    for name, value in tour_exports().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tour.home)
    while tour.done < index:
        earlier = TOUR[tour.done]
        assert run(shlex.split(earlier)[1:]) == 0, (earlier, capsys.readouterr().err)
        tour.done += 1
    capsys.readouterr()
    assert run(shlex.split(TOUR[index])[1:]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip()
    tour.done = max(tour.done, index + 1)


def test_the_quick_start_names_the_command_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
    assert "bash scripts/test" in README
    assert "bash scripts/start" in README
    assert os.access(ROOT / "scripts" / "start", os.R_OK)
