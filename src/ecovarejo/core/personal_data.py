"""The vocabulary every context uses to declare its personal data (LGPD), and the generic walker over it.

Each context declares, in its own ``personal_data.py``, a :class:`PersonalData` naming the tables and
columns it owns that hold personal data: the category, the legal basis (LGPD art. 7), the retention, and
what export and erasure do with each column. The declaration rides on the context's ``ContextSpec``;
the privacy context reads them all (ROPA, export, docs) and each context applies its own declaration
when it consumes ``user.erased`` (:func:`erase_subject`). A test walks every model and fails when a
column that looks personal is neither declared here nor listed as not personal with a reason.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .consumers import Consumer
from .crypto import EncryptedJSON
from .db import Base
from .events import Event
from .uow import UnitOfWork


class Category(enum.StrEnum):
    IDENTIFICATION = "identification"  # name, CPF, CNPJ of a person, birth date, display name
    CONTACT = "contact"  # e-mail, phone, push endpoint
    ADDRESS = "address"  # street, number, city, CEP
    FINANCIAL = "financial"  # orders' amounts, payments, card last digits
    BEHAVIOURAL = "behavioural"  # purchases, reviews, loyalty, preferences, what we sent them
    NETWORK = "network"  # IP address, user agent, sign-in times
    CREDENTIAL = "credential"  # password hashes, token hashes, MFA secrets: never exported
    CONSENT = "consent"  # what the person agreed to, when, under which policy version


class Basis(enum.StrEnum):
    """Legal bases for processing (LGPD art. 7)."""

    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    CONTRACT = "contract"
    EXERCISE_OF_RIGHTS = "exercise_of_rights"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CREDIT_PROTECTION = "credit_protection"


BASIS_ARTICLE: dict[Basis, str] = {
    Basis.CONSENT: "LGPD art. 7 I (consent)",
    Basis.LEGAL_OBLIGATION: "LGPD art. 7 II (legal or regulatory obligation)",
    Basis.CONTRACT: "LGPD art. 7 V (performance of a contract)",
    Basis.EXERCISE_OF_RIGHTS: "LGPD art. 7 VI (regular exercise of rights)",
    Basis.LEGITIMATE_INTEREST: "LGPD art. 7 IX (legitimate interest)",
    Basis.CREDIT_PROTECTION: "LGPD art. 7 X (credit protection)",
}


class Erasure(enum.StrEnum):
    """What erasure does to a column (the table's rows may instead be deleted whole)."""

    NULL = "null"  # set to NULL
    ANONYMISE = "anonymise"  # replace by a placeholder that says nothing about the person
    KEEP = "keep"  # kept under a legal obligation (``law`` says which); de-linked from the person


#: Fiscal records: the Código Tributário Nacional keeps tax credits claimable for 5 years (art. 173/174),
#: and invoices (NF-e) must be kept for that period.
FISCAL_LAW = "CTN arts. 173-174 and Ajuste SINIEF 07/2005 (fiscal records kept 5 years)"
#: Consumer-protection claims on a sale prescribe in 5 years (CDC art. 27).
CONSUMER_LAW = "CDC art. 27 (claims over a sale, 5 years)"
#: Proof of consent is kept to show it was given (LGPD art. 8 §2, art. 16 I).
CONSENT_PROOF = "LGPD art. 8 §2 and art. 16 I (proof of consent)"
#: Internet application access logs: 6 months (Marco Civil da Internet, Lei 12.965/2014 art. 15).
MARCO_CIVIL = "Lei 12.965/2014 art. 15 (access logs kept 6 months)"


@dataclass(frozen=True)
class Field:
    column: str
    category: Category
    basis: Basis
    #: How long it is kept, in words (docs, ROPA); ``retention_days`` when a job enforces it.
    retention: str
    erasure: Erasure = Erasure.ANONYMISE
    #: The law that obliges keeping it (required when ``erasure`` is KEEP).
    law: str | None = None
    #: False for secrets (credentials): erased, never handed out.
    export: bool = True
    purpose: str = ""
    #: Kept encrypted at rest.
    encrypted: bool = False


@dataclass(frozen=True)
class PersonalTable:
    table: str
    #: The column that ties a row to the data subject (``user_id``; ``id`` for ``users``); None when
    #: rows are found by content (outbox, stored responses), which the privacy context scrubs.
    subject: str | None
    fields: tuple[Field, ...]
    #: Rows tied to the subject through a parent: (this table's column, parent table, parent's subject
    #: column), e.g. ``("order_id", "orders", "user_id")`` for order items.
    via: tuple[str, str, str] | None = None
    #: ``subject`` holds a formatted key (``"user:{id}"`` for idempotency scopes) rather than the bare id.
    subject_format: str | None = None
    #: ``subject`` holds a keyed pseudonym of the id (:func:`pseudonym` of this kind, under the platform's
    #: secret): the rows are found only by whoever holds the key (the privacy context's export).
    pseudonymous: str | None = None
    #: True: erasure deletes the subject's rows (they only serve the person); False: column rules apply.
    delete_rows: bool = False
    retention_days: int | None = None
    description: str = ""

    def field(self, column: str) -> Field | None:
        return next((f for f in self.fields if f.column == column), None)


@dataclass(frozen=True)
class PersonalData:
    """One context's declaration: its personal tables and, for look-alike columns, why they are not personal."""

    context: str
    tables: tuple[PersonalTable, ...] = ()
    #: ``{table: {column: reason}}`` for columns whose name looks personal but are not (product names).
    not_personal: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Third parties this context shares personal data with (payment providers, carriers): name -> what/why.
    shared_with: dict[str, str] = field(default_factory=dict)
    #: True: the platform runs :func:`erasure_consumer` for this declaration on ``user.erased``. False when
    #: the context erases by itself (users produces the event; notifications also keeps a tombstone).
    erase_on_event: bool = True

    def table(self, name: str) -> PersonalTable | None:
        return next((t for t in self.tables if t.table == name), None)


#: Column names that look personal: a model column matching one must be classified.
LOOKS_PERSONAL = re.compile(
    r"(^|_)(e_?mail|cpf|cnpj|phone|mobile|name|street|address|postal_code|zip|cep|ip|birth|birthday|"
    r"document|tax_id|user_agent|recipient|gender|endpoint|latitude|longitude)($|_)"
)


def looks_personal(column: str) -> bool:
    return bool(LOOKS_PERSONAL.search(column.lower()))


def unclassified_columns(declarations: Iterable[PersonalData], tables: Iterable[Table]) -> list[str]:
    """``table.column`` of every look-alike column no declaration covers."""
    declared: set[tuple[str, str]] = set()
    for d in declarations:
        for t in d.tables:
            declared.update((t.table, f.column) for f in t.fields)
        for table, columns in d.not_personal.items():
            declared.update((table, c) for c in columns)
    return sorted(
        f"{t.name}.{c.name}"
        for t in tables
        for c in t.columns
        if looks_personal(c.name) and (t.name, c.name) not in declared
    )


def _placeholder(table: Table, column: str) -> Any:
    col = table.c[column]
    if isinstance(col.type, JSON | EncryptedJSON):
        return {} if col.nullable is False else None
    if col.nullable:
        return None
    try:
        py = col.type.python_type
    except NotImplementedError:
        return None
    if py is str:
        return "-"
    if py is bool:
        return False
    if py in (int, float, Decimal):
        return 0
    return None


def plain(value: Any) -> Any:
    """A JSON-safe copy of a column value (export)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return _document(value)
    return value


def _document(value: bytes) -> str:
    """A stored document as the archive carries it: text (an NF-e's XML) as it is, binary (a PDF) in base64."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        return base64.b64encode(value).decode("ascii")
    return text


def pseudonym(secret: str, kind: str, value: str) -> str:
    """A keyed pseudonym (HMAC-SHA256 under the platform secret): stable for one shop, meaningless without
    the key. ``kind`` says what ``value`` is (``u``: a user's id; ``v``: an anonymous visitor's cookie)."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def subject_filter(pt: PersonalTable, subject_id: uuid.UUID, *, secret: str | None = None) -> Any:
    """The WHERE clause selecting the subject's rows of ``pt`` (None when found by content only, or by a
    pseudonym and no ``secret`` is given)."""
    table = Base.metadata.tables[pt.table]
    if pt.pseudonymous is not None:
        if secret is None or pt.subject is None:
            return None
        return table.c[pt.subject] == pseudonym(secret, pt.pseudonymous, str(subject_id))
    if pt.via is not None:
        column, parent_name, parent_subject = pt.via
        parent = Base.metadata.tables[parent_name]
        return table.c[column].in_(select(parent.c["id"]).where(parent.c[parent_subject] == subject_id))
    if pt.subject is None:
        return None
    value: Any = pt.subject_format.format(id=subject_id) if pt.subject_format else subject_id
    return table.c[pt.subject] == value


async def export_subject(
    session: AsyncSession, declaration: PersonalData, subject_id: uuid.UUID, *, secret: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The subject's exportable columns, by table, for every table of ``declaration`` keyed by subject
    (the pseudonymous ones too when ``secret`` is given)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for pt in declaration.tables:
        where = subject_filter(pt, subject_id, secret=secret)
        if where is None:
            continue
        table = Base.metadata.tables[pt.table]
        cols = [f.column for f in pt.fields if f.export]
        if not cols:
            continue
        key = [table.c["id"]] if "id" in table.c and "id" not in cols else []
        rows = (await session.execute(select(*key, *(table.c[c] for c in cols)).where(where))).all()
        out[pt.table] = [{k: plain(v) for k, v in row._mapping.items()} for row in rows]
    return out


async def erase_subject(session: AsyncSession, declaration: PersonalData, subject_id: uuid.UUID) -> int:
    """Apply ``declaration``'s erasure rules to the subject's rows; idempotent. Returns rows touched."""
    touched = 0
    for pt in declaration.tables:
        where = subject_filter(pt, subject_id)
        if where is None:
            continue
        table = Base.metadata.tables[pt.table]
        if pt.delete_rows:
            result = await session.execute(delete(table).where(where))
            touched += result.rowcount or 0  # type: ignore[attr-defined]
            continue
        values = {
            f.column: _placeholder(table, f.column)
            for f in pt.fields
            if f.erasure is not Erasure.KEEP and f.column != pt.subject and f.column != "id"
        }
        if values:
            result = await session.execute(update(table).where(where).values(**values))
            touched += result.rowcount or 0  # type: ignore[attr-defined]
    return touched


#: The kernel's own tables: events carry ids where they can, but some still name the person (an
#: order's e-mail for its confirmation); the privacy context purges published events after a grace
#: period and scrubs the subject's values from them on erasure.
KERNEL = PersonalData(
    context="core",
    tables=(
        PersonalTable(
            "outbox",
            None,
            (
                Field(
                    "envelope",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    "7 days after publication (ECOVAREJO_PRIVACY_OUTBOX_GRACE_DAYS)",
                    export=False,
                    purpose="delivering events between contexts",
                ),
            ),
            retention_days=7,
            description="events waiting for or after publication",
        ),
        PersonalTable(
            "dead_letters",
            None,
            (
                Field(
                    "envelope",
                    Category.CONTACT,
                    Basis.LEGITIMATE_INTEREST,
                    "until resolved, 30 days at most",
                    export=False,
                    purpose="repairing failed deliveries",
                ),
            ),
            retention_days=30,
            description="events a consumer failed to handle",
        ),
    ),
    not_personal={"tenants": {"name": "the shop's name"}},
)


ERASED_EVENT = "user.erased"


def erasure_consumer(declaration: PersonalData) -> Consumer:
    """The context's consumer of ``user.erased``: applies its declaration to the subject's rows (idempotent:
    the inbox makes a redelivery a no-op, and erasing erased rows changes nothing)."""

    async def handle(uow: UnitOfWork, event: Event) -> None:
        raw = event.data.get("user_id")
        if not raw:
            return
        await erase_subject(uow.session, declaration, uuid.UUID(str(raw)))

    return Consumer(f"{declaration.context}.erase-declared", ("user-events",), handle, frozenset({ERASED_EVENT}))
