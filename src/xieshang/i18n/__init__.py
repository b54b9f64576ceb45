"""Messages for the faces (CLI now; API and web later) in Chinese (default) and English.

The domain raises ``DomainError`` with a dotted code, a field and parameters; this module turns
them into one sentence in the user's language from the catalog in ``messages.toml``.  A code
missing from the catalog still prints (code and parameters) rather than failing, and a test
checks that every code the domain can raise has both translations.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_INDEX = re.compile(r"\[(\d+)\]")


def normalize_lang(text: str | None) -> str:
    """'zh', 'zh_CN', 'zh-Hans' → 'zh'; 'en', 'en_US' → 'en'; anything else → the default."""
    if not text:
        return DEFAULT_LANG
    key = text.strip().lower().replace("_", "-").split("-")[0]
    return key if key in LANGS else DEFAULT_LANG


@lru_cache(maxsize=1)
def catalog() -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath("messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _entry(section: str, key: str) -> Mapping[str, str] | None:
    table = catalog().get(section, {})
    entry = table.get(key)
    return entry if isinstance(entry, dict) else None


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def field_label(field: str | None, lang: str) -> str:
    """A field path such as ``incomes[2].monthly`` in words: ``收入第3项·月额``."""
    if not field:
        return ""
    parts = []
    for piece in field.split("."):
        index = _INDEX.search(piece)
        name = _INDEX.sub("", piece)
        entry = _entry("fields", name)
        label = entry[lang] if entry else name
        if index:
            n = int(index.group(1)) + 1
            label = f"{label}第{n}项" if lang == "zh" else f"{label} #{n}"
        parts.append(label)
    return "·".join(parts) if lang == "zh" else " › ".join(parts)


def message(code: str, lang: str = DEFAULT_LANG, *, field: str | None = None, **params: Any) -> str:
    """The sentence for ``code`` in ``lang``; ``{field}`` and other placeholders are filled."""
    lang = normalize_lang(lang)
    entry = _entry("messages", code)
    if isinstance(params.get("problems"), tuple | list):
        params = {**params, "problems": _problems(params["problems"], lang)}
    values = _Params(params)
    values["field"] = field_label(field, lang) or (field or "")
    if entry is None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        where = f" [{values['field']}]" if field else ""
        return f"{code}{where}" + (f": {detail}" if detail else "")
    return entry[lang].format_map(values)


def _problems(problems: Any, lang: str) -> str:
    """Schedule problems (code, row, expected, found) as one readable clause each."""
    parts = []
    for p in problems:
        code, n = getattr(p, "code", str(p)), getattr(p, "n", None)
        expected, found = getattr(p, "expected", ""), getattr(p, "found", "")
        where = "" if n is None else (f"第{n}期：" if lang == "zh" else f"row {n}: ")
        what = message(code, lang)
        if expected or found:
            what += (
                f"（应为 {expected}，实为 {found}）"
                if lang == "zh"
                else f" (expected {expected}, found {found})"
            )
        parts.append(where + what)
    return ("；" if lang == "zh" else "; ").join(parts)


def text(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """A user-interface string (headings, labels) by key from the ``ui`` table."""
    lang = normalize_lang(lang)
    entry = _entry("ui", key)
    if entry is None:
        return key
    return entry[lang].format_map(_Params(params))
