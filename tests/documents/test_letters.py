"""The request package for the example borrower: golden letters in both languages, amounts
read back against the domain, and letters rendered to HTML and PDF exactly as edited.

Regenerate the golden files after a deliberate change with
``XIESHANG_UPDATE_GOLDEN=1 bash scripts/test tests/documents`` and review the diff.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from xieshang.documents.letters import (
    HARDSHIP_STATEMENT,
    MAX_TEXT_CHARS,
    REQUEST_LETTER,
    Letter,
    LetterInput,
    edited_letter,
    hardship_statement,
    letter_html,
    letter_pdf,
    letter_plain,
    letter_title,
    paragraphs,
    request_letter,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.plan import LoanReview, PlanReport
from xieshang.i18n import catalog
from xieshang.services.planning import plan_situation
from xieshang.services.situation import Situation, read_situation

from .pdf_tools import pdf_fonts, pdf_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src" / "xieshang" / "examples"
GOLDEN = ROOT / "tests" / "golden" / "files"
UPDATE = os.environ.get("XIESHANG_UPDATE_GOLDEN") == "1"
AMOUNT = re.compile(r"-?¥[\d,]+\.\d\d")
REASONS = {
    "zh": "2026年6月，本人原工作单位裁员，本人换工作后月收入由约1.4万元降至8500元；"
    "配偶只能做兼职。\n可提供：解除劳动合同证明、新旧工资流水。",
    "en": "In June 2026 my employer made me redundant; in my new job I earn 8,500 a month "
    "instead of about 14,000, and my spouse can only work part-time.\n"
    "I can provide: the termination letter and bank statements of both salaries.",
}


def _read(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


@lru_cache(maxsize=1)
def example() -> tuple[Situation, PlanReport]:
    situation = read_situation(_read(EXAMPLES / "situation.toml"), lambda n: _read(EXAMPLES / n))
    return situation, plan_situation(situation)


def review(loan_id: str) -> LoanReview:
    return next(r for r in example()[1].reviews if r.loan.id == loan_id)


def letter_input(loan_ids: tuple[str, ...], lang: str = "zh", **changes: object) -> LetterInput:
    situation, report = example()
    reviews = [review(i) for i in loan_ids]
    chosen = {
        s.loan_id: s.outcome
        for s in report.suggestions
        if s.loan_id in loan_ids and s.outcome is not None
    }
    inp = LetterInput.from_domain(
        borrower="李明（示例）",
        contact="138****5678",
        counterparty=reviews[0].loan.lender,
        made_on=situation.as_of,
        reason=REASONS[lang],
        household=situation.statement.household,
        capacity=report.capacity,
        reviews=reviews,
        proposals=chosen,
    )
    return replace(inp, **changes) if changes else inp


def money(text: str) -> Decimal:
    return Decimal(text.replace("¥", "").replace(",", ""))


def amounts(text: str) -> list[Decimal]:
    return [money(m) for m in AMOUNT.findall(text)]


def check_golden(name: str, content: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(content, encoding="utf-8")
    assert content == golden.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Golden letters


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_example_hardship_statement_matches_its_golden_file(lang):
    letter = hardship_statement(letter_input(("micro",), lang), lang)
    assert (letter.kind, letter.lang) == (HARDSHIP_STATEMENT, lang)
    check_golden(f"letter_hardship_{lang}.txt", letter_plain(letter))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("loan_id", ["micro", "private", "bank"])
def test_the_example_request_letters_match_their_golden_files(loan_id, lang):
    letter = request_letter(letter_input((loan_id,), lang), lang)
    assert (letter.kind, letter.lang) == (REQUEST_LETTER, lang)
    check_golden(f"letter_request_{loan_id}_{lang}.txt", letter_plain(letter))


# ---------------------------------------------------------------------------------------------
# The amounts are the domain's


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_hardship_statement_states_the_capacity_report_s_figures_in_order(lang):
    c = example()[1].capacity
    assert c.reference is not None
    letter = hardship_statement(letter_input(("micro",), lang), lang)
    expected = [
        c.monthly_income,
        c.irregular_income,
        c.own_essential_living_costs,
        c.reference.household_monthly,
        c.other_expenses,
        c.current_debt_service,
        c.total_debt,
        c.repayment_capacity,
        c.buffer,
        c.shortfall,
        c.liquid_assets,
        c.total_assets,
    ]
    assert amounts(letter.text) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("loan_id", ["card", "cfc", "micro", "private", "bank", "online"])
def test_every_amount_in_a_request_letter_is_one_the_domain_computed(loan_id, lang):
    """Read the letter's amounts back, in order, and compare them with the domain's values."""
    r = review(loan_id)
    inp = letter_input((loan_id,), lang)
    (line,) = inp.loans
    outcome = line.outcome
    assert outcome is not None
    p = r.standing.position
    assert p is not None
    s = outcome.summary
    before = [r.loan.principal, r.owed]
    if r.standing.overdue_installments:
        before += [p.overdue_principal + p.overdue_interest + p.fees_due, p.penalty]
    after = []
    if s.savings_vs_contract is not None:
        after += [r.standing.contract_remaining, abs(s.savings_vs_contract)]
    after.append(example()[1].capacity.repayment_capacity)
    for note in line.notes:
        if note.code == "law.above_cap":
            after += [r.loan.received, r.assessment.amount_above_cap]
        else:
            after += [r.loan.principal - r.loan.received, r.loan.received]
    text = request_letter(inp, lang).text
    lines = text.splitlines()
    request = re.compile(rf"^(1\. 合同编号 |\(1\) Contract no\. ){loan_id}[：:]")
    at = next(i for i, x in enumerate(lines) if request.match(x))
    described = amounts(lines[at + 1])
    assert amounts(text) == before + described + after
    # The payments line: every amount is a real payment of the new schedule, the last is the
    # total; the first and last payments and (unless it gives a range) every distinct payment
    # are named, so the words cannot claim a level payment the schedule does not have.
    payments = [row.payment for row in outcome.schedule.rows if row.payment > 0]
    assert described[-1] == s.total_to_pay
    assert set(described[:-1]) <= set(payments)
    assert {payments[0], payments[-1]} <= set(described)
    if not re.search("不等|between", lines[at + 1]):
        assert set(payments) <= set(described)
    assert s.total_to_pay == sum(payments, outcome.down_payment)
    assert s.total_to_pay + s.savings_vs_contract == r.standing.contract_remaining


def test_an_equal_principal_plan_is_described_as_a_range_never_as_a_level_payment():
    zh = request_letter(letter_input(("bank",)), "zh").text
    assert "每期还款 ¥624.87 至 ¥746.66 不等（首期 ¥746.66，最后一期 ¥624.87），共 50 期" in zh
    en = request_letter(letter_input(("cfc",), "en"), "en").text
    assert "¥364.22 a month and ¥364.44 for the last payment; 48 payments" in en


def test_a_loan_above_its_legal_cap_is_named_with_its_rule_and_confidence_mark():
    r = review("micro")
    cap = next(f for f in r.assessment.findings if f.code == "law.above_cap")
    zh = request_letter(letter_input(("micro",)), "zh").text
    assert cap.citation in zh
    assert f"可信度：{cap.confidence}" in zh
    assert "36.44%" in zh and "24.00%" in zh
    assert "不构成法律意见" in zh
    en = request_letter(letter_input(("micro",), "en"), "en").text
    assert "Arts." not in zh and "not legal advice" in en
    assert cap.citation not in en  # the English letter cites the rule in English


def test_a_loan_within_its_cap_gets_no_legal_section_and_no_disclaimer():
    text = request_letter(letter_input(("bank",)), "zh").text
    assert "法定上限" not in text and "不构成法律意见" not in text
    assert "多还" in text  # the extension costs more than the contract, and the letter says so


def test_a_request_for_several_loans_lists_each_and_the_monthly_total():
    inp = letter_input(("cfc", "micro"))
    text = request_letter(inp, "zh").text
    monthly = sum(
        (line.outcome.summary.regular_payment for line in inp.loans if line.outcome),
        Decimal(0),
    )
    assert "1. 合同编号：cfc" in text and "2. 合同编号：micro" in text
    assert f"每月向贵方还款合计 ¥{monthly:,.2f}" in text


def test_a_loan_without_a_chosen_proposal_asks_to_agree_terms():
    inp = letter_input(("bank",))
    inp = replace(inp, loans=tuple(replace(line, outcome=None) for line in inp.loans))
    text = request_letter(inp, "en").text
    assert "Contract no. bank: I would like to agree repayment terms" in text


def test_the_reply_period_and_contract_numbers_are_the_caller_s():
    situation, report = example()
    inp = LetterInput.from_domain(
        borrower="李明",
        contact="",
        counterparty="某商业银行",
        made_on=situation.as_of,
        reason="",
        household=situation.statement.household,
        capacity=report.capacity,
        reviews=[review("bank")],
        proposals={},
        contract_numbers={"bank": "HT-2024-0001"},
        reply_days=7,
    )
    text = request_letter(inp, "zh").text
    assert "合同编号：HT-2024-0001" in text and "7 日内" in text
    assert "联系方式" not in text  # no contact given, no empty contact line
    statement = hardship_statement(inp, "zh").text
    assert "（请在此写明" in statement  # an empty reason leaves a prompt to fill in


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"borrower": "  "}, "letter.borrower_missing", "borrower"),
        ({"counterparty": ""}, "letter.counterparty_missing", "counterparty"),
        ({"reviews": []}, "letter.no_loans", "loans"),
        ({"reply_days": 0}, "letter.reply_days_not_positive", "reply_days"),
        ({"reply_days": True}, "letter.reply_days_not_positive", "reply_days"),
        ({"proposals": {"nope": None}}, "letter.proposal_for_unknown_loan", "proposals"),
    ],
)
def test_bad_letter_input_is_refused_naming_the_field(changes, code, field):
    situation, report = example()
    args: dict[str, object] = {
        "borrower": "李明",
        "contact": "",
        "counterparty": "某商业银行",
        "made_on": situation.as_of,
        "reason": "",
        "household": situation.statement.household,
        "capacity": report.capacity,
        "reviews": [review("bank")],
        "proposals": {},
    }
    args.update(changes)
    with pytest.raises(DomainError) as caught:
        LetterInput.from_domain(**args)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.field) == (code, field)


def test_every_letter_label_has_chinese_and_english_and_none_leaks_as_a_key():
    ui = catalog()["ui"]
    for lang in ("zh", "en"):
        for letter in (
            hardship_statement(letter_input(("micro",), lang), lang),
            request_letter(letter_input(("cfc", "private"), lang), lang),
        ):
            assert not re.search(r"\bletter_[a-z_]+\b", letter.text), letter.text
            assert (
                letter.title
                == ui[
                    "letter_hardship_title"
                    if letter.kind == HARDSHIP_STATEMENT
                    else "letter_request_title"
                ][lang]
            )
            assert letter_title(letter.kind, lang) == letter.title
    with pytest.raises(DomainError) as caught:
        letter_title("poem", "zh")
    assert caught.value.code == "letter.kind_unknown"


def test_the_chinese_letter_has_no_english_words_and_the_english_one_no_chinese_prose():
    zh = request_letter(letter_input(("micro",), "zh"), "zh").text
    en = request_letter(letter_input(("micro",), "en"), "en").text
    assert not re.search(r"[A-Za-z]{4,}", zh.replace("micro", ""))
    # Chinese in the English letter comes only from names the borrower and lender gave.
    names = ("李明（示例）", "某网络小额贷款有限公司")
    stripped = en
    for name in names:
        stripped = stripped.replace(name, "")
    assert not re.search(r"[\u4e00-\u9fff]", stripped)


# ---------------------------------------------------------------------------------------------
# Edited letters: the text sent is the text rendered


def test_an_edit_survives_into_the_html_and_the_pdf(tmp_path):
    letter = request_letter(letter_input(("micro",)), "zh")
    changed = letter.text.replace(
        "感谢贵方的理解与支持。", "本人已于12月1日先行还款500元，感谢贵方。"
    )
    edited = edited_letter(letter, body=changed)
    assert "先行还款500元" in letter_html(edited)
    pdf = letter_pdf(edited, date(2026, 11, 29))
    extracted = pdf_text(pdf, tmp_path)
    assert "先行还款500元" in extracted
    assert "感谢贵方的理解与支持" not in extracted
    assert any(f.embedded and "WenQuanYi" in f.name for f in pdf_fonts(pdf, tmp_path))


def test_hostile_text_is_escaped_in_html_and_still_renders_to_pdf(tmp_path):
    long_line = "长" * 3000 + "x" * 2000
    body = "致：<b>贵方</b>\n\n<script>alert('x')</script> & 𠀀 \u0000\u202e\n\n" + long_line
    letter = Letter(REQUEST_LETTER, "zh", "<i>标题</i>", body)
    html = letter_html(letter)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>贵方" not in html and "&lt;i&gt;标题&lt;/i&gt;" in html
    assert "𠀀" in html and "\u0000" not in html
    pdf = letter_pdf(letter, date(2026, 11, 29))
    assert pdf.startswith(b"%PDF-")
    extracted = pdf_text(pdf, tmp_path)
    assert "<script>alert('x')</script>" in extracted
    assert extracted.count("长") == 3000  # the long line wraps; nothing is cut off
    assert extracted.replace("\n", "").count("x" * 40) >= 1


def test_paragraphs_and_line_breaks_are_kept_as_written():
    letter = Letter(HARDSHIP_STATEMENT, "en", "T", "one\n  two\n\n\n three\r\nfour\n")
    assert paragraphs(letter.text) == ["one\n  two", " three\nfour"]
    html = letter_html(letter)
    assert "one\n  two</p>" in html and " three\nfour</p>" in html


def test_an_edit_too_long_or_with_a_long_title_is_refused():
    letter = Letter(REQUEST_LETTER, "zh", "标题", "正文")
    with pytest.raises(DomainError) as caught:
        edited_letter(letter, body="字" * (MAX_TEXT_CHARS + 1))
    assert (caught.value.code, caught.value.field) == ("letter.text_too_long", "text")
    with pytest.raises(DomainError) as caught:
        edited_letter(letter, title="题" * 201)
    assert caught.value.code == "letter.title_too_long"
    assert edited_letter(letter, title="  \n ").title == "标题"  # a blank title keeps the old one
    assert edited_letter(letter, title="新\n标题").title == "新 标题"


def test_the_text_download_is_the_title_then_the_body():
    letter = Letter(REQUEST_LETTER, "zh", "标题", "\n第一段\n\n第二段\n\n")
    assert letter_plain(letter) == "标题\n\n第一段\n\n第二段\n"
