"""This context's settings, from environment variables (prefix ``ECOVAREJO_``); none are required.

Nothing set is the embedded mode: email goes to a local outbox folder under DATA_DIR, SMS/WhatsApp
are off, and the VAPID key pair for Web Push is generated into DATA_DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_", extra="ignore")

    #: ``smtp://user:password@host:587``; ``smtps://`` means implicit TLS. Empty: the local outbox folder.
    smtp_url: str = ""
    #: ``none``, ``starttls`` or ``implicit``; empty picks from the URL (``smtps`` implicit, else STARTTLS
    #: when the server offers it).
    smtp_tls: Literal["", "none", "starttls", "implicit"] = ""
    #: Verify the server's certificate (turn off only for a test server); a CA bundle may be given.
    smtp_verify_tls: bool = True
    smtp_ca_file: Path | None = None
    smtp_timeout: float = 30.0
    #: The From address; defaults to ``no-reply@<public_url host>``.
    mail_from: str = ""
    mail_from_name: str = "EcoVarejo"

    #: HTTP endpoint of the SMS / WhatsApp provider (webhook style); empty disables the channel.
    sms_provider_url: str = ""
    sms_provider_token: str = ""
    whatsapp_provider_url: str = ""
    whatsapp_provider_token: str = ""
    provider_timeout: float = 10.0
    #: Shared secrets with which the providers sign their delivery receipts (HMAC-SHA256 of the body, in
    #: ``X-Signature: sha256=<hex>``); empty refuses receipts for that channel.
    sms_webhook_secret: str = ""
    whatsapp_webhook_secret: str = ""

    #: PEM file of the VAPID private key; generated into DATA_DIR when empty.
    vapid_private_key_file: Path | None = None
    #: The ``sub`` claim of VAPID tokens (a mailto: or https: URL of the operator).
    vapid_subject: str = ""
    push_ttl: int = 86400

    #: Delivery attempts per message before it is dead, and the first retry delay (doubling).
    notify_max_attempts: int = 5
    notify_backoff_base: float = 30.0
    notify_backoff_cap: float = 3600.0
    #: At most this many messages per recipient address and channel per window (anti-flooding).
    notify_rate_limit: int = 20
    notify_rate_window: int = 3600
    #: Messages one dispatcher sends at once (each its own SMTP/HTTP connection).
    notify_concurrency: int = 4
    #: How long a claimed message stays locked to one dispatcher before another may take it over.
    notify_lease_seconds: float = 300.0
    #: Delivered, suppressed and dead messages (their bodies are personal data) are deleted after this.
    notify_retention_days: int = 180
