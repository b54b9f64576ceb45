"""Charts as inline SVG, drawn on the server: a picture where a picture helps, with no script,
no style attribute (the pages' Content-Security-Policy allows neither) and nothing fetched from
elsewhere.

Colours and line widths come from classes (``chart-series-0`` … ``chart-series-5``,
``chart-axis``, ``chart-grid``) that the page's stylesheet defines.  Every chart is
``role="img"`` with a ``<title>`` (its heading) and a ``<desc>`` (the figures in words), and each
point or bar carries its own ``<title>`` (a tooltip); the pages put the same figures in a table
beside it, so nothing is only in the picture.

Coordinates are computed in ``Decimal`` and written with one decimal: amounts never pass
through ``float``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from markupsafe import Markup

from .numbers import money_text

SERIES_CLASSES = 6
_PX = Decimal("0.1")
_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a line chart: a name (for the legend) and a value per x position."""

    name: str
    values: tuple[Decimal, ...]


def _px(value: Decimal) -> str:
    return str(value.quantize(_PX, rounding=ROUND_HALF_UP))


def nice_top(peak: Decimal, ticks: int = 4) -> tuple[Decimal, Decimal]:
    """The top of the value axis and its step: a round number at or above ``peak`` reached in
    at most ``ticks`` steps of 1, 2, 2.5 or 5 × 10ⁿ.

    >>> [tuple(map(str, nice_top(Decimal(p)))) for p in ("3870", "100", "0")]
    [('4000', '1000'), ('100', '25'), ('1', '0.25')]
    """
    if peak <= 0:
        peak = Decimal(1)
    raw = peak / ticks
    magnitude = Decimal(10) ** raw.adjusted()
    for factor in _NICE:
        step = factor * magnitude
        if step * ticks >= peak:
            return _plain(step * ticks), _plain(step)
    raise AssertionError("unreachable: 10 × magnitude ≥ raw")  # pragma: no cover


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 4000, 0.25."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def short_yuan(amount: Decimal) -> str:
    """An axis label: whole yuan with separators.

    >>> short_yuan(Decimal("12000")), short_yuan(Decimal("2.5"))
    ('¥12,000', '¥2.5')
    """
    if amount == amount.to_integral_value():
        return f"¥{amount:,.0f}"
    return f"¥{amount.normalize():,f}"


def _fitted(label: str, room: int) -> str:
    """``label`` cut with an ellipsis to what ``room`` pixels hold at 12 px (a Han character is
    about 12 px wide, a Latin one about 7); the bar's tooltip keeps it whole.

    >>> _fitted("方案一", 100), _fitted("一个非常非常长的方案名称", 60)
    ('方案一', '一个非常…')
    """
    used = 0
    kept: list[str] = []
    for char in label:
        used += 12 if ord(char) > 0x2E7F else 7
        if used > room:
            return "".join(kept[:-1]) + "…"
        kept.append(char)
    return label


