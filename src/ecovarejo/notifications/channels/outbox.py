"""Embedded-mode email: each message is written as an ``.eml`` file under DATA_DIR, one folder per tenant,
for the admin to read (nothing leaves the machine)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from . import OutgoingMessage
from .email import build_email

NAME_RE = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f-]{36}\.eml$")


@dataclass(frozen=True)
class OutboxEntry:
    name: str
    subject: str
    to: str
    sender: str
    date: str | None
    size: int


class OutboxFolderChannel:
    name = "email"

    def __init__(self, root: Path, sender: str) -> None:
        self.root = root
        self.sender = sender

    def folder(self, tenant_id: uuid.UUID) -> Path:
        return self.root / str(tenant_id)

    async def send(self, message: OutgoingMessage) -> str | None:
        mime = build_email(message, self.sender)
        folder = self.folder(message.tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{message.id}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(mime.as_bytes())
        os.replace(tmp, path)  # readers never see half a file
        return str(mime["Message-ID"]) if mime["Message-ID"] else path.name

    async def aclose(self) -> None:
        return None

    def forget(self, tenant_id: uuid.UUID, message_ids: set[str]) -> int:
        """Delete the files of these messages (erasure of the recipient's data); returns how many."""
        folder = self.folder(tenant_id)
        if not folder.is_dir() or not message_ids:
            return 0
        gone = 0
        for path in folder.iterdir():
            if NAME_RE.match(path.name) and path.name[16:-4] in message_ids:
                path.unlink(missing_ok=True)
                gone += 1
        return gone

    def list(self, tenant_id: uuid.UUID, limit: int = 50, before: str | None = None) -> list[OutboxEntry]:
        folder = self.folder(tenant_id)
        if not folder.is_dir():
            return []
        names = sorted((p.name for p in folder.iterdir() if NAME_RE.match(p.name)), reverse=True)
        if before:
            names = [n for n in names if n < before]
        entries = []
        for name in names[:limit]:
            mime = self._parse(folder / name)
            entries.append(
                OutboxEntry(
                    name=name,
                    subject=str(mime["Subject"] or ""),
                    to=str(mime["To"] or ""),
                    sender=str(mime["From"] or ""),
                    date=str(mime["Date"]) if mime["Date"] else None,
                    size=(folder / name).stat().st_size,
                )
            )
        return entries

    def read(self, tenant_id: uuid.UUID, name: str) -> tuple[bytes, EmailMessage] | None:
        """The raw file and its parsed message; ``None`` for an unknown (or malformed) name."""
        if not NAME_RE.match(name):
            return None
        path = self.folder(tenant_id) / name
        if not path.is_file():
            return None
        return path.read_bytes(), self._parse(path)

    @staticmethod
    def _parse(path: Path) -> EmailMessage:
        msg: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return msg  # type: ignore[no-any-return]
