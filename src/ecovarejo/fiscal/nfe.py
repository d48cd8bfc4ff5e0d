"""NF-e issuing: one note per paid order, sent to the provider outside any transaction, retried with
backoff, never lost.

- ``order.paid`` (any buyer, consumer or company) writes the order's note row, ``queued`` and due now,
  in the consumer's transaction (idempotent by order: a replayed event finds the row), and wakes the
  worker once that commits. The ``fiscal.nfe`` job also runs due notes (a missed wake-up, retries).
- A worker *claims* a due note (compare-and-set on ``next_attempt_at``, so two workers never send the
  same note), calls the provider with no transaction open, then records what it learnt.
- Unreachable provider: retried with exponential backoff (``nfe_retry_base`` × 2^n, at most one hour);
  after ``nfe_max_attempts`` the note is ``failed`` — still listed for staff, who retry it.
- Refused data, SEFAZ rejection or denial: ``rejected`` / ``denied`` with the provider's message. The
  order is left as it is (paid); the note is the flag staff see in the admin list.
- Authorized: the access key, number, series, protocol, the XML (checked: :mod:`.nfe_xml`) and the
  DANFE PDF are kept on the row; the customer downloads them.
- ``order.refunded`` for the whole order asks for cancellation: done by the worker within 24 h of the
  authorization (the legal window); past it, the note stays authorized and is flagged
  (``cancel_window_passed``: a return NF-e is due, which is not built).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.users import public as users

from . import repository as repo
from .models import Nfe
from .nfe_payload import MissingFiscalData, Recipient, build_payload
from .nfe_provider import NfeProvider, NfeState, ProviderRefused, ProviderUnavailable
from .nfe_xml import InvalidNfeXml, check_nfe_xml
from .nfe_xsd import schema_errors
from .ports import InvoiceSource
from .service import products_fiscal, settings_document, tax_rules
from .settings import FiscalSettings

log = structlog.get_logger("ecovarejo.fiscal.nfe")
#: The legal window to cancel an authorized NF-e (Ajuste SINIEF 07/2005, cláusula décima segunda).
CANCEL_WINDOW = timedelta(hours=24)
#: How long a worker holds a claimed note before another may take it (a crashed worker's note comes back).
LEASE = timedelta(minutes=2)
FLAGGED = frozenset({"rejected", "failed", "denied"})
_tasks: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True)
class NfeView:
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    user_id: uuid.UUID
    model: str
    provider: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    error_code: str | None
    error: str | None
    po_number: str | None
    chave: str | None
    number: str | None
    series: str | None
    protocol: str | None
    authorized_at: datetime | None
    has_xml: bool
    has_danfe: bool
    cancel_requested: bool
    cancelled_at: datetime | None
    cce_count: int
    cce_text: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def flagged(self) -> bool:
        return self.status in FLAGGED or self.error_code is not None

    def as_dict(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d is not None else None

        return {
            "id": str(self.id), "order_id": str(self.order_id), "order_number": self.order_number,
            "model": self.model, "provider": self.provider, "status": self.status, "flagged": self.flagged,
            "attempts": self.attempts, "next_attempt_at": iso(self.next_attempt_at), "error_code": self.error_code,
            "error": self.error, "po_number": self.po_number, "chave": self.chave, "number": self.number,
            "series": self.series, "protocol": self.protocol, "authorized_at": iso(self.authorized_at),
            "has_xml": self.has_xml, "has_danfe": self.has_danfe, "cancel_requested": self.cancel_requested,
            "cancelled_at": iso(self.cancelled_at), "cce_count": self.cce_count, "cce_text": self.cce_text,
            "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
        }  # fmt: skip


def view(row: Nfe) -> NfeView:
    return NfeView(
        id=row.id, order_id=row.order_id, order_number=row.order_number, user_id=row.user_id, model=row.model,
        provider=row.provider, status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        error_code=row.error_code, error=row.error, po_number=row.po_number, chave=row.chave, number=row.number,
        series=row.series, protocol=row.protocol, authorized_at=row.authorized_at, has_xml=row.xml is not None,
        has_danfe=row.danfe is not None, cancel_requested=row.cancel_requested, cancelled_at=row.cancelled_at,
        cce_count=row.cce_count, cce_text=row.cce_text, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


@dataclass
class NfePorts:
    """The NF-e provider of this process (None: no provider configured, notes wait) and its settings."""

    settings: FiscalSettings
    provider: NfeProvider | None = None


def _ports(container: Container) -> NfePorts:
    return container.ports.find(NfePorts) or NfePorts(container.settings.section(FiscalSettings))


def _settings(container: Container) -> FiscalSettings:
    return _ports(container).settings


def _ref(tenant_id: uuid.UUID | None, order_id: uuid.UUID) -> str:
    # Unique across the provider account (several tenants may share it): tenant and order, hex.
    return f"{(tenant_id or uuid.UUID(int=0)).hex[:12]}-{order_id.hex}"


# -- events ----------------------------------------------------------------------------------------


async def enqueue(uow: UnitOfWork, container: Container, data: dict[str, Any]) -> Nfe:
    """The paid order's note, queued (or the one it already has)."""
    order_id = uuid.UUID(str(data["order_id"]))
    row = await repo.nfe_of_order(uow, order_id)
    if row is not None:
        return row
    provider = _ports(container).provider
    row = Nfe(
        order_id=order_id, order_number=str(data.get("order_number") or "")[:20],
        user_id=uuid.UUID(str(data["user_id"])), ref=_ref(uow.tenant_id, order_id), model="55",
        provider=provider.name if provider is not None else "none", status="queued", attempts=0,
        next_attempt_at=container.now(), po_number=data.get("po_number"), cancel_requested=False, cce_count=0,
    )  # fmt: skip
    repo.add(uow, row)
    await uow.flush()
    tenant_id, nfe_id = uow.tenant_id, row.id
    uow.after_commit(lambda: wake(container, tenant_id, nfe_id))
    return row


