"""Settings from environment variables (prefix ``ECOVAREJO_``); nothing set means the embedded default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_", extra="ignore")

    #: ``staging`` is hardened exactly like ``production`` (secrets required, dev tools off, https-only
    #: outbound, HSTS): a staging that is laxer than production tests something else. Any other value is
    #: refused at start.
    env: Literal["development", "test", "staging", "production"] = "development"
    data_dir: Path = Path("var")
    #: ``sqlite+aiosqlite:///var/ecovarejo.db`` when empty; ``postgresql+asyncpg://...`` for scale-out.
    database_url: str = ""
    #: Redis for cache, sessions, carts and rate-limit counters; in-process when empty.
    redis_url: str = ""
    #: ``nats://host:4222`` for NATS JetStream, ``kafka://host:9092`` for Kafka; the in-process bus when empty.
    broker_url: str = ""
    #: Keeps deployments sharing one broker apart: NATS stream ``ECOVAREJO_<NS>`` with subjects
    #: ``ecovarejo-<ns>.*``, Kafka topics ``<ns>.<topic>``. Empty: the seed's names.
    bus_namespace: str = ""
    #: Kafka: the one topic dead records go to (under the namespace); empty: ``<topic>.dlq`` per topic.
    kafka_dlq_topic: str = ""
    #: Secret used for signing non-JWT values (CSRF, unsubscribe links). Generated into DATA_DIR when empty.
    secret_key: str = ""
    #: PEM files of the JWT signing keys; generated into DATA_DIR when empty.
    jwt_private_key_file: Path | None = None
    #: Key-encryption keys of personal data at rest (core/crypto.py): base64 32-byte keys, comma
    #: separated, the current one first (older ones only unwrap until the rotation re-wraps). Empty:
    #: derived from the secret key.
    data_kek: str = ""
    #: A new data key every this many days; the rotation job re-encrypts rows under it (docs/privacy.md).
    key_rotation_days: float = 90.0
    public_url: str = "http://localhost:8000"
    #: Host names outbound requests may reach even when they resolve to a private address (comma
    #: separated; an on-premises gateway). Everything else must be public (see core/outbound.py).
    outbound_allow_hosts: str = ""
    default_tenant_slug: str = "default"
    #: Published events are kept this long (outbox rows after publication, the NATS stream's max age),
    #: then deleted: events may carry personal data (LGPD: keep no more than needed).
    event_retention_days: float = 7.0
    #: Role the app switches to inside each transaction on PostgreSQL, so row-level security applies
    #: even when the login role owns the tables. Empty disables the switch.
    db_app_role: str = "ecovarejo_app"
    db_pool_size: int = 10
    db_echo: bool = False
    log_level: str = "INFO"
    log_json: bool = True
    #: Run the outbox relay and the consumers inside the API process (embedded mode).
    embedded_workers: bool = True
    relay_interval: float = 0.2
    #: The longest wait between polls of an empty outbox (the wait doubles from ``relay_interval``); a
    #: commit in the relay's own process wakes it at once, one in another process waits up to this.
    relay_idle_interval: float = 1.0
    #: Attempts for an event whose handler fails (a bug, bad data) before it becomes a dead letter.
    consumer_max_attempts: int = 5
    consumer_backoff_base: float = 0.5
    consumer_backoff_cap: float = 30.0
    #: Seconds of backoff a consumer spends retrying an event through a database or broker outage
    #: before it becomes a dead letter (15 minutes; docs/events.md).
    consumer_retry_budget: float = 900.0
    services: str = Field(default="", description="comma-separated contexts served by this process; all when empty")
    #: The ops HTTP server of ``ecovarejo worker`` and ``ecovarejo relay`` (``/livez``, ``/readyz``,
    #: ``/metrics``): its port (0: none) and interface. Kubernetes sets 9000 on all interfaces.
    ops_port: int = 0
    ops_host: str = "127.0.0.1"

    #: HTTP server limits (core/serving.py documents them).
    server_max_header_bytes: int = 32 * 1024
    server_header_timeout: float = 10.0
    server_max_concurrency: int = 2000
    #: Proxies trusted to set ``X-Forwarded-For``/``-Proto`` (the scheme decides HSTS and secure cookies).
    forwarded_allow_ips: str = "127.0.0.1"
    #: GraphiQL, GraphQL introspection, ``/docs`` and ``/openapi.json``: on outside production unless set.
    dev_tools: bool | None = None
    #: ``Strict-Transport-Security`` max-age sent on requests that arrived over https (0 turns it off).
    hsts_max_age: int = 31536000

    #: The contexts' own settings (``NotificationSettings``, ``PaymentsSettings``...), one instance each:
    #: see :meth:`section`.
    _sections: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

    def section(self, cls: type[S]) -> S:
        """A context's own settings (its own variables, e.g. ``ECOVAREJO_PAYMENTS_*``), part of these
        settings: the instance given to :meth:`with_sections`, else read from the environment once, the
        first time it is asked for (at bootstrap, which provides it to the context as a port). The
        kernel knows no context: a context's class is the key."""
        found = self._sections.get(cls)
        if found is None:
            found = self._sections[cls] = cls()
        if not isinstance(found, cls):  # pragma: no cover - the key is the class
            raise TypeError(f"{cls.__name__} section holds a {type(found).__name__}")
        return found

    def with_sections(self, *sections: BaseSettings) -> Settings:
        """A copy carrying these context settings instead of reading them from the environment
        (``Settings(...).with_sections(NotificationSettings(smtp_url=...))``)."""
        out = self.model_copy()
        out._sections = {**self._sections, **{type(s): s for s in sections}}
        return out

    @property
    def is_production(self) -> bool:
        """Production rules apply: ``production`` and ``staging`` (see ``env``)."""
        return self.env in ("production", "staging")

    @property
    def dev_tools_enabled(self) -> bool:
        return (not self.is_production) if self.dev_tools is None else self.dev_tools

    def production_problems(self) -> list[str]:
        """What a production process lacks; it refuses to start while any is left (see docs/security.md)."""
        if not self.is_production:
            return []
        problems = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append("ECOVAREJO_SECRET_KEY (32+ characters) is not set")
        if self.jwt_private_key_file is None or not Path(self.jwt_private_key_file).exists():
            problems.append("ECOVAREJO_JWT_PRIVATE_KEY_FILE is not set or does not exist")
        if not self.public_url.startswith("https://"):
            problems.append("ECOVAREJO_PUBLIC_URL must be the https:// address customers use")
        return problems

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ecovarejo.db').as_posix()}"

    @property
    def is_postgres(self) -> bool:
        return self.effective_database_url.startswith("postgresql")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def load_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in DATA_DIR (embedded mode)."""
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.ensure_data_dir() / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