def _frame(title: str, description: str, width: int, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{{id}}-t {{id}}-d" xmlns="http://www.w3.org/2000/svg">'
    )
    # The same chart gets the same id (pages stay byte-identical); two charts on a page differ.
    ident = "c" + hashlib.sha256(f"{title}\n{description}".encode()).hexdigest()[:10]
    parts = [
        head.replace("{id}", ident),
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


def _value_axis(
    top: Decimal, step: Decimal, left: int, right: int, y_of: Callable[[Decimal], Decimal]
) -> list[str]:
    parts = []
    tick = Decimal(0)
    while tick <= top:
        y = _px(y_of(tick))
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="chart-tick" x="{left - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(short_yuan(tick))}</text>'
        )
        tick += step
    return parts


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 280,
) -> Markup:
    """Amounts over time, one line per series (e.g. a loan's balance month by month, or each
    plan's monthly payment).  ``x_labels`` name the positions; at most about eight are written
    under the axis, every point keeps its own tooltip."""
    if not series or not x_labels:
        raise ValueError("a line chart needs at least one series and one x position")
    if any(len(s.values) != len(x_labels) for s in series):
        raise ValueError("every series needs one value per x label")
    left, right, top_pad, legend = 72, width - 12, 12, 22 * len(series) if len(series) > 1 else 0
    bottom = height - 28 - legend
    peak = max(max(s.values) for s in series)
    top, step = nice_top(max(peak, Decimal(0)))
    span = Decimal(bottom - top_pad)
    count = len(x_labels)

    def x_of(i: int) -> Decimal:
        if count == 1:
            return Decimal(left + right) / 2
        return Decimal(left) + Decimal(right - left) * i / (count - 1)

    def y_of(value: Decimal) -> Decimal:
        return Decimal(bottom) - span * max(value, Decimal(0)) / top

    body = _value_axis(top, step, left, right, y_of)
    body.append(f'<line class="chart-axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    every = max(1, -(-count // 8))
    for i, label in enumerate(x_labels):
        # Every ``every``-th label and the last; one too close to the last gives way to it.
        if (i % every == 0 and count - 1 - i >= every) or i == count - 1:
            body.append(
                f'<text class="chart-tick" x="{_px(x_of(i))}" y="{bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for n, line in enumerate(series):
        kind = f"chart-series-{n % SERIES_CLASSES}"
        points = " ".join(f"{_px(x_of(i))},{_px(y_of(v))}" for i, v in enumerate(line.values))
        body.append(f'<polyline class="chart-line {kind}" fill="none" points="{points}"/>')
        for i, value in enumerate(line.values):
            tip = f"{line.name} · {x_labels[i]}: {money_text(value)}"
            body.append(
                f'<circle class="chart-point {kind}" cx="{_px(x_of(i))}" cy="{_px(y_of(value))}" '
                f'r="3"><title>{escape(tip)}</title></circle>'
            )
        if legend:
            y = bottom + 34 + 22 * n
            body.append(
                f'<rect class="chart-bar {kind}" x="{left}" y="{y - 10}" width="14" height="10"/>'
                f'<text class="chart-legend" x="{left + 20}" y="{y}">{escape(line.name)}</text>'
            )
    summary = "; ".join(
        f"{s.name}: {x_labels[0]} {money_text(s.values[0])} → "
        f"{x_labels[-1]} {money_text(s.values[-1])}"
        for s in series
    )
    return _frame(title, summary, width, height, body)


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, Decimal]],
    *,
    width: int = 640,
    formatter: Callable[[Decimal], str] = money_text,
) -> Markup:
    """Horizontal bars, one per label (e.g. each plan's total cost, cases by state): labels on
    the left, the value written at the end of each bar, so long names and narrow phones both
    work.  ``formatter`` writes the values (amounts by default; ``str`` for counts)."""
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    if any(value < 0 for _, value in bars):
        raise ValueError("bar values cannot be negative")
    row, label_width, value_room = 30, min(200, width // 3), 110
    height = row * len(bars) + 8
    peak = max(value for _, value in bars)
    scale = Decimal(width - label_width - value_room) / (peak if peak > 0 else Decimal(1))
    body = []
    for n, (label, value) in enumerate(bars):
        y = 4 + row * n
        length = scale * value
        kind = f"chart-series-{n % SERIES_CLASSES}"
        shown = formatter(value)
        body.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + 15}" '
            f'text-anchor="end">{escape(_fitted(label, label_width - 8))}</text>'
            f'<rect class="chart-bar {kind}" x="{label_width}" y="{y + 4}" '
            f'width="{_px(length)}" height="{row - 10}"><title>{escape(label)}: '
            f"{escape(shown)}</title></rect>"
            f'<text class="chart-value" x="{_px(label_width + length + 6)}" y="{y + 15}">'
            f"{escape(shown)}</text>"
        )
    summary = "; ".join(f"{label}: {formatter(value)}" for label, value in bars)
    return _frame(title, summary, width, height, body)


__all__ = ["Series", "bar_chart", "line_chart", "nice_top", "short_yuan"]