async def request_cancel(uow: UnitOfWork, container: Container, order_id: uuid.UUID, reason: str) -> Nfe | None:
    """A full refund: cancel the order's note (or never issue it when none exists yet)."""
    row = await repo.nfe_of_order(uow, order_id, lock=True)
    if row is None or row.status in ("cancelled", "not_issued"):
        return row
    now = container.now()
    justification = f"Venda desfeita: pedido reembolsado integralmente. {reason}".strip()[:255]
    if row.status in ("queued", "rejected", "failed"):
        row.status, row.next_attempt_at, row.error_code, row.error = "not_issued", None, None, None
    else:
        row.cancel_requested, row.cancel_reason = True, justification
        if row.status == "authorized":
            row.next_attempt_at = now
    row.updated_at = now
    await uow.flush()
    if row.next_attempt_at is not None:
        tenant_id, nfe_id = uow.tenant_id, row.id
        uow.after_commit(lambda: wake(container, tenant_id, nfe_id))
    return row


def consumers(container: Container) -> list[Consumer]:
    async def on_paid(uow: UnitOfWork, event: Event) -> None:
        await enqueue(uow, container, event.data)

    async def on_refunded(uow: UnitOfWork, event: Event) -> None:
        d = event.data
        if Decimal(str(d.get("refunded_total") or "0")) < Decimal(str(d.get("total") or "0")):
            return  # a partial refund leaves the note as it is (a return note would be due: not built)
        order_id = uuid.UUID(str(d["order_id"]))
        # the event has no free text (envelopes of before had the reason): the orders context's history has it
        reason = d.get("reason") or await container.ports.get(InvoiceSource).refund_reason(uow, order_id)
        await request_cancel(uow, container, order_id, str(reason or ""))

    return [
        Consumer("fiscal.nfe_issue", ("order-events",), on_paid, frozenset({"order.paid"})),
        Consumer("fiscal.nfe_cancel", ("order-events",), on_refunded, frozenset({"order.refunded"})),
    ]


# -- the worker ------------------------------------------------------------------------------------


def wake(container: Container, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID) -> None:
    """Work on the note now, in the background (the job catches whatever this misses). Without a
    provider there is nothing to do now: the job records why the note waits."""
    if _ports(container).provider is None:
        return
    try:
        task = asyncio.get_running_loop().create_task(process(container, tenant_id, nfe_id))
    except RuntimeError:
        return
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def run_due(container: Container, limit: int = 100) -> int:
    """Job: every note with work due, across tenants; returns how many were worked on."""
    async with container.uow(None, read_only=True) as sys_uow:
        due = await repo.due_nfes(sys_uow, container.now(), limit)
    done = 0
    for tenant_id, nfe_id in due:
        try:
            if await process(container, tenant_id, nfe_id):
                done += 1
        except Exception as exc:  # one note's trouble must not stop the others
            log.error("nfe_process_failed", nfe_id=str(nfe_id), error=f"{type(exc).__name__}: {exc}")
    return done


