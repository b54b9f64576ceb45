"""The zh/en message catalog is complete: every entry speaks both languages with the same
placeholders, and every code the source can raise or report has an entry.

Codes are found with ``ast`` (never by running code): dotted lowercase literals such as
``"term.not_positive"`` anywhere in ``src/xieshang`` — the first argument of ``DomainError``,
finding codes appended to lists, note tuples, module constants — except where the literal is
a *field name* (``field="fees.amount"``, a parameter called ``field``) or a file name.  An
f-string code must have its expansions listed in ``FSTRING_CODES`` below.  Finding codes that
live in data (``legal_rules.toml``) are checked too.
"""

from __future__ import annotations

import ast
import re
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "xieshang"
CATALOG = SRC / "i18n" / "messages.toml"
LEGAL_RULES = SRC / "data" / "legal_rules.toml"

CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FILE_NAME = re.compile(r"\.(csv|toml|json|jsonl|py|md|txt|po|mo|html|pdf|pem|sig|zip|sqlite|db)$")
SECTIONS = ("messages", "fields", "ui")
LANGS = ("zh", "en")

# f-string codes, by their text with the placeholders left in, and every value they take.
FSTRING_CODES: dict[str, tuple[str, ...]] = {
    "schedule.negative_{name}": tuple(
        f"schedule.negative_{name}"
        for name in ("payment", "principal", "interest", "fee", "balance", "capitalised")
    ),
}


def catalog() -> dict[str, Any]:
    return tomllib.loads(CATALOG.read_text(encoding="utf-8"))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# ---------------------------------------------------------------------------------------------
# (a) every entry in both languages, with the same placeholders


def catalog_entries() -> Iterator[tuple[str, str, Any]]:
    data = catalog()
    for section in SECTIONS:
        for key, entry in data.get(section, {}).items():
            yield section, key, entry


def test_the_catalog_has_the_three_sections_and_nothing_else() -> None:
    assert set(catalog()) == set(SECTIONS)


def test_every_catalog_entry_has_non_empty_chinese_and_english() -> None:
    bad = [
        f"[{section}] {key}: {entry!r}"
        for section, key, entry in catalog_entries()
        if not isinstance(entry, dict)
        or set(entry) != set(LANGS)
        or any(not isinstance(entry[lang], str) or not entry[lang].strip() for lang in LANGS)
    ]
    assert not bad, "entries without exactly a non-empty zh and en:\n" + "\n".join(bad)


def test_chinese_and_english_use_the_same_placeholders() -> None:
    bad = []
    for section, key, entry in catalog_entries():
        if isinstance(entry, dict) and set(LANGS) <= set(entry):
            zh, en = placeholders(entry["zh"]), placeholders(entry["en"])
            if zh != en:
                bad.append(f"[{section}] {key}: zh {sorted(zh)} ≠ en {sorted(en)}")
    assert not bad, "placeholder mismatch:\n" + "\n".join(bad)


def test_placeholders_are_plain_names() -> None:
    """``{field}`` and ``{value}``, never ``{0}`` or ``{x.y}``: the faces fill them by name."""
    bad = [
        f"[{section}] {key}: {name!r}"
        for section, key, entry in catalog_entries()
        if isinstance(entry, dict)
        for lang in LANGS
        for name in placeholders(str(entry.get(lang, "")))
        if not name.isidentifier()
    ]
    assert not bad, "placeholders that are not plain names:\n" + "\n".join(bad)


def test_a_placeholder_detector_that_works() -> None:
    assert placeholders("{field}不能为负数（收到 {value}）") == {"field", "value"}
    assert placeholders("no placeholders, 100 %") == set()


# ---------------------------------------------------------------------------------------------
# (b) every code in the source and in the legal rules has a [messages] entry


