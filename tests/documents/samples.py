"""Example documents for the tests: a real proposal applied by the domain, fixed dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xieshang.documents.agreement import AgreementDoc, AgreementLoanLine, PartyLine
from xieshang.documents.settlement import SettlementDoc
from xieshang.domain.concessions import FirstPayment, InterestStop, Proposal, Waiver
from xieshang.domain.ledger import BreachRule
from xieshang.domain.proposals import apply_proposal, loan_position

MADE_ON = date(2026, 11, 29)
HEAD = "9f2c4e1a7b3d5f60" * 4  # 64 hex digits, as a SHA-256 head hash

NOTES = {
    "zh": (
        "本协议不影响乙方依法享有的权利；原合同中超过法定上限的利息和费用，乙方保留依法主张的权利。",
        "双方确认，协商期间甲方及其委托的催收机构不得以暴力、威胁、侮辱等方式催收。",
    ),
    "en": (
        "This agreement does not limit Party B's rights under the law; Party B keeps the right to "
        "dispute interest and fees of the original contract above the legal cap.",
        "During the agreement Party A and any collection agency it engages may not collect by "
        "violence, threats or insults.",
    ),
}


def card_outcome():
    position = loan_position(
        as_of=date(2026, 11, 20),
        overdue_principal="18000",
        overdue_interest="2400",
        penalty="1350.50",
        fees_due="120",
        annual_rate="0.18",
    )
    proposal = Proposal((InterestStop(12), Waiver("penalty"), FirstPayment(Decimal("1000"))))
    return position, apply_proposal(position, proposal, start=date(2026, 12, 1))


def sample_agreement(lang: str = "zh", **changes) -> AgreementDoc:
    position, outcome = card_outcome()
    names = {
        "zh": ("张三", "某某消费金融有限公司", "消费金融公司（持牌）", "信用卡分期 尾号 8821"),
        "en": (
            "Zhang San",
            "Example Consumer Finance Co., Ltd.",
            "consumer finance company (licensed)",
            "Card installments ending 8821",
        ),
    }[lang]
    borrower, lender, detail, loan_label = names
    values = {
        "ref": "XS-2026-0001",
        "round": 2,
        "made_on": MADE_ON,
        "lang": lang,
        "borrower": PartyLine(borrower, "110***********1234"),
        "lender": PartyLine(lender, detail, external=True),
        "loans": (
            AgreementLoanLine(
                label=loan_label,
                contract_no="HT-2024-000381",
                owed_before=position.total_owed,
                proposal=outcome.proposal,
                summary=outcome.summary,
            ),
        ),
        "schedule": outcome.schedule,
        "log_head_hash": HEAD,
        "grace_days": 3,
        "breach_rule": BreachRule(max_overdue_installments=2, max_days_overdue=60),
        "legal_notes": NOTES[lang],
    }
    values.update(changes)
    return AgreementDoc(**values)


def sample_settlement(lang: str = "zh", **changes) -> SettlementDoc:
    names = {
        "zh": ("张三", "某某消费金融有限公司"),
        "en": ("Zhang San", "Example Consumer Finance Co., Ltd."),
    }[lang]
    values = {
        "ref": "XS-2026-0001-S",
        "made_on": date(2027, 12, 3),
        "lang": lang,
        "borrower": PartyLine(names[0], "110***********1234"),
        "lender": PartyLine(names[1], None, external=True),
        "agreement_ref": "XS-2026-0001",
        "agreement_sha256": "3b5d" * 16,
        "total_paid": Decimal("20520.00"),
        "payments_count": 13,
        "first_paid_on": date(2026, 12, 1),
        "last_paid_on": date(2027, 12, 1),
        "settled_on": date(2027, 12, 1),
    }
    values.update(changes)
    return SettlementDoc(**values)
