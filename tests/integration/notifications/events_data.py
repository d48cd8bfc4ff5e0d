"""Event payloads as the producers emit them (docs/events.md)."""

from __future__ import annotations

import uuid
from typing import Any


def order(user_id: uuid.UUID, *, email: str = "ana@example.com", locale: str = "pt-BR", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": str(uuid.uuid4()),
        "order_number": "EV-2026-000123",
        "user_id": str(user_id),
        "email": email,
        "first_name": "Ana",
        "locale": locale,
        "total": "1234.50",
        "currency": "BRL",
        "carbon_footprint_kg": "3.456",
        "sustainability_score": 87,
        "items": [
            {
                "product_id": str(uuid.uuid4()),
                "sku": "SAB-001",
                "name": "Sabonete de aroeira",
                "quantity": 2,
                "unit_price": "19.90",
            },
            {
                "product_id": str(uuid.uuid4()),
                "sku": "ESC-BAM",
                "name": "Escova de bambu <eco>",
                "quantity": 1,
                "unit_price": "1194.70",
            },
        ],
    }
    data.update(extra)
    return data


def reset(user_id: uuid.UUID, email: str = "ana@example.com", locale: str = "pt-BR") -> dict[str, Any]:
    return {
        "user_id": str(user_id),
        "email": email,
        "first_name": "Ana",
        "locale": locale,
        "token": "t0k3n",
        "reset_url": "https://loja.example.com/reset?token=t0k3n",
        "expires_at": "2026-11-29T12:00:00Z",
    }


def registered(
    user_id: uuid.UUID, email: str = "ana@example.com", locale: str = "pt-BR", **extra: Any
) -> dict[str, Any]:
    data = {
        "user_id": str(user_id),
        "email": email,
        "first_name": "Ana",
        "locale": locale,
        "user_type": "customer",
        "marketing_opt_in": False,
    }
    data.update(extra)
    return data
