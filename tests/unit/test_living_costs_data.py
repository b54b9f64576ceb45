"""Shipped reference living costs: the figures match the reference notes and bad files are named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import xieshang.data as data_pkg
from xieshang.data import DataFileError
from xieshang.data.living_costs import (
    EXAMPLES_FILE,
    MINIMUM_WAGE_FILE,
    NATIONAL_FILE,
    NBS_CATEGORIES,
    PROVINCE_FILE,
    load_reference_living_costs,
    read_reference_living_costs,
)
from xieshang.domain.reference_costs import Area, Confidence

D = Decimal
REF = load_reference_living_costs()


def test_national_totals_match_the_reference_notes():
    want = {
        (2025, "all"): 29476,
        (2025, "urban"): 35869,
        (2024, "all"): 28227,
        (2024, "urban"): 34557,
        (2024, "rural"): 19280,
        (2023, "all"): 26796,
        (2023, "urban"): 32994,
        (2023, "rural"): 18175,
    }
    got = {
        (f.year, f.area.value): int(f.per_person_year) for f in REF.national if f.category is None
    }
    assert got == want
    assert REF.consumption(area=Area.RURAL, year=2025) is None  # not published in our sources


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_eight_categories_sum_exactly_to_the_total(year):
    parts = [REF.consumption(year=year, category=c) for c in NBS_CATEGORIES]
    assert sum(p.per_person_year for p in parts) == REF.consumption(year=year).per_person_year


def test_2025_ships_only_the_categories_the_release_gives():
    shipped = {f.category.value for f in REF.national if f.year == 2025 and f.category}
    assert shipped == {"food", "housing"}


def test_every_province_has_2023_and_2024_and_the_spot_checks_hold():
    names = REF.province_names()
    assert len(names) == 31
    for name in names:
        assert {f.year for f in REF.provinces if f.region == name} == {2023, 2024}
    spot = {
        ("广东省", 2024): 35818,
        ("广东省", 2023): 34331,
        ("上海市", 2024): 52722,
        ("西藏自治区", 2023): 17220,
        ("新疆维吾尔自治区", 2024): 21364,
        ("河南省", 2023): 21011,
    }
    for (name, year), value in spot.items():
        assert REF.consumption(province=name, year=year).per_person_year == value


def test_province_names_resolve_from_their_short_forms():
    assert REF.resolve_province("广东") == "广东省"
    assert REF.resolve_province("内蒙古") == "内蒙古自治区"
    assert REF.resolve_province("山西") == "山西省" and REF.resolve_province("陕西") == "陕西省"
    assert REF.resolve_province("广") is None  # too short to be sure
    assert REF.resolve_province("Guangdong") is None


def test_minimum_wages_ship_first_tier_without_xinjiang():
    wages = {w.province: w for w in REF.minimum_wages if w.city is None}
    assert len(wages) == 30 and "新疆维吾尔自治区" not in wages
    assert max(wages.values(), key=lambda w: w.per_month).province == "上海市"
    assert min(wages.values(), key=lambda w: w.per_month).province == "青海省"
    assert wages["上海市"].per_month == D("2740") and wages["青海省"].per_month == D("2080")
    assert wages["陕西省"].per_month == D("2376")
    assert {w.as_of for w in REF.minimum_wages} == {date(2026, 1, 1)}
    assert REF.minimum_wage("广东", "深圳").per_month == D("2520")
    assert REF.minimum_wage("广东").per_month == D("2500")
    assert REF.minimum_wage("新疆") is None
    marks = {w.province: w.confidence for w in REF.minimum_wages if w.city is None}
    assert marks["上海市"] is Confidence.TWO_SOURCES and marks["北京市"] is Confidence.ONE_SOURCE


def test_the_shenzhen_allowance_is_shipped_as_an_example_with_its_source():
    (example,) = REF.examples
    assert (example.year, example.adults, example.children) == (2021, 2, 2)
    assert example.per_month == D("7700") and example.months == 36
    assert "粤03破230号" in example.source


def test_every_figure_has_a_source_and_a_confidence_mark():
    for f in (*REF.national, *REF.provinces):
        assert f.source and f.confidence.mark
    assert {f.confidence for f in REF.provinces} == {Confidence.PRIMARY}
    assert Confidence.ONE_SOURCE_CHECKED.mark == "⚠️✓"


def test_no_subsistence_floor_is_shipped():
    for name in (NATIONAL_FILE, PROVINCE_FILE, MINIMUM_WAGE_FILE, EXAMPLES_FILE):
        rows = [line for line in data_pkg.read_text(name).splitlines() if not line.startswith("#")]
        assert not any("低保" in line for line in rows)


def replace_file(monkeypatch, filename, text):
    real = data_pkg.read_text
    monkeypatch.setattr(
        data_pkg, "read_text", lambda name: text if name == filename else real(name)
    )


NATIONAL_HEADER = "# comment\nas_of,area,category,yuan_per_person_year,confidence,source\n"


@pytest.mark.parametrize(
    ("filename", "text", "line", "problem"),
    [
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,all,total,-5,primary,NBS\n", 3, "not a positive"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,all,total,12.345,primary,NBS\n", 3, "whole fen"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,all,total,100,sure,NBS\n", 3, "confidence"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,city,total,100,primary,NBS\n", 3, "area"),
        (NATIONAL_FILE, NATIONAL_HEADER + "1850,all,total,100,primary,NBS\n", 3, "year"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,all,total,100,primary,\n", 3, "source is empty"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,all,debt_payments,1,primary,NBS\n", 3, "NBS"),
        (NATIONAL_FILE, NATIONAL_HEADER + "2024,urban,food,1,primary,NBS\n", 3, "all residents"),
        (
            NATIONAL_FILE,
            NATIONAL_HEADER + "2024,all,total,100,primary,NBS\n2024,all,total,100,primary,NBS\n",
            4,
            "duplicate row (first at line 3)",
        ),
        (
            NATIONAL_FILE,
            NATIONAL_HEADER
            + "2024,all,total,9,primary,NBS\n"
            + "".join(f"2024,all,{c.value},1,primary,NBS\n" for c in NBS_CATEGORIES),
            3,
            "categories sum to 8",
        ),
        (
            PROVINCE_FILE,
            "province,as_of,yuan_per_person_year,confidence,source\n"
            "广东省,2024,1,primary,NBS\n广东省,2024,2,primary,NBS\n",
            3,
            "duplicate",
        ),
        (
            MINIMUM_WAGE_FILE,
            "province,city,tier,as_of,yuan_per_month,confidence,source\n"
            "上海市,,1,2026-13-01,2740,two-sources,MOHRSS\n",
            2,
            "date",
        ),
        (
            MINIMUM_WAGE_FILE,
            "province,city,tier,as_of,yuan_per_month,confidence,source\n"
            "上海市,,0,2026-01-01,2740,two-sources,MOHRSS\n",
            2,
            "tier",
        ),
        (
            EXAMPLES_FILE,
            "key,year,adults,children,yuan_per_month,months,confidence,source\n"
            "x,2021,0,2,7700,36,primary,court\n",
            2,
            "adults",
        ),
        (
            EXAMPLES_FILE,
            "key,year,adults,children,yuan_per_month,months,confidence,source\n"
            "x,2021,two,2,7700,36,primary,court\n",
            2,
            "not a whole number",
        ),
    ],
)
def test_a_bad_data_file_is_refused_naming_file_and_line(
    monkeypatch, filename, text, line, problem
):
    replace_file(monkeypatch, filename, text)
    with pytest.raises(DataFileError) as err:
        read_reference_living_costs()
    assert (err.value.filename, err.value.line) == (filename, line)
    assert problem in err.value.problem


def test_a_missing_column_is_named(monkeypatch):
    replace_file(
        monkeypatch, PROVINCE_FILE, "province,as_of,confidence,source\n广东省,2024,primary,NBS\n"
    )
    with pytest.raises(DataFileError, match=r"living_costs_province.csv:2: column 'yuan_per"):
        read_reference_living_costs()
