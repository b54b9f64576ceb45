"""Charts drawn on the server: well-formed SVG with its title and figures in words, amounts
placed in proportion, no script or style attribute, and the same chart drawn the same way."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.present.charts import Series, bar_chart, line_chart, nice_top

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_a_line_chart_is_an_accessible_svg_with_its_figures_in_words():
    chart = line_chart(
        "余额 <走势>",
        ["1月", "2月", "3月"],
        [Series("贷款A", (Decimal(300), Decimal(200), Decimal(0)))],
    )
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "余额 <走势>"
    assert "¥300.00" in root.find(f"{SVG}desc").text and "¥0.00" in root.find(f"{SVG}desc").text
    assert "<script" not in chart and "style=" not in chart
    tips = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert tips == ["贷款A · 1月: ¥300.00", "贷款A · 2月: ¥200.00", "贷款A · 3月: ¥0.00"]


def test_points_sit_in_proportion_to_their_amounts():
    root = parse(
        line_chart("t", ["a", "b", "c"], [Series("s", (Decimal(0), Decimal(50), Decimal(100)))])
    )
    ys = [Decimal(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    # top of the axis is 100 → the middle point is half way between the others
    assert ys[0] - ys[1] == ys[1] - ys[2] > 0


def test_bars_are_as_long_as_their_values_and_write_them():
    root = parse(bar_chart("总成本", [("方案一", Decimal("1000")), ("方案二", Decimal("250"))]))
    widths = [Decimal(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == widths[1] * 4
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values == ["¥1,000.00", "¥250.00"]


def test_counts_can_be_written_as_plain_numbers():
    root = parse(bar_chart("cases", [("open", Decimal(3))], formatter=lambda v: f"{v:,}"))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"] == ["3"]


def test_the_same_chart_is_drawn_byte_for_byte_the_same():
    def draw():
        return line_chart("t", ["a", "b"], [Series("s", (Decimal(1), Decimal(2)))])

    assert str(draw()) == str(draw())


def test_charts_refuse_data_they_cannot_draw():
    with pytest.raises(ValueError):
        line_chart("t", ["a"], [Series("s", (Decimal(1), Decimal(2)))])
    with pytest.raises(ValueError):
        bar_chart("t", [("x", Decimal(-1))])
    with pytest.raises(ValueError):
        bar_chart("t", [])


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_the_axis_top_is_round_and_covers_the_peak_in_four_steps(peak):
    top, step = nice_top(peak)
    assert top >= peak and top == step * 4
    assert top < peak * 10  # never absurdly high
    mantissa = step.scaleb(-step.adjusted())
    assert mantissa in {1, 2, Decimal("2.5"), 5}


def test_axis_labels_are_thinned_and_the_last_never_collides_with_its_neighbour():
    labels = [f"m{i}" for i in range(1, 38)]
    root = parse(line_chart("t", labels, [Series("s", tuple(Decimal(i) for i in range(37)))]))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert shown[-1] == "m37" and len(shown) <= 9
    positions = [labels.index(x) for x in shown]
    gaps = [b - a for a, b in itertools.pairwise(positions)]
    assert min(gaps) >= -(-37 // 8)
