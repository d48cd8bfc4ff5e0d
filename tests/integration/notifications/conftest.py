"""Real local servers for the notification tests: an SMTP server (aiosmtpd), an HTTP server standing in for
an SMS/WhatsApp provider or a browser's push service, and a container with the notification context."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from ecovarejo.bootstrap import build_container
from ecovarejo.core.auth import Authenticator, Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Unauthorized
from ecovarejo.core.settings import Settings
from ecovarejo.notifications.models import FINAL_STATUSES as FINAL
from ecovarejo.notifications.models import NotificationMessage
from ecovarejo.notifications.plugin import CONTEXT
from ecovarejo.notifications.runtime import runtime_of
from ecovarejo.notifications.settings import NotificationSettings
from tests.conftest import make_settings
from tests.support import eventually, make_tenant


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- SMTP ------------------------------------------------------------------------------------------


@dataclass
class SmtpHandler:
    """Stores what it receives; answers ``fail_code`` to the first ``fail_times`` messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    fail_times: int = 0
    fail_code: str = "451 4.3.0 Try again later"
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.attempts <= self.fail_times:
                return self.fail_code
            msg: Any = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class SmtpServer:
    handler: SmtpHandler
    port: int
    url: str


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(handler, port, f"smtp://127.0.0.1:{port}")
    controller.stop()


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def smtp_authenticator(user: str, password: str) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode()
        return AuthResult(success=ok)

    return check


# -- HTTP (SMS/WhatsApp provider, push service) ------------------------------------------------------


@dataclass
class HttpSink:
    url: str
    requests: list[dict[str, Any]]
    #: Statuses answered in turn; the last one repeats.
    statuses: list[int]


@pytest.fixture
async def http_sink() -> AsyncIterator[HttpSink]:
    sink = HttpSink(url="", requests=[], statuses=[201])

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        sink.requests.append({"path": request.path, "headers": request.headers.copy(), "body": body})
        status = sink.statuses.pop(0) if len(sink.statuses) > 1 else sink.statuses[0]
        return web.json_response({"id": f"prov-{len(sink.requests)}"}, status=status)

    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    sink.url = f"http://127.0.0.1:{port}"
    yield sink
    await runner.cleanup()


# -- the platform ----------------------------------------------------------------------------------


class StaticAuthenticator:
    """The kernel's authenticator port with tokens made here (the users context is tested on its own)."""

    def __init__(self) -> None:
        self.tokens: dict[str, Principal] = {}

    async def authenticate(self, token: str, tenant_id: uuid.UUID) -> Principal:
        p = self.tokens.get(token)
        if p is None or p.tenant_id != tenant_id:
            raise Unauthorized("invalid token")
        return p

    def issue_access_token(self, principal: Principal) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = principal
        return token


@dataclass
class Env:
    container: Container
    tenant: uuid.UUID
    client: httpx.AsyncClient

    @property
    def rt(self) -> Any:
        return runtime_of(self.container)

    def token(self, user_type: str = "customer", user_id: uuid.UUID | None = None) -> str:
        p = Principal(user_id=user_id or uuid.uuid4(), tenant_id=self.tenant, user_type=user_type)
        return str(self.container.ports.get(Authenticator).issue_access_token(p))

    def auth(self, user_type: str = "customer", user_id: uuid.UUID | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_type, user_id)}", "X-Tenant-ID": str(self.tenant)}

    async def emit(self, topic: str, type: str, data: dict[str, Any], tenant: uuid.UUID | None = None) -> uuid.UUID:
        async with self.container.uow(tenant or self.tenant) as uow:
            ev = uow.emit(topic, type, data)
            await uow.commit()
        return ev.id

    async def handled(self, event_id: uuid.UUID, consumer: str) -> None:
        """Wait until ``consumer`` has processed the event (its inbox row exists)."""
        from ecovarejo.core.models import InboxEntry

        async def seen() -> bool:
            async with self.container.db.system_session() as s:
                return await s.get(InboxEntry, (consumer, event_id)) is not None

        await eventually(seen)

    async def messages(self, **filters: Any) -> list[NotificationMessage]:
        async with self.container.db.system_session() as s:
            q = select(NotificationMessage).order_by(NotificationMessage.created_at, NotificationMessage.id)
            for k, v in filters.items():
                q = q.where(getattr(NotificationMessage, k) == v)
            return list((await s.scalars(q)).all())

    async def settle(self, count: int | None = None, timeout: float = 30.0) -> list[NotificationMessage]:
        """Wait until ``count`` messages exist (any, when None) and every message reached a final state."""

        async def done() -> bool:
            msgs = await self.messages()
            enough = len(msgs) >= count if count is not None else bool(msgs)
            return enough and all(m.status in FINAL for m in msgs)

        await eventually(done, timeout)
        return await self.messages()


@pytest.fixture
def notif_values() -> dict[str, Any]:
    """The :class:`NotificationSettings` of containers ``envs`` builds (fast retries by default)."""
    return {"notify_backoff_base": 0.05}


@pytest.fixture
def notif_env(notif_values: dict[str, Any]) -> Callable[..., Any]:
    """Set this context's settings (:class:`NotificationSettings` fields) for containers built afterwards."""

    def set_values(**values: Any) -> None:
        unknown = set(values) - set(NotificationSettings.model_fields)
        assert not unknown, f"not notification settings: {unknown}"
        notif_values.update(values)

    return set_values


@pytest.fixture
def nsettings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def envs(nsettings: Settings, notif_values: dict[str, Any]) -> AsyncIterator[Callable[..., Awaitable[Env]]]:
    """``await envs(**settings overrides)`` builds a started container with the notification context and
    an HTTP client for it (tenant of its own); all are stopped afterwards."""
    from ecovarejo.app import create_app

    built: list[Env] = []

    async def make(*, nats: bool = False, **overrides: Any) -> Env:
        settings = nsettings.model_copy(update=overrides).with_sections(NotificationSettings(**notif_values))
        container = build_container(settings, contexts=[CONTEXT])
        container.ports.provide(Authenticator, StaticAuthenticator())
        if nats:  # NATS JetStream, on a stream of this test's own so runs never see each other's messages
            from ecovarejo.core.bus import NatsBus
            from tests.conftest import BROKER_URL

            suffix = uuid.uuid4().hex[:8]
            container.bus = NatsBus(
                BROKER_URL, container.db, stream=f"N{suffix}", subject_prefix=f"n{suffix}", backoff_base=0.05
            )
        await container.start()
        tenant = await make_tenant(container)
        app = create_app(container=container)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
            headers={"X-Tenant-ID": str(tenant)},
        )
        env = Env(container, tenant, client)
        built.append(env)
        return env

    yield make
    for env in built:
        await env.client.aclose()
        await env.container.stop()
