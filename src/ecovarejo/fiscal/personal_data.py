"""The fiscal context's personal data (LGPD): none in tax settings and products' fiscal data."""

from __future__ import annotations

from ecovarejo.core.personal_data import PersonalData

DECLARATION = PersonalData(
    context="fiscal",
    not_personal={
        "fiscal_tax_settings": {"document": "the shop's tax settings (origin state, regime, ICMS rates)"},
    },
)
