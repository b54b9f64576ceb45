"""Rendering for every generated document: Jinja2 templates to HTML or plain text, HTML to PDF.

Templates live in ``documents/templates/``: ``NAME.html.j2`` (autoescaped, a standalone page
with inline CSS and no external URL) and ``NAME.txt.j2`` (plain text).  Pass the bare ``NAME``
(``render_html("agreement", "zh", doc=...)``); a full file name ending in ``.j2`` works too.
Every label comes from the ``[ui]`` table of the i18n catalog through ``t``:
``{{ t("doc_reference") }}`` (the page's ``lang``) or ``{{ t("doc_reference", "en", n=3) }}``;
a key missing from the catalog is an error, so an untranslated label cannot ship.

Filters: ``money`` (``¥12,345.67``), ``amount`` (``12,345.67``, for table cells under a
"(元)" heading), ``day`` (``2026年11月29日`` / ``29 Nov 2026`` in the page's language),
``percent`` (``12.80%``), ``css_string`` (a CSS string literal safe inside ``<style>``, for
the ``footer_right`` block of ``base.html.j2``).

``render_pdf`` lays the HTML out with WeasyPrint on A4 (the template's ``@page`` CSS gives
margins and the "第 x 页 / 共 y 页" footer; see ``templates/base.html.j2``), embeds the CJK font
(WenQuanYi Micro Hei) and is deterministic: the same HTML, title and date give the same bytes.
WeasyPrint writes the dates and the file identifier it is given, but its font subsetter stamps
the embedded font's ``head.modified`` with the clock; ``_pin_font_timestamps`` sets it back to
the font's own creation time, so nothing in the file depends on when it was made.
"""

from __future__ import annotations

import string
import struct
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from xieshang.i18n import catalog, message, normalize_lang, text
from xieshang.present.numbers import date_text, money_text, percent, yuan

__all__ = [
    "CJK_FONT",
    "FONT_STACK",
    "date_text",
    "display_width",
    "item_number",
    "label",
    "money_text",
    "page_counter_css",
    "render_html",
    "render_pdf",
    "render_text",
    "section_heading",
    "template_env",
    "text_table",
]

CJK_FONT = "WenQuanYi Micro Hei"
FONT_STACK = (
    f'"{CJK_FONT}", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "DejaVu Sans", "Symbola", sans-serif'
)

# ---------------------------------------------------------------------------------------------
# Numbers, dates and labels as the documents write them (amounts and dates: ``present.numbers``,
# shared with the web pages)


def label(key: str, lang: str, **params: Any) -> str:
    """The catalog text for ``key``: a ``[ui]`` label, else a ``[messages]`` sentence.

    Raises ``LookupError`` for a key in neither table (a typo must not reach a document).

    >>> label("total", "zh"), label("total", "en")
    ('合计', 'Total')
    """
    data = catalog()
    if key in data.get("ui", {}):
        return text(key, lang, **params)
    if key in data.get("messages", {}):
        return message(key, lang, **params)
    raise LookupError(f"no catalog entry for the document label {key!r}")


_CN_NUMERALS = "一二三四五六七八九十"


def section_heading(n: int, title: str, lang: str) -> str:
    """A numbered section heading: ``一、涉及的借款`` / ``1. The loans``.

    >>> section_heading(2, "还款规则", "zh"), section_heading(12, "Notes", "en")
    ('二、还款规则', '12. Notes')
    """
    if normalize_lang(lang) == "zh" and 1 <= n <= len(_CN_NUMERALS):
        return f"{_CN_NUMERALS[n - 1]}、{title}"
    return f"{n}. {title}"


def item_number(section: int, n: int, lang: str) -> str:
    """The number of item ``n`` inside section ``section``: ``2.`` / ``3.2``.

    >>> item_number(3, 2, "zh"), item_number(3, 2, "en")
    ('2.', '3.2')
    """
    return f"{n}." if normalize_lang(lang) == "zh" else f"{section}.{n}"


def display_width(value: str) -> int:
    """Columns a string takes in a monospaced terminal: wide (CJK) characters count two.

    >>> display_width("合计"), display_width("1,234.00")
    (4, 8)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """Rows as aligned plain-text columns (two spaces apart), a rule under the header; the
    columns flagged in ``right`` are right-aligned (amounts).

    >>> print(text_table(["期", "金额"], [["1", "9.50"], ["2", "10.00"]], [True, True]))
    期   金额
    ---------
     1   9.50
     2  10.00
    """
    table = [list(header), *[list(r) for r in rows]]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        out = []
        for cell, width, flush_right in zip(cells, widths, right, strict=True):
            pad = " " * (width - display_width(cell))
            out.append(pad + cell if flush_right else cell + pad)
        return "  ".join(out).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([line(table[0]), rule, *(line(r) for r in table[1:])])


def page_counter_css(lang: str) -> str:
    """The footer's CSS ``content`` value from the catalog's ``doc_page_of`` label.

    >>> page_counter_css("en")
    '"Page " counter(page) " of " counter(pages)'
    """
    template = label("doc_page_of", lang, page="{page}", pages="{pages}")
    parts: list[str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(_css_string(literal))
        if field in ("page", "pages"):
            parts.append(f"counter({field})")
    return " ".join(parts)


def _css_string(value: str) -> str:
    """A CSS string literal that is also safe inside an HTML ``<style>`` element."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return '"' + escaped.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