async def process(container: Container, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID) -> bool:
    """One step of the note's work, if it is due and this worker claims it."""
    now = container.now()
    async with container.uow(tenant_id, actor="system:nfe") as uow:
        if not await repo.claim_nfe(uow, nfe_id, now, now + LEASE):
            return False
        await uow.commit()
    provider = _ports(container).provider
    async with container.uow(tenant_id, read_only=True) as uow:
        row = await repo.nfe(uow, nfe_id)
        assert row is not None
        status, ref, cancel = row.status, row.ref, row.cancel_requested
        authorized_at, cancel_reason, attempts = row.authorized_at, row.cancel_reason, row.attempts
        payload: dict[str, Any] | None = None
        po_number: str | None = None
        problem: MissingFiscalData | None = None
        if status == "queued" and provider is not None:
            try:
                payload, po_number = await _payload(uow, container, row)
            except MissingFiscalData as exc:
                problem = exc
    if provider is None:
        await _record(container, tenant_id, nfe_id, next_at=now + _backoff(container, attempts),
                      error_code="provider_not_configured", error="no NF-e provider configured")  # fmt: skip
        return True
    if problem is not None:
        await _record(container, tenant_id, nfe_id, status="rejected", next_at=None, error_code=problem.code,
                      error=problem.message)  # fmt: skip
        return True
    try:
        if status == "queued":
            assert payload is not None
            try:
                await provider.issue(ref, payload)
            except ProviderRefused as exc:
                # A note the provider already has under this reference (a retry after a lost answer) goes on.
                known = await provider.status(ref)
                if known is None or known.status == "erro_autorizacao":
                    await _record(container, tenant_id, nfe_id, status="rejected", next_at=None,
                                  error_code=exc.code[:60], error=exc.message, attempts=attempts + 1)  # fmt: skip
                    return True
            await _record(container, tenant_id, nfe_id, status="processing", next_at=now, attempts=attempts + 1,
                          error_code=None, error=None, po_number=po_number)  # fmt: skip
            status = "processing"
        if status == "processing":
            await _poll(container, provider, tenant_id, nfe_id, ref)
        elif status == "authorized" and cancel:
            await _cancel(container, provider, tenant_id, nfe_id, ref, authorized_at, cancel_reason or "")
        else:
            await _record(container, tenant_id, nfe_id, next_at=None)
    except ProviderUnavailable as exc:
        await _unavailable(container, tenant_id, nfe_id, attempts, str(exc))
    return True


async def _payload(uow: UnitOfWork, container: Container, row: Nfe) -> tuple[dict[str, Any], str | None]:
    source = container.ports.get(InvoiceSource)
    order = await source.order_to_invoice(uow, row.order_id)
    if order is None:
        raise MissingFiscalData("order_not_found", "the order no longer exists")
    buyer = await users.get_buyer(uow, order.user_id)
    if buyer is not None and buyer.company is not None:
        c = buyer.company
        recipient = Recipient(c.legal_name, cnpj=c.cnpj, state_registration=c.state_registration)
    else:
        name = " ".join(p for p in (buyer.user.first_name, buyer.user.last_name) if p) if buyer else ""
        recipient = Recipient(name or str(order.shipping_address.get("recipient") or ""),
                              cpf=await users.buyer_cpf(uow, order.user_id))  # fmt: skip
    document, _ = await settings_document(uow)
    payload = build_payload(
        order, recipient=recipient, rules=await tax_rules(uow), issuer_cnpj=document.get("issuer_cnpj"),
        products=await products_fiscal(uow, [line.sku for line in order.lines]), issued_at=container.now(),
    )  # fmt: skip
    return payload, order.po_number


def _backoff(container: Container, attempts: int) -> timedelta:
    base = _settings(container).nfe_retry_base
    return timedelta(seconds=min(base * (2 ** max(attempts, 0)), 3600.0))


