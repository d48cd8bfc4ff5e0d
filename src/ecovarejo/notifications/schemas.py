"""Request and response bodies of the notification API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

Channel = Annotated[str, StringConstraints(pattern=r"^(email|sms|whatsapp|push)$")]


class PreferencesOut(BaseModel):
    channels: dict[str, bool]
    marketing_consent: bool
    locale: str | None = None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: dict[Channel, bool] = Field(min_length=1, max_length=4)


class PushKeys(BaseModel):
    p256dh: Annotated[str, StringConstraints(min_length=80, max_length=200, pattern=r"^[A-Za-z0-9_\-=]+$")]
    auth: Annotated[str, StringConstraints(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_\-=]+$")]


class PushSubscriptionIn(BaseModel):
    """The browser's ``PushSubscription.toJSON()``."""

    endpoint: HttpUrl
    keys: PushKeys
    expirationTime: int | None = Field(default=None, strict=True)  # the browser's name


class PushUnsubscribeIn(BaseModel):
    endpoint: HttpUrl


class PushSubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    endpoint: str
    created_at: datetime


class VapidKeyOut(BaseModel):
    public_key: str


class StockSubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    sku: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    product_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class StockSubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    product_id: uuid.UUID
    sku: str | None
    product_name: str | None
    created_at: datetime
    notified_at: datetime | None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    user_id: uuid.UUID | None
    channel: str
    category: str
    template: str
    locale: str
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class OutboxEntryOut(BaseModel):
    name: str
    subject: str
    to: str
    sender: str
    date: str | None
    size: int


class OutboxPage(BaseModel):
    items: list[OutboxEntryOut]
    next_cursor: str | None


class OutboxMessageOut(BaseModel):
    name: str
    headers: dict[str, str]
    text: str | None
    html: str | None


class UnsubscribeOut(BaseModel):
    unsubscribed: bool
    channel: str


class ReceiptIn(BaseModel):
    """A provider's delivery receipt for a message we sent (``reference`` is what we sent as such)."""

    reference: uuid.UUID
    status: Annotated[str, StringConstraints(pattern=r"^(delivered|failed)$")]
    error: Annotated[str, StringConstraints(max_length=1000)] | None = None
