"""Every API failure answers in one JSON shape, in the request's language, with the right status."""

from __future__ import annotations

from fastapi import Query
from fastapi.testclient import TestClient

from xieshang.api.app import create_app
from xieshang.api.errors import request_lang, status_for
from xieshang.domain.money import money


def client() -> TestClient:
    app = create_app()

    @app.get("/probe/money")
    def probe(amount: str = Query(...)) -> dict[str, str]:
        return {"amount": str(money(amount, field="amount", allow_negative=False))}

    return TestClient(app)


def test_health_answers_ok():
    r = client().get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_a_domain_error_is_400_with_code_message_and_field_in_chinese_by_default():
    r = client().get("/probe/money", params={"amount": "-5"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "amount.negative"
    assert body["field"] == "amount"
    assert "不能为负数" in body["message"]


def test_the_message_follows_accept_language():
    r = client().get(
        "/probe/money", params={"amount": "abc"}, headers={"Accept-Language": "en-GB,en;q=0.8"}
    )
    assert r.json()["message"].startswith("amount is not a valid amount")
    assert r.headers["content-language"] == "en"


def test_a_missing_parameter_is_422_in_the_same_shape():
    r = client().get("/probe/money", headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert set(r.json()) == {"code", "message", "field"}
    assert r.json()["code"] == "request.invalid"


def test_unknown_addresses_and_methods_answer_in_the_same_shape():
    c = client()
    assert c.get("/nowhere").json()["code"] == "http.not_found"
    r = c.post("/healthz")
    assert r.status_code == 405
    assert r.json()["code"] == "http.method_not_allowed"


def test_status_follows_the_code_family():
    assert status_for("auth.throttled") == 429
    assert status_for("upload.too_large") == 413
    assert status_for("upload.type_not_allowed") == 415
    assert status_for("access.forbidden") == 403
    assert status_for("rate.negative") == 400


def test_language_negotiation_prefers_the_highest_weight_we_speak():
    class R:
        def __init__(self, header: str) -> None:
            self.headers = {"accept-language": header}

    assert request_lang(R("fr, en;q=0.5, zh;q=0.9")) == "zh"  # type: ignore[arg-type]
    assert request_lang(R("en-US")) == "en"  # type: ignore[arg-type]
    assert request_lang(R("")) == "zh"  # type: ignore[arg-type]


def test_the_openapi_document_is_served():
    r = client().get("/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "Xieshang API"
