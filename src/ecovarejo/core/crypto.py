"""Encryption at rest of personal data (LGPD art. 46): envelope encryption with AES-256-GCM.

- **Data keys** are random 256-bit AES keys, stored in ``crypto_keys`` only *wrapped* (AES-256-GCM) by a
  key-encryption key (KEK) from the settings (``ECOVAREJO_DATA_KEK``: base64 keys, comma separated, the
  first one current; derived from the platform secret when empty). The table holds no usable key
  without the KEK; on PostgreSQL the restricted application role cannot read it at all (keys are loaded
  by the owner role at the start of a transaction, before the role switch).
- **Columns** typed :class:`Encrypted` hold ``ev1:<key id>:<base64(nonce | ciphertext | tag)>``; the
  associated data names the column (``users.cpf``), so a value copied into another column does not
  decrypt. Reading and writing stay plain Python strings for the code above the ORM.
- **Blind index**: :func:`blind_index` is an HMAC-SHA-256 of the tenant and the normalised value under
  a separate index key (never rotated with the data keys), for lookups by equality (CPF uniqueness)
  without decrypting; it reveals only equality, within a tenant.
- **Rotation**: :func:`rotate` adds a new current data key when the current one is older than the
  rotation period (90 days), re-encrypts rows under older keys in batches (resumable: a row under the
  current key is done, so a crashed run continues where it stopped), re-wraps keys under the current
  KEK, and retires an old key (its material erased) only once no row uses it and every process has had
  time to load the new one. Until then the old key still decrypts.

Data keys are platform-wide rather than per tenant: a column type sees the value, not the row, so it
cannot pick a tenant's key; tenants are kept apart by row-level security and the blind index includes
the tenant.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import struct
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Integer, LargeBinary, String, Table, Text, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .db import Base, utcnow

PREFIX = "ev1:"
DATA = "data"
INDEX = "index"
ACTIVE = "active"
RETIRED = "retired"
#: How often a process reloads the key table (a key added by another process is picked up by then).
KEYRING_TTL = 60.0
ROTATION_DAYS = 90


class CryptoError(Exception):
    """A value or a key did not decrypt (wrong KEK, unknown or retired key, tampered data)."""


class CryptoKey(Base):
    """A wrapped key: ``wrapped`` is ``kek id (4 bytes) | nonce | AES-GCM(KEK, key)``; emptied once retired."""

    __tablename__ = "crypto_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    purpose: Mapped[str] = mapped_column(String(10))
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a newer data key became current (the rotation's start).
    superseded_at: Mapped[datetime | None] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column()
    #: Rotation progress, on the key rows are being re-encrypted to.
    reencrypted: Mapped[int] = mapped_column(Integer, default=0)
    remaining: Mapped[int | None] = mapped_column(Integer)
    rotation_finished_at: Mapped[datetime | None] = mapped_column()


_KEYS: Table = CryptoKey.__table__  # type: ignore[assignment]


def kek_id(key: bytes) -> int:
    """A KEK's id, derived from the key (31 bits, fits a signed INTEGER)."""
    return int.from_bytes(hashlib.sha256(b"ecovarejo-kek|" + key).digest()[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class Keks:
    """Key-encryption keys by id; ``current`` wraps new and re-wrapped data keys."""

    keys: dict[int, bytes]
    current: int

    @classmethod
    def of(cls, *keys: bytes) -> Keks:
        if not keys or any(len(k) != 32 for k in keys):
            raise ValueError("key-encryption keys are 32 bytes")
        return cls({kek_id(k): k for k in keys}, kek_id(keys[0]))

    @classmethod
    def from_settings(cls, configured: str, secret: str) -> Keks:
        """``configured``: base64 keys, comma separated, current first; empty: one derived from ``secret``."""
        if configured.strip():
            return cls.of(*(_b64(part.strip()) for part in configured.split(",") if part.strip()))
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ecovarejo-data-kek").derive(
            secret.encode()
        )
        return cls.of(derived)


def _b64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def _key_aad(key_id: int, purpose: str) -> bytes:
    return f"ecovarejo-crypto-key|{key_id}|{purpose}".encode()


def wrap(keks: Keks, key_id: int, purpose: str, material: bytes) -> bytes:
    nonce = os.urandom(12)
    kek = keks.keys[keks.current]
    return struct.pack(">I", keks.current) + nonce + AESGCM(kek).encrypt(nonce, material, _key_aad(key_id, purpose))


def unwrap(keks: Keks, key_id: int, purpose: str, blob: bytes) -> bytes:
    (kid,) = struct.unpack_from(">I", blob)
    kek = keks.keys.get(kid)
    if kek is None:
        raise CryptoError(f"key {key_id} is wrapped by a key-encryption key that is not configured ({kid})")
    try:
        return AESGCM(kek).decrypt(blob[4:16], blob[16:], _key_aad(key_id, purpose))
    except InvalidTag as exc:
        raise CryptoError(f"key {key_id} does not unwrap") from exc


def _new_key_id(taken: set[int]) -> int:
    while True:
        candidate = secrets.randbelow(0x7FFFFFFF - 1) + 1
        if candidate not in taken:
            return candidate


@dataclass
class Keyring:
    """The data keys of one database, unwrapped in memory (loaded at a transaction's start when stale)."""

    keks: Keks
    ttl: float = KEYRING_TTL
    data: dict[int, bytes] = field(default_factory=dict)
    current: int | None = None
    index_key: bytes | None = None
    loaded_at: float = float("-inf")
    #: Reloads the key table on a separate connection (set by the database; used on an unknown key id).
    reloader: Any = None
    #: Keys created in a transaction still open: (data keys, current id, index key).
    pending: tuple[dict[int, bytes], int, bytes | None] | None = None
    #: Keys that did not unwrap at the last load (a KEK missing from the settings).
    errors: list[str] = field(default_factory=list)

    def stale(self) -> bool:
        return self.current is None or time.monotonic() - self.loaded_at > self.ttl

    def reset(self) -> None:
        self.loaded_at = float("-inf")
        self.current = None

    def load_sync(self, conn: Connection, *, create: bool) -> bool:
        """Load the live keys through ``conn``; with ``create``, add a data key and an index key when
        none exists. Returns True when it inserted a key (in ``conn``'s transaction)."""
        table = _KEYS
        if create and conn.dialect.name == "postgresql":  # one creator at a time: a single index key
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('ecovarejo-crypto-keys'))"))
        rows = conn.execute(select(table).where(table.c.status == ACTIVE)).all()
        inserted = False
        if create and not any(r.purpose == DATA for r in rows):
            self._insert(conn, DATA, {r.id for r in rows})
            inserted = True
        if create and not any(r.purpose == INDEX for r in rows):
            self._insert(conn, INDEX, {r.id for r in rows})
            inserted = True
        if inserted:
            rows = conn.execute(select(table).where(table.c.status == ACTIVE)).all()
        data: dict[int, bytes] = {}
        newest: tuple[datetime, int] | None = None
        index_key = None
        self.errors = []
        for r in rows:
            if r.wrapped is None:
                continue
            try:
                material = unwrap(self.keks, r.id, r.purpose, r.wrapped)
            except CryptoError as exc:  # a wrong KEK: encrypted columns fail, the rest works
                self.errors.append(str(exc))
                continue
            if r.purpose == INDEX:
                index_key = material
                continue
            data[r.id] = material
            stamp = (_aware(r.created_at), r.id)
            if r.superseded_at is None and (newest is None or stamp > newest):
                newest = stamp
        if newest is None and data:  # every key superseded (a race): the newest wins
            newest = max((_aware(r.created_at), r.id) for r in rows if r.purpose == DATA and r.id in data)
        if not data and self.pending is not None:
            # keys this process created in a transaction not committed yet (SQLite): another
            # connection does not see them, and must not make the keyring forget them
            data, current, index_key = self.pending
            newest = (utcnow(), current)
        self.data, self.index_key = data, index_key
        self.current = newest[1] if newest else None
        self.loaded_at = time.monotonic()
        _known.update(data)
        return inserted

    def _insert(self, conn: Connection, purpose: str, taken: set[int], now: datetime | None = None) -> int:
        all_ids = {r[0] for r in conn.execute(select(_KEYS.c.id)).all()}
        key_id = _new_key_id(taken | all_ids)
        material = AESGCM.generate_key(bit_length=256)
        conn.execute(
            _KEYS.insert().values(
                id=key_id,
                purpose=purpose,
                wrapped=wrap(self.keks, key_id, purpose, material),
                kek_id=self.keks.current,
                status=ACTIVE,
                created_at=now or utcnow(),
                reencrypted=0,
            )
        )
        return key_id

    # ---------------------------------------------------------------- values
    def encrypt(self, plaintext: str, label: str) -> str:
        if self.current is None and self.reloader is not None:
            with contextlib.suppress(Exception):
                self.reloader()
        if self.current is None:
            raise CryptoError("no usable data key: " + ("; ".join(self.errors) or "none loaded"))
        nonce = os.urandom(12)
        sealed = AESGCM(self.data[self.current]).encrypt(nonce, plaintext.encode(), _aad(label, self.current))
        return f"{PREFIX}{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, token: str, label: str) -> str:
        key_id, blob = _split(token)
        key = self.data.get(key_id) or _known.get(key_id)
        if key is None and self.reloader is not None:
            with contextlib.suppress(Exception):
                self.reloader()
            key = self.data.get(key_id)
        if key is None:
            raise CryptoError(f"data key {key_id} is unknown or retired")
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], _aad(label, key_id)).decode()
        except InvalidTag as exc:
            raise CryptoError(f"{label} does not decrypt") from exc

    def blind_index(self, tenant_id: uuid.UUID | None, value: str) -> str:
        if self.index_key is None and self.reloader is not None:
            with contextlib.suppress(Exception):
                self.reloader()
        if self.index_key is None:
            raise CryptoError("no index key loaded")
        message = f"{tenant_id}|{value}".encode()
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()


