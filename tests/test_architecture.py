"""The dependency rule of DESIGN.md §3, checked on the source tree.

`api, web, cli → services → store → domain`; `services → documents → domain`; `batch → domain`;
`data` (shipped sourced data and its loaders) sits just above the domain; `security`
(cryptography, passwords, tokens, masking, upload checks) is used by store, services and the
faces; `i18n` and `present` (shared presentation: numbers, JSON views, requests in words) are
used by the faces only.  Top-level modules (``settings``, ``bootstrap``) are the
composition root and may import any layer.  The domain imports the standard library and nothing
else.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "xieshang"

# What each layer may import from inside the package (besides itself).
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "data": {"domain"},
    "security": {"domain"},
    "batch": {"domain", "data"},
    "store": {"domain", "data", "security"},
    "documents": {"domain", "data", "i18n", "present"},
    "services": {"domain", "data", "store", "documents", "batch", "security"},
    "i18n": set(),
    "present": {"domain", "i18n"},
    # The one app object serves the API and the pages: ``create_app`` installs the web face.
    "api": {
        "services",
        "domain",
        "data",
        "i18n",
        "present",
        "security",
        "bootstrap",
        "settings",
        "web",
    },
    "web": {"services", "domain", "data", "i18n", "present", "security", "bootstrap", "settings"},
    "cli": {
        "services",
        "domain",
        "data",
        "i18n",
        "present",
        "batch",
        "security",
        "bootstrap",
        "settings",
    },
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    package_parts = ["xieshang", *path.relative_to(SRC).parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else None


def all_modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def violations(path: Path) -> list[str]:
    layer = layer_of(path)
    if layer is None:
        return []
    out = []
    for lineno, name in imports_of(path):
        top = name.split(".")[0]
        where = f"{path.relative_to(SRC.parent)}:{lineno} imports {name}"
        if top == "xieshang":
            target = name.split(".")[1] if name.count(".") >= 1 else ""
            if target in ("", "__version__"):
                continue
            if target != layer and target not in ALLOWED.get(layer, set()):
                out.append(f"{where} (layer {layer} may not import {target})")
        elif layer == "domain" and top not in sys.stdlib_module_names and top != "__future__":
            out.append(f"{where} (the domain imports only the standard library)")
        elif layer == "batch" and top not in {*sys.stdlib_module_names, "__future__", "numpy"}:
            out.append(f"{where} (the batch kernels import only the standard library and numpy)")
    return out


def test_every_layer_is_known_to_the_dependency_rule():
    layers = {layer_of(p) for p in all_modules()} - {None}
    assert layers <= set(ALLOWED), f"unknown layers: {layers - set(ALLOWED)}"


def test_no_module_imports_against_the_dependency_rule():
    problems = [v for p in all_modules() for v in violations(p)]
    assert problems == []


def test_the_domain_never_touches_files_or_floats_on_money_paths():
    bad = []
    for path in (SRC / "domain").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", "float(", "Path(", "importlib.resources"):
            if needle in text:
                bad.append(f"{path.name}: {needle}")
    assert bad == []


@pytest.mark.parametrize(
    ("layer", "statement", "ok"),
    [
        ("domain", "import sqlalchemy", False),
        ("domain", "from xieshang.cli import main", False),
        ("domain", "from decimal import Decimal", True),
        ("data", "from xieshang.domain.money import money", True),
        ("data", "from xieshang.services import x", False),
        ("cli", "from xieshang.services import planning", True),
        ("services", "from xieshang.api import app", False),
        ("batch", "import numpy as np", True),
        ("batch", "from xieshang.domain.money import to_fen", True),
        ("batch", "from xieshang.store import repositories", False),
        ("batch", "import sqlalchemy", False),
    ],
)
def test_the_checker_itself_catches_a_wrong_import(tmp_path, monkeypatch, layer, statement, ok):
    fake_src = tmp_path / "xieshang"
    module = fake_src / layer / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(statement + "\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake_src)
    assert (violations(module) == []) is ok