async def _unavailable(container: Container, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID, attempts: int,
                       error: str) -> None:  # fmt: skip
    attempts += 1
    if attempts >= _settings(container).nfe_max_attempts:
        await _record(container, tenant_id, nfe_id, status="failed", next_at=None, attempts=attempts,
                      error_code="provider_unavailable", error=error)  # fmt: skip
        log.error("nfe_failed", nfe_id=str(nfe_id), attempts=attempts, error=error)
        return
    await _record(container, tenant_id, nfe_id, next_at=container.now() + _backoff(container, attempts),
                  attempts=attempts, error_code="provider_unavailable", error=error)  # fmt: skip


async def _poll(container: Container, provider: NfeProvider, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID,
                ref: str) -> None:  # fmt: skip
    state = await provider.status(ref)
    now = container.now()
    if state is None:  # the provider does not know the note: send it again
        await _record(container, tenant_id, nfe_id, status="queued", next_at=now)
    elif state.status == "processando_autorizacao":
        poll = timedelta(seconds=_settings(container).nfe_poll_interval)
        await _record(container, tenant_id, nfe_id, next_at=now + poll)
    elif state.status == "autorizado":
        await _authorized(container, provider, tenant_id, nfe_id, state)
    elif state.status in ("erro_autorizacao", "denegado"):
        status = "denied" if state.status == "denegado" else "rejected"
        await _record(container, tenant_id, nfe_id, status=status, next_at=None,
                      error_code=f"sefaz_{state.status_sefaz or 'erro'}"[:60], error=state.message)  # fmt: skip
    elif state.status == "cancelado":
        await _record(container, tenant_id, nfe_id, status="cancelled", next_at=None)
    else:
        raise ProviderUnavailable(f"unknown NF-e status {state.status!r}")


async def _authorized(container: Container, provider: NfeProvider, tenant_id: uuid.UUID | None,
                      nfe_id: uuid.UUID, state: NfeState) -> None:  # fmt: skip
    if not state.chave or not state.xml_path or not state.danfe_path:
        raise ProviderUnavailable("authorized note without its key or documents")
    xml = await provider.download(state.xml_path)
    danfe = await provider.download(state.danfe_path)
    try:
        check_nfe_xml(xml, state.chave)
    except InvalidNfeXml as exc:
        raise ProviderUnavailable(f"the XML received is not valid: {exc}") from exc
    if not danfe.startswith(b"%PDF"):
        raise ProviderUnavailable("the DANFE received is not a PDF")
    # The official XSD where installed (nfe_xsd): SEFAZ authorized the note, so a complaint is kept and
    # flagged for staff (error ``xml_schema_invalid``), never a reason to drop the documents.
    schema = schema_errors(xml) if _settings(container).nfe_xsd_validation else None
    now = container.now()
    async with container.uow(tenant_id, actor="system:nfe") as uow:
        row = await repo.nfe(uow, nfe_id, lock=True)
        assert row is not None
        row.status, row.chave, row.number, row.series = "authorized", state.chave, state.number, state.series
        row.protocol, row.xml, row.danfe, row.authorized_at = state.protocol, xml, danfe, now
        row.error_code, row.error = None, None
        if schema:
            row.error_code, row.error = "xml_schema_invalid", "; ".join(schema[:5])[:1000]
        # A full refund that came while SEFAZ was deciding: cancel now.
        row.next_attempt_at = now if row.cancel_requested else None
        row.updated_at = now
        await uow.commit()
    log.info("nfe_authorized", nfe_id=str(nfe_id), chave=state.chave)
    if row.cancel_requested:
        wake(container, tenant_id, nfe_id)


async def _cancel(container: Container, provider: NfeProvider, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID,
                  ref: str, authorized_at: datetime | None, reason: str) -> None:  # fmt: skip
    now = container.now()
    if authorized_at is not None and now - authorized_at > CANCEL_WINDOW:
        await _record(container, tenant_id, nfe_id, next_at=None, cancel_requested=False,
                      error_code="cancel_window_passed",
                      error="the 24-hour cancellation window has passed: issue a return NF-e")  # fmt: skip
        return
    try:
        state = await provider.cancel(ref, reason if len(reason) >= 15 else f"{reason} - venda desfeita"[:255])
    except ProviderRefused as exc:
        await _record(container, tenant_id, nfe_id, next_at=None, cancel_requested=False,
                      error_code=f"cancel_{exc.code}"[:60], error=exc.message)  # fmt: skip
        return
    xml = await provider.download(state.cancel_xml_path) if state.cancel_xml_path else None
    await _record(container, tenant_id, nfe_id, status="cancelled", next_at=None, cancel_requested=False,
                  cancelled_at=now, cancel_xml=xml, error_code=None, error=None)  # fmt: skip


