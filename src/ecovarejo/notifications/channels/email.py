"""Email: MIME building (multipart/alternative) and the SMTP adapter (aiosmtplib, TLS none/STARTTLS/implicit)."""

from __future__ import annotations

import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from ecovarejo.core.db import utcnow

from . import DeliveryError, OutgoingMessage

TlsMode = Literal["none", "starttls", "implicit"]

#: Header names an adapter copies from ``OutgoingMessage.headers`` into the email.
EMAIL_HEADERS = ("Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted", "X-Entity-Ref-ID")


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The MIME message: plain text first, HTML as the preferred alternative; headers for the language."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(utcnow())
    for name in EMAIL_HEADERS:
        value = message.headers.get(name)
        if value:
            mime[name] = value
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    mime["Content-Language"] = message.locale  # after the content: set_content drops Content-* headers
    return mime


def format_sender(address: str, name: str) -> str:
    _, addr = parseaddr(address)
    local, _, domain = addr.partition("@")
    return str(Address(display_name=name, username=local, domain=domain)) if name else addr


class SmtpChannel:
    """Email over SMTP. ``smtp://user:pass@host:587`` (STARTTLS required by default), ``smtps://`` implicit TLS."""

    name = "email"

    def __init__(
        self,
        url: str,
        sender: str,
        *,
        tls: str = "",
        verify_tls: bool = True,
        ca_file: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP URL must start with smtp:// or smtps://")
        self.hostname = parts.hostname or "localhost"
        self.tls: TlsMode = tls or ("implicit" if parts.scheme == "smtps" else "starttls")  # type: ignore[assignment]
        self.port = parts.port or (465 if self.tls == "implicit" else 587 if self.tls == "starttls" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout
        self.tls_context: ssl.SSLContext | None = None
        if self.tls != "none":
            ctx = ssl.create_default_context(cafile=ca_file)
            if not verify_tls:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            self.tls_context = ctx

    async def send(self, message: OutgoingMessage) -> str | None:
        mime = build_email(message, self.sender)
        try:
            await aiosmtplib.send(
                mime,
                hostname=self.hostname,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "implicit",
                start_tls=self.tls == "starttls",
                tls_context=self.tls_context,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise DeliveryError(f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc
        return str(mime["Message-ID"]) if mime["Message-ID"] else None

    async def aclose(self) -> None:
        return None
