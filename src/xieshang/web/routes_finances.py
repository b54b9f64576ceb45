"""The borrower's statement of finances: the form, its repayment capacity, the printable statement.

``GET /finances`` shows the stored statement (the borrower's own, or a counselor's chosen
client's) as a form: household, income rows, spending by category with the national reference
figure beside each category, asset rows; and the repayment capacity the services compute from
what was saved.  ``POST /finances`` with ``action``:

* ``save`` (the default): checked on the server — a refused form comes back (400) with the
  message beside each bad field and everything typed kept; a good one replaces the statement
  through ``services.statements.put_statement`` and redirects (303) to ``/finances?saved=1``;
* ``preview``: the capacity of what was typed, computed by the same service functions, without
  saving (no JavaScript needed: the figure is always the server's);
* ``add_income`` / ``add_asset``: the same form with one more blank row; nothing is checked
  or saved.

Debts itemised in the statement (entered through the API or CLI; this form has no rows for
them) are carried over unchanged when the form is saved.

``GET /finances/print`` is the saved statement laid out for printing (the print stylesheet
hides the navigation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.data.living_costs import NBS_CATEGORIES, load_reference_living_costs
from xieshang.domain.affordability import (
    AssetKind,
    Capacity,
    ExpenseCategory,
    IncomeKind,
    Statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.money import money
from xieshang.domain.reference_costs import NATIONAL, Area, ConsumptionFigure
from xieshang.present.charts import bar_chart
from xieshang.services import profile, statements
from xieshang.services.loans import local_today
from xieshang.services.statements import (
    AssetLine,
    DebtLine,
    ExpenseLine,
    IncomeLine,
    StatementInput,
    StatementView,
)

from .lang import page_lang
from .render import label, render
from .session import container_of, page_router
from .subject import Subject, borrower_subject

router = page_router()

MAX_ROWS = 30  # rows per section a form may carry
MAX_PEOPLE = 100  # like the API's household counts
MAX_TEXT = 40
COUNTS = ("adults", "children", "other_dependents")
CATEGORIES = tuple(ExpenseCategory)
INCOME_KINDS = tuple(k.value for k in IncomeKind)
ASSET_KINDS = tuple(k.value for k in AssetKind)
ROW_FIELD = re.compile(r"^(income|asset)-(\d{1,3})-(kind|amount|regular|value|liquid)$")
# Where a field the services name (``incomes[1].monthly``) is shown on the form.
SERVICE_FIELD = re.compile(r"^(incomes|assets|expenses)\[(\d+)\]\.(\w+)$")


# ---------------------------------------------------------------- the form's values (text)


@dataclass
class FinancesForm:
    """What the form shows: every value as the text typed (or stored)."""

    adults: str = "1"
    children: str = "0"
    other_dependents: str = "0"
    province: str = ""
    urban: str = ""  # "", "urban", "rural"
    incomes: list[dict[str, Any]] | None = None  # kind, amount, regular
    expenses: dict[str, str] | None = None  # category → amount
    assets: list[dict[str, Any]] | None = None  # kind, value, liquid

    def __post_init__(self) -> None:
        self.incomes = self.incomes if self.incomes is not None else []
        self.expenses = self.expenses if self.expenses is not None else {}
        self.assets = self.assets if self.assets is not None else []


def _blank_income() -> dict[str, Any]:
    return {"kind": IncomeKind.WAGES.value, "amount": "", "regular": True}


def _blank_asset() -> dict[str, Any]:
    return {"kind": AssetKind.CASH.value, "value": "", "liquid": False}


def _with_blank_rows(form: FinancesForm) -> FinancesForm:
    """A section with no rows gets one blank row to type into."""
    if not form.incomes:
        form.incomes = [_blank_income()]
    if not form.assets:
        form.assets = [_blank_asset()]
    return form


def form_of(statement: Statement) -> FinancesForm:
    """The form showing a stored statement (lines of one category added up)."""
    h = statement.household
    expenses: dict[str, Decimal] = {}
    for e in statement.expenses:
        expenses[e.category.value] = expenses.get(e.category.value, Decimal(0)) + e.monthly_amount
    return FinancesForm(
        adults=str(h.adults),
        children=str(h.children),
        other_dependents=str(h.other_dependents),
        province=h.province or "",
        urban="" if h.urban is None else ("urban" if h.urban else "rural"),
        incomes=[
            {"kind": x.kind.value, "amount": str(x.monthly_amount), "regular": x.regular}
            for x in statement.incomes
        ],
        expenses={c: str(a) for c, a in expenses.items()},
        assets=[
            {"kind": a.kind.value, "value": str(a.value), "liquid": a.liquid}
            for a in statement.assets
        ],
    )


def _text(data: FormData, name: str) -> str:
    value = data.get(name)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def read_form(data: FormData) -> FinancesForm:
    """The form as posted; rows in the order of their numbers, at most ``MAX_ROWS`` each."""
    rows: dict[str, dict[int, dict[str, Any]]] = {"income": {}, "asset": {}}
    for key in data:
        found = ROW_FIELD.match(key)
        if found is None or int(found.group(2)) >= MAX_ROWS:
            continue
        section, n = found.group(1), int(found.group(2))
        rows[section].setdefault(n, {})
    incomes = [
        {
            "kind": _text(data, f"income-{n}-kind"),
            "amount": _text(data, f"income-{n}-amount"),
            "regular": bool(data.get(f"income-{n}-regular")),
        }
        for n in sorted(rows["income"])
    ]
    assets = [
        {
            "kind": _text(data, f"asset-{n}-kind"),
            "value": _text(data, f"asset-{n}-value"),
            "liquid": bool(data.get(f"asset-{n}-liquid")),
        }
        for n in sorted(rows["asset"])
    ]
    return FinancesForm(
        adults=_text(data, "adults"),
        children=_text(data, "children"),
        other_dependents=_text(data, "other_dependents"),
        province=_text(data, "province"),
        urban=_text(data, "urban"),
        incomes=incomes,
        expenses={c.value: _text(data, f"expense-{c.value}") for c in CATEGORIES},
        assets=assets,
    )


# ---------------------------------------------------------------- checking it


def _count(text: str, name: str, minimum: int) -> int:
    """A household count typed as ``text``; refusals name ``household.<name>``."""
    if text == "" and name != "adults":
        return 0
    params: dict[str, object] = {"value": text}
    if not text.isdigit():
        problem = "household.count_not_integer"
    elif int(text) < minimum:
        problem = "household.no_adults" if name == "adults" else "household.count_negative"
    elif int(text) > MAX_PEOPLE:
        problem = "web.count_out_of_range"
        params.update(low=minimum, high=MAX_PEOPLE)
    else:
        return int(text)
    raise DomainError(problem, field=f"household.{name}", **params)


def check_form(form: FinancesForm) -> tuple[StatementInput | None, dict[str, DomainError]]:
    """The statement input for a form, or the errors by form field (every bad field at once).

    A row without an amount is a blank row and left out.  Amounts go through the domain's
    ``money`` parser (``1,234.5`` is fine; negatives, floats' tricks and junk are refused).
    """
    errors: dict[str, DomainError] = {}
    counts: dict[str, int] = {}
    for name in COUNTS:
        try:
            counts[name] = _count(getattr(form, name), name, 1 if name == "adults" else 0)
        except DomainError as error:
            errors[name] = error
    province = form.province or None
    if province is not None and province not in province_names():
        errors["province"] = DomainError("reference.province_unknown", field="household.province")
    urban = {"urban": True, "rural": False}.get(form.urban)

    incomes: list[IncomeLine] = []
    for i, row in enumerate(form.incomes or []):
        if not row["amount"]:
            continue
        if row["kind"] not in INCOME_KINDS:
            errors[f"income-{i}-kind"] = DomainError(
                "income.kind_unknown", field=f"incomes[{i}].kind", value=row["kind"]
            )
        try:
            amount = money(row["amount"], field=f"incomes[{i}].monthly", allow_negative=False)
            incomes.append(IncomeLine(row["kind"], amount, bool(row["regular"])))
        except DomainError as error:
            errors[f"income-{i}-amount"] = error
    expenses: list[ExpenseLine] = []
    for category in CATEGORIES:
        typed = (form.expenses or {}).get(category.value, "")
        if not typed:
            continue
        try:
            amount = money(typed, field=f"expense_{category.value}", allow_negative=False)
            expenses.append(ExpenseLine(category.value, amount))
        except DomainError as error:
            errors[f"expense-{category.value}"] = error
    assets: list[AssetLine] = []
    for i, row in enumerate(form.assets or []):
        if not row["value"]:
            continue
        if row["kind"] not in ASSET_KINDS:
            errors[f"asset-{i}-kind"] = DomainError(
                "asset.kind_unknown", field=f"assets[{i}].kind", value=row["kind"]
            )
        try:
            value = money(row["value"], field=f"assets[{i}].value", allow_negative=False)
            assets.append(AssetLine(row["kind"], value, bool(row["liquid"])))
        except DomainError as error:
            errors[f"asset-{i}-value"] = error
    if errors:
        return None, errors
    return (
        StatementInput(
            adults=counts["adults"],
            children=counts["children"],
            other_dependents=counts["other_dependents"],
            province=province,
            urban=urban,
            incomes=incomes,
            expenses=expenses,
            assets=assets,
        ),
        {},
    )


def form_field_of(service_field: str | None, data: StatementInput) -> str:
    """The form field for a field the services named (``expenses[0].monthly`` → the first
    category typed), else ``form`` (shown above the form; the form's own checks come first, so
    this is for what only the services know)."""
    if not service_field:
        return "form"
    if service_field.startswith("household."):
        name = service_field.removeprefix("household.")
        return name if name in (*COUNTS, "province") else "form"
    found = SERVICE_FIELD.match(service_field)
    if found is None:
        return "form"
    section, index = found.group(1), int(found.group(2))
    if section == "expenses" and index < len(data.expenses):
        return f"expense-{data.expenses[index].category}"
    # Income and asset lines were numbered without the blank rows: above the form.
    return "form"


# ---------------------------------------------------------------- reference figures


def province_names() -> tuple[str, ...]:
    return load_reference_living_costs().province_names()


@dataclass(frozen=True, slots=True)
class CategoryReference:
    """National per-capita consumption by category for one household (monthly)."""

    year: int
    source: str
    persons: int
    monthly: Mapping[str, Decimal]


def category_reference(persons: int) -> CategoryReference | None:
    """The reference figure beside each NBS category for ``persons`` people: the latest year
    in which all eight categories are shipped (so they add up to that year's total)."""
    ref = load_reference_living_costs()
    by_year: dict[int, dict[ExpenseCategory, ConsumptionFigure]] = {}
    for f in ref.national:
        if f.region == NATIONAL and f.area is Area.ALL and f.category is not None:
            by_year.setdefault(f.year, {})[f.category] = f
    complete = [y for y, found in by_year.items() if all(c in found for c in NBS_CATEGORIES)]
    if not complete or persons < 1:
        return None
    year = max(complete)
    figures = by_year[year]
    return CategoryReference(
        year=year,
        source=figures[NBS_CATEGORIES[0]].source,
        persons=persons,
        monthly={c.value: figures[c].household_monthly(Decimal(persons)) for c in NBS_CATEGORIES},
    )


def _persons(form: FinancesForm) -> int:
    total = 0
    for name in COUNTS:
        text = getattr(form, name)
        total += min(int(text), MAX_PEOPLE) if text.isdigit() else (1 if name == "adults" else 0)
    return max(total, 1)


# ---------------------------------------------------------------- pages


def _stored(request: Request, subject: Subject) -> StatementView | None:
    container = container_of(request)
    try:
        return statements.get_statement(container.uow(), subject.actor, subject.borrower_id)
    except DomainError as error:
        if error.code == "access.not_found" and error.field == "statement":
            return None
        raise


def capacity_chart(capacity: Capacity, lang: str) -> Markup:
    """Income, what comes off it and what is left for creditors, as bars (the same figures
    are in the table beside it)."""
    return bar_chart(
        label("web_finances_chart_title", lang),
        [
            (label("web_finances_income_counted", lang), capacity.monthly_income),
            (label("web_finances_essential_costs", lang), capacity.essential_living_costs),
            (label("web_finances_buffer", lang), capacity.buffer),
            (label("web_finances_capacity_heading", lang), capacity.repayment_capacity),
        ],
    )


def _page(
    request: Request,
    subject: Subject,
    form: FinancesForm,
    *,
    capacity: Capacity | None,
    errors: Mapping[str, DomainError] | None = None,
    notice: str = "",
    debts_kept: int = 0,
    status: int = 200,
) -> Response:
    return render(
        request,
        "finances",
        user=subject.actor,
        status=status,
        form=_with_blank_rows(form),
        errors=dict(errors or {}),
        capacity=capacity,
        chart=capacity_chart(capacity, page_lang(request)) if capacity is not None else None,
        notice=notice,
        debts_kept=debts_kept,
        categories=CATEGORIES,
        income_kinds=INCOME_KINDS,
        asset_kinds=ASSET_KINDS,
        provinces=province_names(),
        reference=category_reference(_persons(form)),
    )


@router.get("/finances")
def finances_page(request: Request, saved: str = "") -> Response:
    subject = borrower_subject(request)
    view = _stored(request, subject)
    statement = view.statement if view is not None else None
    form = form_of(statement) if statement is not None else FinancesForm()
    return _page(
        request,
        subject,
        form,
        capacity=view.capacity if view is not None else None,
        notice="saved" if saved == "1" and view is not None else "",
        debts_kept=len(statement.debts) if statement is not None else 0,
    )


def _kept_debts(view: StatementView | None) -> list[DebtLine]:
    if view is None or view.statement is None:
        return []
    return [
        DebtLine(
            d.creditor,
            d.balance,
            d.monthly_payment,
            format((d.annual_rate * 100).normalize(), "f"),
        )
        for d in view.statement.debts
    ]


@router.post("/finances")
async def finances_submit(request: Request) -> Response:
    subject = borrower_subject(request)
    data = await request.form()
    action = data.get("action")
    form = read_form(data)
    view = _stored(request, subject)
    debts = _kept_debts(view)
    if action in ("add_income", "add_asset"):
        rows = form.incomes if action == "add_income" else form.assets
        if rows is not None and len(rows) < MAX_ROWS:
            rows.append(_blank_income() if action == "add_income" else _blank_asset())
        return _page(request, subject, form, capacity=None, debts_kept=len(debts))
    checked, errors = check_form(form)
    if checked is None:
        return _page(
            request,
            subject,
            form,
            capacity=None,
            errors=errors,
            status=400,
            debts_kept=len(debts),
        )
    checked = StatementInput(
        adults=checked.adults,
        children=checked.children,
        other_dependents=checked.other_dependents,
        province=checked.province,
        urban=checked.urban,
        incomes=checked.incomes,
        expenses=checked.expenses,
        assets=checked.assets,
        debts=debts,
    )
    container = container_of(request)
    try:
        if action == "preview":
            capacity = statements.capacity_of(statements.build_statement(checked))
            return _page(
                request,
                subject,
                form,
                capacity=capacity,
                notice="preview",
                debts_kept=len(debts),
            )
        statements.put_statement(
            container.uow(), subject.actor, subject.borrower_id, checked, now=container.clock()
        )
    except DomainError as error:
        if error.code.startswith("access."):
            raise
        field = form_field_of(error.field, checked)
        return _page(
            request,
            subject,
            form,
            capacity=None,
            errors={field: error},
            status=400,
            debts_kept=len(debts),
        )
    return RedirectResponse("/finances?saved=1", status_code=303)


@router.get("/finances/print")
def statement_print(request: Request) -> Response:
    subject = borrower_subject(request)
    view = _stored(request, subject)
    container = container_of(request)
    statement = view.statement if view is not None else None
    persons = 0
    if statement is not None:
        h = statement.household
        persons = h.adults + h.children + h.other_dependents
    return render(
        request,
        "statement_print",
        user=subject.actor,
        view=view,
        statement=statement,
        today=local_today(container.clock()),
        updated=local_today(view.updated_at) if view is not None else None,
        name=subject.client_name or profile.me(container.uow, subject.actor).user.display_name,
        reference=category_reference(persons) if persons else None,
        categories=CATEGORIES,
    )