_UNSET: Any = object()


async def _record(
    container: Container, tenant_id: uuid.UUID | None, nfe_id: uuid.UUID, *, next_at: datetime | None = _UNSET,
    **values: Any,
) -> None:  # fmt: skip
    async with container.uow(tenant_id, actor="system:nfe") as uow:
        row = await repo.nfe(uow, nfe_id, lock=True)
        assert row is not None
        if next_at is not _UNSET:
            row.next_attempt_at = next_at
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = container.now()
        await uow.commit()


# -- staff and customers ----------------------------------------------------------------------------


async def order_nfe(uow: UnitOfWork, order_id: uuid.UUID) -> NfeView | None:
    """The order's NF-e, if it has one (web pages: the order page's download links, the admin's flag)."""
    row = await repo.nfe_of_order(uow, order_id)
    return view(row) if row is not None else None


async def get(uow: UnitOfWork, order_id: uuid.UUID) -> Nfe:
    row = await repo.nfe_of_order(uow, order_id)
    if row is None:
        raise NotFound("this order has no NF-e", code="nfe_not_found")
    return row


async def retry(uow: UnitOfWork, container: Container, order_id: uuid.UUID) -> Nfe:
    """Staff: send a rejected or failed note again (after fixing its data), now."""
    row = await repo.nfe_of_order(uow, order_id, lock=True)
    if row is None:
        raise NotFound("this order has no NF-e", code="nfe_not_found")
    if row.status not in ("rejected", "failed", "queued"):
        raise Conflict(f"a note that is {row.status} cannot be sent again", code="nfe_not_retryable",
                       extra={"nfe_status": row.status})  # fmt: skip
    row.status, row.attempts, row.next_attempt_at = "queued", 0, container.now()
    row.updated_at = container.now()
    await uow.flush()
    tenant_id, nfe_id = uow.tenant_id, row.id
    uow.after_commit(lambda: wake(container, tenant_id, nfe_id))
    return row


async def correct(container: Container, tenant_id: uuid.UUID | None, order_id: uuid.UUID, text: str) -> Nfe:
    """Staff: a correction letter (CC-e) for an authorized note; the provider answers at once."""
    text = " ".join(text.split())
    if not 15 <= len(text) <= 1000:
        raise InvalidInput("a correction has 15 to 1000 characters", code="invalid_correction")
    async with container.uow(tenant_id, read_only=True) as uow:
        row = await get(uow, order_id)
        if row.status != "authorized":
            raise Conflict(f"only an authorized note takes a correction (this one is {row.status})",
                           code="nfe_not_authorized", extra={"nfe_status": row.status})  # fmt: skip
        ref, nfe_id = row.ref, row.id
    provider = _ports(container).provider
    if provider is None:
        raise Conflict("no NF-e provider is configured", code="provider_not_configured")
    try:
        state = await provider.correct(ref, text)
        xml = await provider.download(state.cce_xml_path) if state.cce_xml_path else None
        pdf = await provider.download(state.cce_pdf_path) if state.cce_pdf_path else None
    except ProviderRefused as exc:
        raise InvalidInput(exc.message, code="correction_refused", extra={"provider_code": exc.code}) from exc
    except ProviderUnavailable as exc:
        raise Conflict("the NF-e provider is unavailable; try again later", code="provider_unavailable",
                       extra={"error": str(exc)}) from exc  # fmt: skip
    async with container.uow(tenant_id, actor="staff:cce") as uow:
        locked = await repo.nfe(uow, nfe_id, lock=True)
        assert locked is not None
        locked.cce_count = state.cce_number or locked.cce_count + 1
        locked.cce_text, locked.cce_xml, locked.cce_pdf = text, xml, pdf
        locked.updated_at = container.now()
        await uow.commit()
    return locked
