"""Data-subject rights over the users context's data (LGPD art. 18), driven by :mod:`.personal_data`.

Export hands out every classified column (secrets excluded). Erasure anonymises the account and
deletes what only serves it (addresses, sessions, one-time tokens, recovery codes, OAuth codes); the
consent ledger is kept without IP addresses as proof of consent (art. 16 I), and the loyalty ledger
keeps amounts tied to an anonymous account.
"""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.personal_data import export_subject
from ecovarejo.core.uow import UnitOfWork

from . import authflows
from . import repository as repo
from .contacts import ERASED_HASH
from .models import (
    Address,
    AuthorizationCode,
    ConsentEntry,
    EmailChange,
    OneTimeToken,
    RecoveryCode,
    RefreshToken,
)
from .personal_data import DECLARATION

#: Tables whose rows are deleted at erasure (they only serve the account).
DELETED_AT_ERASURE = tuple(t.table for t in DECLARATION.tables if t.delete_rows)
MODELS: dict[str, type[Any]] = {
    "user_addresses": Address,
    "refresh_tokens": RefreshToken,
    "user_one_time_tokens": OneTimeToken,
    "mfa_recovery_codes": RecoveryCode,
    "oauth_authorization_codes": AuthorizationCode,
    "user_email_changes": EmailChange,
}


async def export_personal_data(uow: UnitOfWork, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]] | None:
    """Every exportable personal-data column of the subject, by table (credentials excluded); None if unknown."""
    if await repo.get_user(uow, user_id) is None:
        return None
    return await export_subject(uow.session, DECLARATION, user_id)


async def erase_personal_data(uow: UnitOfWork, user_id: uuid.UUID) -> bool:
    """Anonymise the account and delete its personal data; emits ``user.erased``. False if unknown."""
    user = await repo.get_user(uow, user_id)
    if user is None:
        return False
    for table in DELETED_AT_ERASURE:
        for row in await repo.rows_of_subject(uow, MODELS[table], "user_id", user_id):
            await uow.session.delete(row)
    for entry in await repo.rows_of_subject(uow, ConsentEntry, "user_id", user_id):
        entry.ip = None
    await repo.delete_company_join_requests(uow, user.email)  # asked, before having an account, to join one
    user.email = f"erased-{user.id.hex}@erased.invalid"
    user.first_name = "-"
    user.last_name = "-"
    user.phone = None
    user.cpf = None
    user.password_hash = ERASED_HASH  # not a hash: no password verifies
    user.mfa_secret = None
    user.mfa_enabled = False
    user.mfa_last_step = None
    user.marketing_opt_in = False
    user.last_login_at = None
    user.is_active = False
    user.company_id = None
    user.is_company_admin = False
    await uow.flush()
    uow.emit(authflows.TOPIC, "user.erased", {"user_id": str(user.id)}, subject=f"user/{user.id}")
    return True
