"""Settings of the payment providers, failover and vault (env prefix ``ECOVAREJO_PAYMENTS_``).

Secrets (API keys, webhook secrets, the vault master key) come from the environment or files outside
the repository; nothing here has a real default.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class PaymentsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_PAYMENTS_", extra="ignore")

    #: Providers tried in this order when a tenant sets none (comma-separated).
    provider_order: str = "stripe,pagseguro,mercadopago"
    stripe_api_key: str = ""
    #: Base URL of Stripe's API; empty means the SDK's default.
    stripe_api_base: str = ""
    stripe_webhook_secret: str = ""
    mercadopago_access_token: str = ""
    mercadopago_api_base: str = ""
    mercadopago_webhook_secret: str = ""
    pagseguro_token: str = ""
    pagseguro_api_base: str = "https://api.pagseguro.com"
    #: PagBank signs its notifications with the account token (SHA-256 of ``token-payload``).
    pagseguro_webhook_token: str = ""
    #: Public (browser) keys of the providers' card forms: the checkout tokenizes cards with the first
    #: provider of the order that has one (Stripe publishable key ``pk_…``, Mercado Pago public key,
    #: PagBank public key for card encryption). Without any, the sandbox's card form is shown.
    stripe_publishable_key: str = ""
    mercadopago_public_key: str = ""
    pagseguro_public_key: str = ""
    #: The PSP's base URL of dynamic Pix locations (field 26/25 of the BR Code, e.g.
    #: ``https://pix.psp.example/qr/v2``); empty: ``ECOVAREJO_PUBLIC_URL`` + ``/api/v1/payments/pix/cob``.
    pix_location_base: str = ""
    #: HMAC secret of Pix (PSP) and boleto (bank) payment notifications.
    psp_webhook_secret: str = ""
    #: Seconds a provider call may take before its outcome counts as unknown.
    provider_timeout: float = 10.0
    breaker_failures: int = 3
    breaker_cooldown: float = 30.0
    webhook_tolerance: int = 300
    #: File with the vault's master key (32 bytes, base64); generated into DATA_DIR when empty.
    master_key_file: Path | None = None

    @property
    def order(self) -> list[str]:
        return [p.strip() for p in self.provider_order.split(",") if p.strip()]

    def load_master_key(self, data_dir: Path) -> bytes:
        """The master key: from ``master_key_file``, or one generated once into ``data_dir`` (the core
        settings' DATA_DIR: embedded mode)."""
        path = self.master_key_file
        if path is None:
            folder = data_dir
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "payments-master.key"
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(base64.b64encode(secrets.token_bytes(32)).decode())
        key = base64.b64decode(path.read_text().strip())
        if len(key) != 32:
            raise ValueError("the payments master key must be 32 bytes (base64)")
        return key
