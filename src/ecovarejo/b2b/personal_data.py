"""The b2b context's personal data (LGPD): members and approval requests name people by their user id
only (pseudonymous; the users context holds who they are). Notes are business text about purchases."""

from __future__ import annotations

from ecovarejo.core.personal_data import PersonalData

DECLARATION = PersonalData(
    context="b2b",
    not_personal={"b2b_price_lists": {"name": 'a price list\'s name ("Atacado")'}},
)