def _field_parameters(tree: ast.Module) -> dict[str, int]:
    """Functions of this module that take a field name positionally: name → its index."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            if "field" in names:
                found[node.name] = names.index("field")
    return found


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_field_name(
    literal: ast.Constant, parents: dict[ast.AST, ast.AST], fields: dict[str, int]
) -> bool:
    parent = parents.get(literal)
    if isinstance(parent, ast.keyword):
        return parent.arg is not None and parent.arg.endswith("field")
    if isinstance(parent, ast.Call) and literal in parent.args:
        index = fields.get(_callee(parent))
        return index is not None and parent.args.index(literal) == index
    if isinstance(parent, ast.Compare):  # `if field == "household.adults"`
        operands = [parent.left, *parent.comparators]
        return any(isinstance(o, ast.Name) and o.id.endswith("field") for o in operands)
    return False


def _fstring_code(node: ast.JoinedStr) -> str | None:
    text = "".join(
        part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
        for part in node.values
        if isinstance(part, ast.Constant | ast.FormattedValue)
    )
    head = text.split("{", 1)[0]
    return text if re.match(r"^[a-z][a-z0-9_]*\.[a-z0-9_]*$", head) and " " not in text else None


# Dotted strings that name database things, not messages: table.column references, the
# per-column contexts of encrypted values, Alembic's option names.
ASGI_EVENT_TYPES = frozenset(
    {"http.request", "http.disconnect", "http.response.start", "http.response.body"}
)
NOT_CODES_CALLEES = frozenset(
    {"ForeignKey", "ForeignKeyConstraint", "EncryptedText", "get_main_option", "set_main_option"}
)


def _names_a_database_thing(literal: ast.Constant, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(literal)
    if isinstance(parent, ast.List | ast.Tuple):  # ForeignKeyConstraint(["a"], ["t.id"])
        parent = parents.get(parent)
    return isinstance(parent, ast.Call) and _callee(parent) in NOT_CODES_CALLEES


def source_codes() -> dict[str, list[str]]:
    """Each code found in the source → where (``path:line``).  Migrations are skipped: they
    are frozen copies of the schema and raise no messages."""
    codes: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.relative_to(SRC).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        fields = _field_parameters(tree)
        where = path.relative_to(SRC.parent).as_posix()
        in_fstring = {
            part
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            found: tuple[str, ...] = ()
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if (
                    node not in in_fstring
                    and CODE.match(text)
                    and not FILE_NAME.search(text)
                    and not text.startswith("xieshang.")
                    and not _is_field_name(node, parents, fields)
                    and not _names_a_database_thing(node, parents)
                    and text not in ASGI_EVENT_TYPES
                ):
                    found = (text,)
            elif isinstance(node, ast.JoinedStr):
                parent = parents.get(node)
                template = _fstring_code(node)
                is_field = isinstance(parent, ast.keyword) and (parent.arg or "").endswith("field")
                if template is not None and not is_field:
                    found = FSTRING_CODES.get(template, (f"<f-string {template}>",))
            for code in found:
                codes.setdefault(code, []).append(f"{where}:{node.lineno}")
    return codes


def _rule_codes(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if (key == "code" or key.endswith("_code")) and isinstance(item, str):
                yield item, f"{path}.{key}".lstrip(".")
            else:
                yield from _rule_codes(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _rule_codes(item, f"{path}[{i}]")


def legal_rule_codes() -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    data = tomllib.loads(LEGAL_RULES.read_text(encoding="utf-8"))
    for code, where in _rule_codes(data):
        codes.setdefault(code, []).append(f"legal_rules.toml {where}")
    return codes


def _missing_report(codes: dict[str, list[str]]) -> list[str]:
    known = catalog()["messages"]
    return [
        f"{code}  ({', '.join(places[:3])}{' …' if len(places) > 3 else ''})"
        for code, places in sorted(codes.items())
        if code not in known
    ]


def test_the_scanner_finds_codes_in_every_position_it_should() -> None:
    codes = source_codes()
    for code in (
        "term.not_positive",  # DomainError's first argument
        "apr.negative_rate",  # a module constant
        "income.none",  # findings.append(...)
        "note.interest_capitalised",  # a schedule note
        "schedule.negative_balance",  # an f-string, expanded
        "schedule.empty",  # a ScheduleProblem code
    ):
        assert code in codes, code
    # Field names and file names are not codes.
    assert "household.adults" not in codes
    assert "fees.amount" not in codes
    assert "lpr.csv" not in codes


def test_an_unlisted_fstring_code_is_reported_so_someone_lists_its_expansions() -> None:
    tree = ast.parse('raise DomainError(f"thing.bad_{kind}", field="x")')
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr))
    assert _fstring_code(node) == "thing.bad_{kind}"
    assert "thing.bad_{kind}" not in FSTRING_CODES


def test_every_code_in_the_source_has_a_catalog_message() -> None:
    missing = _missing_report(source_codes())
    assert not missing, (
        f"{len(missing)} code(s) used in src/xieshang have no [messages] entry in "
        "src/xieshang/i18n/messages.toml (add zh and en; for an f-string code list its "
        "expansions in FSTRING_CODES):\n  " + "\n  ".join(missing)
    )


def test_every_finding_code_in_the_legal_rules_has_a_catalog_message() -> None:
    codes = legal_rule_codes()
    assert "law.above_cap" in codes
    missing = _missing_report(codes)
    assert not missing, "legal_rules.toml codes without a [messages] entry:\n  " + "\n  ".join(
        missing
    )


def _i18n_names(tree: ast.Module, function: str) -> set[str]:
    """Local names bound to ``xieshang.i18n.<function>`` by a ``from ... import``."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "i18n"
        for alias in node.names
        if alias.name == function
    }


def _literal_first_args(function: str) -> dict[str, list[str]]:
    """First arguments given as literals to the catalog's ``message``/``text`` helpers."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _i18n_names(tree, function)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                where = f"{path.relative_to(SRC.parent).as_posix()}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(where)
    return found


@pytest.mark.parametrize(("callee", "section"), [("message", "messages"), ("text", "ui")])
def test_keys_looked_up_by_literal_exist_in_their_section(callee: str, section: str) -> None:
    """``message("plan.no_capacity", lang)`` and ``text("schedule_title", lang)`` name real
    entries: a missing one would print its bare key to the user."""
    table = catalog()[section]
    used = _literal_first_args(callee)
    assert used, f"no literal {callee}(...) calls found: the scan itself is broken"
    missing = [
        f"{key} ({', '.join(places)})" for key, places in sorted(used.items()) if key not in table
    ]
    assert not missing, f"keys missing from [{section}]:\n  " + "\n  ".join(missing)