def _aad(label: str, key_id: int) -> bytes:
    return f"ecovarejo-field|{label}|{key_id}".encode()


def _split(token: str) -> tuple[int, bytes]:
    try:
        _, kid, body = token.split(":", 2)
        return int(kid), base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError) as exc:
        raise CryptoError("malformed encrypted value") from exc


def key_id_of(token: str) -> int | None:
    """The data key a stored value is under (None for a legacy plaintext value)."""
    return _split(token)[0] if token.startswith(PREFIX) else None


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


#: Every data key this process unwrapped, by id (ids are random, so rings of several databases in one
#: process, as in tests, do not collide): a result processed after another session began still decrypts.
_known: dict[int, bytes] = {}
_active: ContextVar[Keyring | None] = ContextVar("ecovarejo_keyring", default=None)


def activate(ring: Keyring | None) -> None:
    """Make ``ring`` the one :class:`Encrypted` columns use in this task (the database does it per session)."""
    if ring is not None:
        _active.set(ring)


@contextlib.contextmanager
def using(ring: Keyring) -> Iterator[Keyring]:
    token = _active.set(ring)
    try:
        yield ring
    finally:
        _active.reset(token)


def active() -> Keyring:
    ring = _active.get()
    if ring is None:
        raise CryptoError("no keyring is active (a session of a Database with a keyring sets it)")
    return ring


