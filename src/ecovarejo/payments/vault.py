"""Stored cards (PCI SAQ-A: no card number ever reaches our servers). A stored card is the *provider's*
reusable token (Stripe's ``pm_…``, the sandbox's ``tok_sbx_…``) made by the provider's own browser form;
the vault keeps it sealed and gives the rest of the system a token of its own.

- **Tokens** are random (``vtok_`` + 24 random bytes), unrelated to the card or the provider's token.
- **Owner**: every card belongs to one customer (``owner_id``). Lookups, charges and detokenization
  check it; a token of someone else's card is answered exactly like an unknown one, and deduplication by
  fingerprint is per owner (two customers with the same card get two tokens; neither learns of the other).
- **Fingerprint**: HMAC-SHA-256 of the provider's card fingerprint under a per-tenant key (derived with
  HKDF from the tenant's first data key), for duplicate detection per owner.
- **Envelope encryption**: the provider's token (a credential: it can be charged) is sealed with
  AES-256-GCM under the tenant's current data key; data keys are stored wrapped (AES-256-GCM) by the
  master key. Every ciphertext starts with its key version, so old data decrypts after a rotation:
  :meth:`Vault.rotate_data_key` adds a new data key for new cards, :func:`rewrap_all` re-wraps every data
  key under a new master key.
- **Tenant binding**: the associated data of each seal names the tenant (and the token / key version), so
  a ciphertext copied to another tenant's row does not decrypt.
- No card number, no CVV: :meth:`Vault.store` takes :class:`~.providers.base.CardInfo` (what the provider
  says of its token), which has neither.
- Outside payments only :class:`StoredCard` is visible (last 4, brand, expiry). :meth:`Vault.detokenize`
  (the provider's token, for a charge) writes an audit row each time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import struct
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import ext_repository as repo
from .ext_models import VaultAccess, VaultKey, VaultToken
from .providers.base import CardInfo

FORMAT = 1
#: Distinct from providers' token prefixes (Stripe's legacy ``tok_``), so a source names its owner.
TOKEN_PREFIX = "vtok_"
_HEADER = struct.Struct(">BI")  # format byte, key version
#: The sealed plaintext: ``ptok1|<provider>|<provider's token>``.
SEALED_FORMAT = "ptok1"


class VaultError(Exception):
    """A ciphertext did not decrypt (wrong tenant, tampered, or unknown key version)."""


def master_key_id(key: bytes) -> int:
    """A master key's version number, derived from the key itself (so a deployment configured with only
    the new key after a re-wrap still finds it): 31 bits of a SHA-256 over it (fits a signed INTEGER column)."""
    return int.from_bytes(hashlib.sha256(b"ecovarejo-master-key|" + key).digest()[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class MasterKeys:
    """Master keys by version (their key id); ``current`` wraps new data keys."""

    keys: dict[int, bytes]
    current: int

    def __post_init__(self) -> None:
        if not self.keys or any(len(k) != 32 for k in self.keys.values()) or self.current not in self.keys:
            raise ValueError("master keys are 32 bytes and the current one is among them")

    @classmethod
    def of(cls, *keys: bytes) -> MasterKeys:
        """A ring of keys; the last one is current."""
        return cls({master_key_id(k): k for k in keys}, master_key_id(keys[-1]))

    @classmethod
    def single(cls, key: bytes) -> MasterKeys:
        return cls.of(key)


@dataclass(frozen=True)
class ProviderToken:
    """A stored card as a charge needs it: the provider that tokenized it and its reusable token."""

    provider: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class StoredCard:
    """What the rest of the system may see of a stored card."""

    token: str
    last4: str
    brand: str
    exp_month: int
    exp_year: int


def seal(key: bytes, version: int, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return _HEADER.pack(FORMAT, version) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def version_of(blob: bytes) -> int:
    fmt, version = _HEADER.unpack_from(blob)
    if fmt != FORMAT:
        raise VaultError("unknown ciphertext format")
    return int(version)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    start = _HEADER.size
    try:
        return AESGCM(key).decrypt(blob[start : start + 12], blob[start + 12 :], aad)
    except InvalidTag as exc:
        raise VaultError("ciphertext does not decrypt (wrong key, tenant or data)") from exc


def _key_aad(tenant_id: uuid.UUID, version: int) -> bytes:
    return f"ecovarejo-vault-key|{tenant_id}|{version}".encode()


def _card_aad(tenant_id: uuid.UUID, token: str) -> bytes:
    return f"ecovarejo-vault-card|{tenant_id}|{token}".encode()


class Vault:
    def __init__(self, master: MasterKeys) -> None:
        self.master = master

    # ------------------------------------------------------------------ data keys
    def _unwrap(self, row: VaultKey) -> bytes:
        version = version_of(row.wrapped_key)
        if version not in self.master.keys:
            raise VaultError(f"master key version {version} is not loaded")
        return open_sealed(self.master.keys[version], row.wrapped_key, _key_aad(row.tenant_id, row.version))

    async def _keys(self, uow: UnitOfWork) -> dict[int, bytes]:
        rows = await repo.vault_keys(uow)
        if not rows:
            await self.rotate_data_key(uow)
            rows = await repo.vault_keys(uow)
        return {row.version: self._unwrap(row) for row in rows}

    async def rotate_data_key(self, uow: UnitOfWork) -> int:
        """Add a new data key version for this tenant; new cards use it, old cards keep theirs."""
        tenant_id = _tenant(uow)
        while True:
            rows = await repo.vault_keys(uow)
            version = (rows[-1].version + 1) if rows else 1
            wrapped = seal(
                self.master.keys[self.master.current],
                self.master.current,
                AESGCM.generate_key(bit_length=256),
                _key_aad(tenant_id, version),
            )
            row = VaultKey(version=version, wrapped_key=wrapped, master_version=self.master.current)
            if await repo.add_vault_key(uow, row):
                return version

    def _fingerprint(self, keys: dict[int, bytes], tenant_id: uuid.UUID, value: str) -> str:
        fp_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"ecovarejo-vault-fingerprint|{tenant_id}".encode()
        ).derive(keys[min(keys)])
        return hmac.new(fp_key, value.encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ cards
    async def store(self, uow: UnitOfWork, *, owner_id: uuid.UUID, card: CardInfo) -> StoredCard:
        """Keep ``owner_id``'s card: the provider's reusable token, sealed, with what the provider says of
        the card (brand, last 4, expiry). The same owner storing the same card again (same provider
        fingerprint) gets their existing token back, now naming the newest provider token and expiry."""
        if not (1 <= card.exp_month <= 12 and 2000 <= card.exp_year <= 2099):
            raise InvalidInput("invalid card expiry", code="invalid_card_expiry")
        if not card.token or "|" in card.provider or len(card.token) > 1024:
            raise InvalidInput("invalid provider token", code="invalid_provider_token")
        tenant_id = _tenant(uow)
        keys = await self._keys(uow)
        fingerprint = self._fingerprint(keys, tenant_id, f"{card.provider}|{card.fingerprint}")
        version = max(keys)
        plain = f"{SEALED_FORMAT}|{card.provider}|{card.token}".encode()
        existing = await repo.token_by_fingerprint(uow, owner_id, fingerprint)
        if existing is not None:  # the owner's card again: renewed
            existing.exp_month, existing.exp_year = card.exp_month, card.exp_year
            existing.ciphertext = seal(keys[version], version, plain, _card_aad(tenant_id, existing.token))
            existing.key_version = version
            await uow.flush()
            return _stored(existing)
        value = TOKEN_PREFIX + secrets.token_urlsafe(24)
        row = VaultToken(
            owner_id=owner_id,
            token=value,
            fingerprint=fingerprint,
            ciphertext=seal(keys[version], version, plain, _card_aad(tenant_id, value)),
            key_version=version,
            last4=card.last4[-4:],
            brand=card.brand[:20],
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )
        if not await repo.add_token(uow, row):  # a concurrent request stored the same card
            existing = await repo.token_by_fingerprint(uow, owner_id, fingerprint)
            assert existing is not None
            return _stored(existing)
        return _stored(row)

    async def _owned(self, uow: UnitOfWork, token: str, owner_id: uuid.UUID | None) -> VaultToken:
        """The token's row when ``owner_id`` owns it (``None``: a system caller that checked ownership
        already). Someone else's token, a quarantined one or a missing one: the same 404."""
        row = await repo.token(uow, token)
        if row is None or row.owner_id is None or (owner_id is not None and row.owner_id != owner_id):
            raise NotFound("unknown card token", code="card_token_not_found")
        return row

    async def card(self, uow: UnitOfWork, token: str, *, owner_id: uuid.UUID | None) -> StoredCard:
        return _stored(await self._owned(uow, token, owner_id))

    async def detokenize(
        self, uow: UnitOfWork, token: str, *, owner_id: uuid.UUID | None, purpose: str, actor: str | None
    ) -> ProviderToken:
        """The provider's token behind a vault token, for a charge. Audited; only payments calls this."""
        row = await self._owned(uow, token, owner_id)
        keys = await self._keys(uow)
        version = version_of(row.ciphertext)
        if version not in keys:
            raise VaultError(f"data key version {version} is missing")
        plain = open_sealed(keys[version], row.ciphertext, _card_aad(_tenant(uow), row.token)).decode()
        fmt, _, rest = plain.partition("|")
        provider, _, provider_token = rest.partition("|")
        if fmt != SEALED_FORMAT or not provider or not provider_token:
            raise NotFound("unknown card token", code="card_token_not_found")  # not a provider token: unusable
        repo.audit_access(uow, VaultAccess(token=token, purpose=purpose[:100], actor=actor))
        await uow.flush()
        return ProviderToken(provider, provider_token)


async def rewrap_all(uow: UnitOfWork, old: MasterKeys, new: MasterKeys) -> int:
    """Re-wrap every data key (all tenants: a system unit of work) under ``new``'s current master key.
    The data keys themselves do not change, so every stored card still decrypts."""
    count = 0
    for row in await repo.all_vault_keys(uow):
        version = version_of(row.wrapped_key)
        ring = {**new.keys, **old.keys}
        if version not in ring:
            raise VaultError(f"master key version {version} is not loaded")
        plain = open_sealed(ring[version], row.wrapped_key, _key_aad(row.tenant_id, row.version))
        wrapped = seal(new.keys[new.current], new.current, plain, _key_aad(row.tenant_id, row.version))
        await repo.set_wrapped(uow, row.id, wrapped, new.current)
        count += 1
    await uow.flush()
    return count


def _tenant(uow: UnitOfWork) -> uuid.UUID:
    if uow.tenant_id is None:
        raise RuntimeError("the vault works inside a tenant's unit of work")
    return uow.tenant_id


def _stored(row: VaultToken) -> StoredCard:
    return StoredCard(row.token, row.last4, row.brand, row.exp_month, row.exp_year)
