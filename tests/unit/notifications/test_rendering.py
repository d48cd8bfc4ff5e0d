"""Every message renders in pt-BR and English: subject, plain text, HTML (escaped) and short text."""

from __future__ import annotations

import pytest

from ecovarejo.notifications.rendering import LOCALES, TEMPLATES, Renderer, normalize_locale

EVIL = "<script>alert(1)</script>"

CONTEXTS: dict[str, dict] = {
    "email_verification": {"verify_url": "https://l.example/v?t=1", "expires_at": "2026-11-29T12:00:00Z"},
    "password_reset": {"reset_url": "https://l.example/r?t=1", "expires_at": "2026-11-29T12:00:00Z"},
    "security_alert": {"kind": "new_sign_in", "when": "2026-11-29T12:00:00Z", "ip": "203.0.113.1", "user_agent": EVIL},
    "order_confirmation": {
        "order_number": "EV-1",
        "total": "1234.5",
        "currency": "BRL",
        "carbon_footprint_kg": "12.345",
        "sustainability_score": 90,
        "items": [{"name": EVIL, "sku": "S", "quantity": 1, "unit_price": "1234.50"}],
    },
    "payment_confirmed": {"order_number": "EV-1", "total": "10"},
    "payment_pending": {
        "order_number": "EV-1",
        "method": "boleto",
        "amount": "10",
        "expires_at": "2026-12-01T02:59:00Z",
        "boleto_line": "34191.79001 01043.510047 91020.150008 1 96610000010000",
        "pix_copy_paste": None,
    },
    "approval_requested": {"amount": "300.00", "lines": 2, "note": EVIL, "approval_id": "a1"},
    "invoice_overdue": {
        "order_number": "EV-1",
        "po_number": EVIL,
        "number": 1,
        "count": 3,
        "amount": "10",
        "due_on": "2026-12-01",
        "boleto_line": "34191.79001 01043.510047 91020.150008 1 96610000010000",
    },
    "order_shipped": {"order_number": "EV-1", "carrier": "Correios", "tracking_code": "BR1", "tracking_url": None},
    "order_delivered": {"order_number": "EV-1"},
    "ready_for_pickup": {
        "order_number": "EV-1",
        "point_name": EVIL,
        "point_address": "Rua Harmonia 123, São Paulo/SP",
        "hours": "9h–18h",
        "tracking_code": "EVR1BR",
    },
    "order_refunded": {"order_number": "EV-1", "amount": "5.5"},
    "order_cancelled": {"order_number": "EV-1", "total": "5.5"},
    "quote_sent": {
        "quote_number": "COT-1",
        "total": "1276.00",
        "payment_terms": EVIL,
        "valid_until": "2026-12-31T23:59:00Z",
        "url": "/conta/cotacoes/1",
    },
    "back_in_stock": {"product_name": EVIL, "sku": "S", "product_path": "/products/1"},
    "certification_expiring": {"name": "Canudo", "sku": "C", "certification": "FSC", "expiry": "2026-12-31"},
    "promotion": {"headline": "Oferta", "message": EVIL, "unsubscribe_url": "https://l.example/u?token=a&b=c"},
    "test_message": {},
    "email_change": {"confirm_url": "https://l.example/c?token=1", "expires_at": "2026-11-29T12:00:00Z"},
    "inactive_account": {"erase_on": "2026-12-29T12:00:00Z", "years": 5, "login_url": "https://l.example/entrar"},
}


def test_every_template_has_a_sample() -> None:
    assert set(CONTEXTS) == set(TEMPLATES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_renders_in_both_languages(name: str, locale: str) -> None:
    out = Renderer().render(name, locale, {"first_name": "Ana", **CONTEXTS[name]})
    assert out.subject and "\n" not in out.subject and out.short
    assert out.text.strip() and out.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in out.html
    assert ("Olá, Ana!" if locale == "pt-BR" else "Hello Ana,") in out.text
    assert "<script>" not in out.html  # autoescape
    assert "&lt;" not in out.text and "&amp;" not in out.text  # plain text is plain


def test_languages_differ_and_money_is_brl() -> None:
    r = Renderer()
    pt = r.render("order_confirmation", "pt-BR", CONTEXTS["order_confirmation"])
    en = r.render("order_confirmation", "en", CONTEXTS["order_confirmation"])
    assert pt.subject == "Pedido EV-1 confirmado" and en.subject == "Order EV-1 confirmed"
    assert "R$ 1.234,50" in pt.text and "R$ 1.234,50" in en.text
    assert "12,35 kg CO2e" in pt.text and "12.35 kg CO2e" in en.text


def test_boleto_and_expiry_in_sao_paulo_time() -> None:
    out = Renderer().render("payment_pending", "pt-BR", CONTEXTS["payment_pending"])
    assert out.subject == "Boleto do pedido EV-1"
    assert "34191.79001 01043.510047" in out.text and "30/11/2026 23:59" in out.text


def test_marketing_footer_carries_the_unsubscribe_link() -> None:
    out = Renderer().render("promotion", "pt-BR", CONTEXTS["promotion"])
    assert "https://l.example/u?token=a&b=c" in out.text
    assert 'href="https://l.example/u?token=a&amp;b=c"' in out.html


def test_unknown_template_is_refused() -> None:
    with pytest.raises(KeyError):
        Renderer().render("nope", "pt-BR", {})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("pt-BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        ("pt", "pt-BR"),
        ("en", "en"),
        ("en-US", "en"),
        ("EN_gb", "en"),
        (None, "pt-BR"),
        ("", "pt-BR"),
        ("de-DE", "pt-BR"),
    ],
)
def test_locale_normalisation(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_security_alert_kinds() -> None:
    r = Renderer()
    subjects = {
        kind: r.render(
            "security_alert", "en", {"kind": kind, "when": "2026-11-29T12:00:00Z", "ip": None, "user_agent": None}
        ).subject
        for kind in ("new_sign_in", "password_changed", "mfa_enabled", "mfa_disabled")
    }
    assert len(set(subjects.values())) == 4 and subjects["mfa_enabled"] == "Two-step verification turned on"


def test_odd_values_are_shown_as_given_rather_than_failing() -> None:
    ctx = {**CONTEXTS["payment_pending"], "amount": "dez reais", "expires_at": "amanhã"}
    out = Renderer().render("payment_pending", "pt-BR", ctx)
    assert "dez reais" in out.text and "amanhã" in out.text
    out = Renderer().render("certification_expiring", "en", {**CONTEXTS["certification_expiring"], "expiry": "soon"})
    assert "soon" in out.subject


@pytest.mark.parametrize("kind", ["email_change_requested", "email_changed", "email_in_use"])
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_email_change_alerts_render(kind: str, locale: str) -> None:
    context = {"kind": kind, "when": "2026-11-29T12:00:00Z", "new_email": "n***@example.com",
               "report_url": "https://l.example/nao-fui-eu?token=r"}  # fmt: skip
    out = Renderer().render("security_alert", locale, context)
    assert "n***@example.com" in out.text or kind == "email_in_use"
    assert ("https://l.example/nao-fui-eu?token=r" in out.text) == (kind == "email_change_requested")
