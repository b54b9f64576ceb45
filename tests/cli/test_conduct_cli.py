"""``xieshang conduct check``: a CSV log checked against the collection rules (no database);
every bad row named by line in one translated line with exit 2 and nothing written; the
complaint draft written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "collection-contacts.csv"
HEADER = "at,channel,contacted,caller,effective,note\n"


def write(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def test_the_example_log_is_checked_with_each_flag_and_its_citation(capsys):
    assert run(["conduct", "check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "共 9 条联系记录，4 项标记" in out
    assert "第5行：2026-02-10 18:30 (UTC+08:00) · 电话 · 本人 · Agent 077" in out
    assert "第7行：2026-02-11 22:40" in out
    assert "中国互联网金融协会《互联网金融贷后催收业务指引》" in out
    assert "不构成法律意见" in out


def test_the_json_names_each_flag_with_its_lines_and_citation(cli_json):
    data = cli_json("conduct", "check", str(EXAMPLE), "--lang", "en")
    assert data["contacts_reviewed"] == 9 and data["timezone"] == "Asia/Shanghai"
    assert [(f["code"], f["lines"], f["day"]) for f in data["flags"]] == [
        ("conduct.too_many_calls", [5], "2026-02-10"),
        ("conduct.quiet_hours", [7], "2026-02-11"),
        ("conduct.third_party_contact", [8], "2026-02-12"),
        ("conduct.third_party_contact", [9], "2026-02-13"),
    ]
    assert {f["organisation"] for f in data["flags"]} == {"Quick Cash 快借"}
    assert data["flags"][1]["citation"].startswith("NIFA Guidelines")
    assert data["record_retention"]["years"] == 5 and data["complaint"] is None


@pytest.mark.parametrize(
    ("local", "flagged"),
    [("21:59", False), ("22:00", True), ("07:59", True), ("08:00", False)],
)
def test_quiet_hours_boundaries_in_a_file(tmp_path, cli_json, local, flagged):
    path = write(tmp_path, f"2026-02-10 {local},call,debtor,,,\n")
    codes = [f["code"] for f in cli_json("conduct", "check", str(path))["flags"]]
    assert codes == (["conduct.quiet_hours"] if flagged else [])


def test_chinese_words_and_zones_are_understood(tmp_path, cli_json):
    path = write(
        tmp_path,
        "2026-02-10T15:00:00+01:00,电话,家人,,是,\n"  # 22:00 in China
        "2026-02-10 10:00,短信,工作单位,,,\n"
        "2026-02-10 11:00,上门,本人,,否,\n",
    )
    flags = cli_json("conduct", "check", str(path))["flags"]
    assert [(f["code"], f["lines"]) for f in flags] == [
        ("conduct.third_party_contact", [3]),
        ("conduct.quiet_hours", [2]),
        ("conduct.third_party_contact", [2]),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_bad_row_is_named_by_line_in_one_message_and_nothing_is_written(
    tmp_path, capsys, assert_one_line, lang
):
    path = write(
        tmp_path,
        "2026-02-10 10:00,call,debtor,,,\n"
        "yesterday,call,debtor,,,\n"
        "2026-02-10 10:00,fax,debtor,,,\n"
        "2026-02-10 10:00,call,debtor,,maybe,\n"
        "2099-01-01 10:00,call,debtor,,,\n",
    )
    out = tmp_path / "complaint.txt"
    out.write_text("an earlier draft", encoding="utf-8")
    args = ["conduct", "check", str(path), "--lang", lang, "--complaint", str(out)]
    code = run([*args, "--organisation", "Quick Cash", "--borrower", "李明"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert_one_line(captured.err, "yesterday", lang)
    line = captured.err
    for n in (3, 4, 5, 6):
        assert (f"第{n}行" if lang == "zh" else f"line {n}:") in line
    assert "fax" in line and "maybe" in line and "2099" in line
    assert ("第2行" if lang == "zh" else "line 2:") not in line
    assert out.read_text(encoding="utf-8") == "an earlier draft"


LATE_ROW = HEADER + "2026-02-10 23:00,call,debtor,,,\n"
WHO = ["--organisation", "A", "--borrower", "B"]


@pytest.mark.parametrize(
    ("text", "extra", "zh", "en"),
    [
        ("at,channel\n2026-02-10 10:00,call\n", [], "contacted", "contacted"),
        (HEADER.replace("note", "colour") + "2026-02-10 10:00,call,,,,\n", [], "colour", "colour"),
        (LATE_ROW, ["--complaint", "{tmp}/x.doc", *WHO], ".pdf", ".pdf"),
        (LATE_ROW, ["--complaint", "{tmp}/x.txt", *WHO[2:]], "--organisation", "--organisation"),
        (LATE_ROW, ["--complaint", "{tmp}/x.txt", *WHO[:2]], "--borrower", "--borrower"),
        (LATE_ROW, ["--complaint", "{tmp}/no/such/folder/x.txt", *WHO], "folder", "folder"),
    ],
)
def test_bad_files_and_options_give_one_line_and_exit_code_2(
    tmp_path, capsys, assert_one_line, text, extra, zh, en
):
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    options = [arg.replace("{tmp}", str(tmp_path)) for arg in extra]
    for lang, word in (("zh", zh), ("en", en)):
        assert run(["conduct", "check", str(path), "--lang", lang, *options]) == 2
        assert_one_line(capsys.readouterr().err, word, lang)
    assert [p.name for p in tmp_path.iterdir()] == ["contacts.csv"]


def test_the_complaint_is_written_for_the_organisation_named(tmp_path, cli_json):
    out = tmp_path / "complaint.txt"
    data = cli_json(
        "conduct", "check", str(EXAMPLE), "--lang", "en", "--complaint", str(out),
        "--organisation", "quick cash 快借", "--borrower", "Li Ming",
    )  # fmt: skip
    assert data["complaint"] == str(out)
    letter = out.read_text(encoding="utf-8")
    assert letter.startswith("Complaint about debt-collection conduct")
    assert "To: Quick Cash 快借" in letter and "I, Li Ming," in letter
    assert "2026-02-11 22:40 (UTC+08:00)" in letter
    assert "Bank of Somewhere" not in letter and "polite reminder" not in letter
    assert [p.name for p in tmp_path.iterdir()] == ["complaint.txt"]  # no temporary file left


def test_the_complaint_can_be_a_pdf(tmp_path, capsys):
    out = tmp_path / "complaint.pdf"
    args = ["conduct", "check", str(EXAMPLE), "--complaint", str(out)]
    assert run([*args, "--organisation", "Quick Cash 快借", "--borrower", "李明"]) == 0
    assert "投诉函草稿已写入" in capsys.readouterr().out
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_complaint_is_written_when_nothing_is_flagged(tmp_path, capsys, assert_one_line, lang):
    path = write(tmp_path, "2026-02-10 10:00,call,debtor,,,\n")
    out = tmp_path / "complaint.txt"
    args = ["conduct", "check", str(path), "--lang", lang, "--complaint", str(out)]
    assert run([*args, "--organisation", "Quick Cash", "--borrower", "李明"]) == 2
    captured = capsys.readouterr()
    assert_one_line(captured.err, "投诉函" if lang == "zh" else "complaint", lang)
    assert not out.exists()


def test_a_file_with_only_the_header_has_nothing_to_flag(tmp_path, cli_json):
    data = cli_json("conduct", "check", str(write(tmp_path, "")))
    assert (data["contacts_reviewed"], data["flags"]) == (0, [])


def test_the_console_script_exits_2_on_a_bad_row(console, tmp_path):
    result = console("conduct", "check", str(write(tmp_path, "soon,call,debtor,,,\n")))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "第2行" in result.stderr