def blind_index(tenant_id: uuid.UUID | None, value: str | None) -> str | None:
    return None if not value else active().blind_index(tenant_id, value)


class Encrypted(TypeDecorator[str]):
    """A text column stored encrypted under the active keyring; ``label`` (``table.column``) is bound
    into each ciphertext. A value without the prefix (written before encryption) reads as it is, until
    :func:`rotate` encrypts it. Equality queries on the column cannot work: use a blind index."""

    impl = Text
    cache_ok = True

    def __init__(self, label: str, index: str | None = None) -> None:
        super().__init__()
        self.label = label
        #: The column holding this one's blind index (kept by the model's code; filled by :func:`rotate`
        #: for rows written before encryption).
        self.index = index

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return active().encrypt(value, self.label)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else _open(value, self.label)


def _open(value: str, label: str) -> str:
    if not value.startswith(PREFIX):
        return value
    ring = _active.get()
    if ring is None:
        key_id, blob = _split(value)
        key = _known.get(key_id)
        if key is None:
            raise CryptoError("no keyring is active")
        return AESGCM(key).decrypt(blob[:12], blob[12:], _aad(label, key_id)).decode()
    return ring.decrypt(value, label)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document (an address snapshot) stored as encrypted text, like :class:`Encrypted`; a value
    written before encryption (plain JSON text) reads as it is until :func:`rotate` encrypts it. The
    document cannot be queried inside SQL any more: code reads it whole."""

    impl = Text
    cache_ok = True

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.index: str | None = None

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return active().encrypt(json.dumps(value, ensure_ascii=False, default=str), self.label)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(_open(value, self.label))


def is_encrypted(column: Any) -> bool:
    return isinstance(column.type, Encrypted | EncryptedJSON)


def encrypted_columns() -> list[tuple[Any, Any]]:
    """``(table, column)`` of every encrypted column (:class:`Encrypted`, :class:`EncryptedJSON`) of the models."""
    return [
        (table, column) for table in Base.metadata.sorted_tables for column in table.columns if is_encrypted(column)
    ]


# ------------------------------------------------------------------------------------------- wiring
def install(db: Any, keks: Keks, *, ttl: float = KEYRING_TTL) -> Keyring:
    """Give ``db`` (a :class:`~ecovarejo.core.db.Database`) a keyring: its sessions activate it, and each
    transaction loads the keys when they are stale (creating the first ones on an empty table)."""
    from sqlalchemy.util import await_only

    ring = Keyring(keks, ttl=ttl)

    async def _load(create: bool) -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: ring.load_sync(c, create=create))

    async def _read() -> None:
        # a reader's transaction (SQLite: no write lock, so it never waits for the session that asks)
        async with db.engine.execution_options(ecovarejo_read_only=True).connect() as conn:
            await conn.run_sync(lambda c: ring.load_sync(c, create=False))

    def reload() -> None:
        await_only(_read())

    def on_begin(session: Any, connection: Connection) -> None:
        if not ring.stale() and ring.index_key is not None:
            return
        ring.load_sync(connection, create=False)
        if ring.current is not None and ring.index_key is not None:
            return
        if connection.get_execution_options().get("ecovarejo_read_only"):
            return
        if db.is_postgres:
            # Keys are created and committed apart, so that no transaction uses a key that may roll back.
            await_only(_load(True))
        else:
            # SQLite: this transaction holds the only write lock; the keys commit with it, and a
            # rollback makes the keyring load again.
            if ring.load_sync(connection, create=True) and ring.current is not None:
                ring.pending = (dict(ring.data), ring.current, ring.index_key)
                session.info["crypto_keys_created"] = True

    def on_commit(session: Any) -> None:
        if session.info.pop("crypto_keys_created", False):
            ring.pending = None

    def on_end(session: Any, transaction: Any) -> None:
        if transaction.parent is None and session.info.pop("crypto_keys_created", False):
            ring.pending = None  # rolled back: the keys do not exist
            ring.reset()
            ring.index_key = None

    def activate() -> None:
        _active.set(ring)

    from sqlalchemy import event

    ring.reloader = reload
    db.keyring = ring
    db.begin_hooks.insert(0, on_begin)
    db.activate_hooks.append(activate)
    event.listen(db.session_class, "after_commit", on_commit)
    event.listen(db.session_class, "after_transaction_end", on_end)
    return ring