# ---------------------------------------------------------------------------------------------
# Templates


@jinja2.pass_context
def _t(context: jinja2.runtime.Context, key: str, lang: str | None = None, **params: Any) -> str:
    return label(key, lang or context.get("lang", "zh"), **params)


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, day: date | None) -> str:
    return "" if day is None else date_text(day, context.get("lang", "zh"))


@jinja2.pass_context
def _heading(context: jinja2.runtime.Context, n: int, title: str) -> str:
    return section_heading(n, title, context.get("lang", "zh"))


@jinja2.pass_context
def _item_no(context: jinja2.runtime.Context, section: int, n: int) -> str:
    return item_number(section, n, context.get("lang", "zh"))


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(".txt.j2")


@lru_cache(maxsize=1)
def template_env() -> jinja2.Environment:
    """The one Jinja2 environment of the documents: package templates, HTML autoescaped,
    undefined variables an error, the ``t`` global and filter and the number filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("xieshang.documents", "templates"),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["t"] = _t
    env.globals["page_counter_css"] = lambda lang: Markup(page_counter_css(lang))
    env.globals["font_stack"] = Markup(FONT_STACK)
    env.globals["heading"] = _heading
    env.globals["item_no"] = _item_no
    filters: Mapping[str, Callable[..., str]] = {
        "t": _t,
        "money": money_text,
        "amount": yuan,
        "day": _day,
        "percent": percent,
        "css_string": lambda value: Markup(_css_string(str(value))),
    }
    env.filters.update(filters)
    return env


def _template_name(template: str, kind: str) -> str:
    return template if template.endswith(".j2") else f"{template}.{kind}.j2"


def render_html(template: str, lang: str, **context: Any) -> str:
    """A full standalone HTML page (inline CSS, no external URL) from ``NAME.html.j2``."""
    lang = normalize_lang(lang)
    page = template_env().get_template(_template_name(template, "html"))
    return page.render(lang=lang, **context)


def render_text(template: str, lang: str, **context: Any) -> str:
    """Plain text from ``NAME.txt.j2`` (no escaping), ending with one newline."""
    lang = normalize_lang(lang)
    page = template_env().get_template(_template_name(template, "txt"))
    return page.render(lang=lang, **context).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# PDF


def render_pdf(html: str, *, title: str, made_on: date) -> bytes:
    """The HTML laid out as an A4 PDF with the CJK font embedded; deterministic.

    The PDF's title is ``title``, its creation and modification dates ``made_on`` (midnight
    UTC), its identifier a digest of its content; nothing is fetched from outside (only
    ``data:`` URLs are allowed).
    """
    import weasyprint  # type: ignore[import-untyped]  # noqa: PLC0415 - slow import, PDF only

    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",))
    base = weasyprint.CSS(string=f"html {{ font-family: {FONT_STACK}; }}", url_fetcher=fetcher)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(stylesheets=[base])
    stamp = f"{made_on.isoformat()}T00:00:00Z"
    document.metadata.title = title
    document.metadata.created = stamp
    document.metadata.modified = stamp
    document.metadata.generator = "Xieshang"
    pdf: bytes = document.write_pdf(pdf_identifier=True, finisher=_pin_embedded_fonts)
    return pdf


def _pin_embedded_fonts(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: give every embedded TrueType/OpenType font a fixed timestamp."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        stream = getattr(obj, "stream", None)
        if not isinstance(extra, dict) or not isinstance(stream, list) or len(stream) != 1:
            continue
        if "Length1" in extra or extra.get("Subtype") == "/OpenType":
            data = stream[0]
            if isinstance(data, bytes):
                obj.stream = [_pin_font_timestamps(data)]


_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_HEAD_MODIFIED = 28  # offset of head.modified (LONGDATETIME), after head.created at 20
_CHECKSUM_MAGIC = 0xB1B0AFBA


def _checksum(data: bytes | bytearray) -> int:
    padded = bytes(data) + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}L", padded)
    return sum(words) & 0xFFFFFFFF


def _pin_font_timestamps(font: bytes) -> bytes:
    """The font with ``head.modified`` set to ``head.created`` and the checksums redone.

    A font without a ``head`` table, or that is not an sfnt, comes back unchanged.
    """
    if font[:4] not in _SFNT_VERSIONS or len(font) < 12:
        return font
    (tables,) = struct.unpack(">H", font[4:6])
    for i in range(tables):
        record = 12 + 16 * i
        tag, _, offset, length = struct.unpack(">4sLLL", font[record : record + 16])
        if tag != b"head" or offset + 36 > len(font):
            continue
        out = bytearray(font)
        created = out[offset + 20 : offset + 28]
        out[offset + _HEAD_MODIFIED : offset + _HEAD_MODIFIED + 8] = created
        out[offset + 8 : offset + 12] = b"\0\0\0\0"  # checkSumAdjustment, recomputed below
        table_sum = _checksum(out[offset : offset + length])
        out[record + 4 : record + 8] = struct.pack(">L", table_sum)
        adjustment = (_CHECKSUM_MAGIC - _checksum(out)) & 0xFFFFFFFF
        out[offset + 8 : offset + 12] = struct.pack(">L", adjustment)
        return bytes(out)
    return font
