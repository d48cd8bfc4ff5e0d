"""Every message the pages ask for exists in Portuguese and English; money and dates are Brazilian."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ecovarejo.web import messages
from ecovarejo.web.templating import brl, cep, decimal_br, local_date, local_dt

WEB = Path(messages.__file__).parent
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.glob("templates/**/*.html"), *WEB.glob("*.py")]:
        keys |= set(KEY.findall(path.read_text(encoding="utf-8")))
    # ids chosen at run time: flash ids, payment methods, consent purposes, chart titles, menu labels
    from ecovarejo.web.account import CONSENT_PURPOSES
    from ecovarejo.web.admin import MENU
    from ecovarejo.web.pages import FLASH_IDS

    keys |= set(FLASH_IDS) | {f"consent_{p}" for p in CONSENT_PURPOSES} | {label for _, label, _ in MENU}
    from ecovarejo.web.storefront import SCORE_PARTS

    keys |= SCORE_PARTS
    keys -= {"consent_", "pay_", "channel_", "score_part_", "category_", "kind_", "product_status_", "user_type_"}
    keys -= DYNAMIC  # completed from data at run time (the page crawls render them in both languages)
    # (prefixes completed at run time)
    keys |= {f"product_status_{s}" for s in ("active", "draft", "archived")}
    keys |= {f"user_type_{u}" for u in ("customer", "supplier", "admin")}
    from ecovarejo.core.personal_data import Category
    from ecovarejo.web.account import LGPD_KINDS

    keys |= {f"category_{c.value}" for c in Category if c is not Category.CREDENTIAL} | {
        f"kind_{k}" for k in LGPD_KINDS
    }
    keys |= {f"channel_{c}" for c in ("email", "sms", "whatsapp", "push")}
    keys |= {
        "pay_card",
        "pay_pix",
        "pay_invoice",
        "sales_per_day",
        "orders_by_status",
        "top_products",
        "co2_of_sales",
        "low_stock",
    }
    return keys


#: Prefixes completed from data (coupon kinds, NF-e statuses, the shipping form's sections, fields and
#: options, stock states, invoice and quote statuses, quote history steps and payment methods, the DPO's
#: retention periods): each must
#: have the same keys in both languages.
DYNAMIC = {
    "coupon_kind_",
    "nfe_status_",
    "ship_f_",
    "ship_opt_",
    "ship_sec_",
    "stock_state_",
    "instalment_status_",
    "invoice_status_",
    "quote_status_",
    "quote_action_",
    "quote_method_",
    "retention_",
}


def test_dynamic_prefixes_have_the_same_keys_in_both_languages() -> None:
    for prefix in DYNAMIC:
        pt = {k for k in messages.PT_BR if k.startswith(prefix)}
        en = {k for k in messages.EN if k.startswith(prefix)}
        assert pt and pt == en, (prefix, sorted(pt ^ en))


def test_every_used_message_exists_in_both_languages() -> None:
    keys = used_keys()
    assert len(keys) > 150
    missing_pt = sorted(k for k in keys if k not in messages.PT_BR)
    missing_en = sorted(k for k in keys if k not in messages.EN and k != "brand")
    assert not missing_pt, missing_pt
    assert not missing_en, missing_en
    assert set(messages.EN) - set(messages.PT_BR) == set()


def test_brazilian_money_dates_and_numbers() -> None:
    assert brl(Decimal("1234.5")) == "R$ 1.234,50"
    assert brl({"amount": "89.90", "currency": "BRL"}) == "R$ 89,90"
    assert decimal_br("3.25") == "3,25" and decimal_br("1234.5", 1, "en") == "1,234.5"
    # 02:30 UTC is still the previous evening in São Paulo (UTC-3)
    assert local_dt(datetime(2026, 3, 1, 2, 30, tzinfo=UTC)) == "28/02/2026 23:30"
    assert local_dt("2026-03-01T02:30:00Z", lang="en") == "2026-02-28 23:30"
    # a calendar date (a certificate's expiry) is not shifted by the time zone
    assert local_date("2031-12-31") == "31/12/2031"
    assert cep("01310100") == "01310-100" and cep("01310-100") == "01310-100"
