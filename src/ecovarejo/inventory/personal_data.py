"""The inventory context keeps no personal data (LGPD): stock is about products and warehouses."""

from __future__ import annotations

from ecovarejo.core.personal_data import PersonalData

DECLARATION = PersonalData(context="inventory", not_personal={"warehouses": {"name": "a warehouse's name"}})
