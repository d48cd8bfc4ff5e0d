"""In a real browser at 390 px: the cookie banner refuses, the footer's "Cookies" link reopens the choice,
a customised acceptance lets the analytics behaviour events through (the shop's searches report shows
only the search made after it); without JavaScript the same form posts and redirects back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support import eventually

from .conftest import LiveServer, Tab, needs_browser, run_async
from .test_shop import assert_accessible, csp_errors

pytestmark = needs_browser


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Tab, LiveServer]]:
    live: LiveServer = request.getfixturevalue("live_server" if request.param == "sqlite" else "live_server_pg")
    context = browser.new_context(base_url=live.url, locale="pt-BR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield Tab(page, errors), live
    context.close()


def _cookie(page: Any, name: str) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == name), None)


def _searched(live: LiveServer) -> set[str]:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        r = c.get("/api/v1/analytics/reports/searches", params={"limit": 1000}, headers=live.root_headers())
        assert r.status_code == 200, r.text
        return {row[0] for row in r.json()["rows"]}


def test_banner_at_390px_gates_the_behaviour_events(shop: tuple[Tab, LiveServer], browser: Any) -> None:
    tab, live = shop
    page = tab.page
    tag = uuid.uuid4().hex[:8]
    before, refused, accepted = f"antes-{tag}", f"recusado-{tag}", f"aceito-{tag}"

    page.goto("/")
    banner = page.locator("#consent-banner")
    assert banner.is_visible() and "Cookies e privacidade" in banner.inner_text()
    box = banner.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for button in ("#consent-accept", "#consent-reject", "#consent-customise"):
        b = page.locator(button).bounding_box()
        assert b is not None and b["x"] + b["width"] <= 390, button
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    tab.shot("60-consent-banner")
    assert_accessible(tab, "home with the consent banner")

    page.goto(f"/busca?q={before}")  # no choice yet
    page.click("#consent-reject")  # htmx: the banner becomes a confirmation, no reload
    page.locator("#consent-banner.consent-saved").wait_for()
    assert "Sua escolha de cookies foi salva." in page.locator("#consent-banner").inner_text()
    assert _cookie(page, "ev_consent") == "none" and _cookie(page, "ev_vid")
    page.goto(f"/busca?q={refused}")
    assert page.locator("#consent-banner").count() == 0  # chosen: the banner stays away

    page.click("#cookie-preferences-link")  # the footer reopens the choice
    page.wait_for_url("**/privacidade/cookies")
    assert "Estatísticas de uso da loja: recusado" in page.locator("#consent-current").inner_text()
    assert_accessible(tab, "cookie preferences")
    page.check("#consent-analytics")
    page.click("#consent-save")
    page.locator("#consent-banner.consent-saved").wait_for()
    assert _cookie(page, "ev_consent") == "analytics"
    page.goto(f"/busca?q={accepted}")

    seen = run_async(lambda: eventually(lambda: accepted in _searched(live) and _searched(live)))
    assert before not in seen and refused not in seen
    assert not csp_errors(tab), tab.console_errors

    # without JavaScript: the same form posts and comes back to the page with a confirmation
    context = browser.new_context(
        base_url=live.url, locale="pt-BR", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        plain = context.new_page()
        plain.set_default_timeout(20_000)
        plain.goto("/termos")
        plain.click("#consent-accept")
        plain.wait_for_url("**/termos?ok=consent_saved")
        assert "Sua escolha de cookies foi salva." in plain.locator("main").inner_text()
        assert _cookie(plain, "ev_consent") == "analytics.marketing"
        assert plain.locator("#consent-banner").count() == 0
    finally:
        context.close()
