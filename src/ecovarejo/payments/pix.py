"""Pix dynamic BR Code: the EMV® QRCPS payload (BACEN's *Manual de Padrões para Iniciação do Pix*) with
its CRC16, the QR image, and the charge's expiry.

A dynamic code carries no key: field 26 holds the URL of the charge (``location``) that the payer's bank
fetches, and field 01 = ``12`` marks it single-use. The txid of a dynamic code is ``***`` in field 62
(the charge at the location carries the real one).
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import segno

from ecovarejo.core.errors import InvalidInput

GUI = "br.gov.bcb.pix"
DEFAULT_EXPIRY = timedelta(minutes=30)


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as the BR Code asks."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise InvalidInput(f"BR Code field {tag} is too long", code="invalid_pix_field")
    return f"{tag}{len(value):02d}{value}"


def _ascii(text: str, limit: int) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = " ".join(plain.split())
    if not plain:
        raise InvalidInput("merchant name and city are required", code="invalid_pix_field")
    return plain[:limit]


def brcode_payload(
    *,
    amount: Decimal | None,
    merchant_name: str,
    merchant_city: str,
    location: str | None = None,
    key: str | None = None,
    txid: str = "***",
    description: str | None = None,
) -> str:
    """The copy-and-paste text (``pix copia e cola``): dynamic with ``location``, static with ``key``."""
    if (location is None) == (key is None):
        raise InvalidInput("a BR Code has either a location (dynamic) or a key (static)", code="invalid_pix_field")
    if amount is not None and amount <= 0:
        raise InvalidInput("the amount must be positive", code="invalid_amount")
    if location is not None and amount is None:
        raise InvalidInput("a dynamic charge has an amount", code="invalid_amount")
    account = _field("00", GUI)
    if location is not None:
        account += _field("25", location.removeprefix("https://"))
    else:
        assert key is not None
        account += _field("01", key)
        if description:
            account += _field("02", description[:40])
    body = (
        _field("00", "01")
        + (_field("01", "12") if location is not None else "")
        + _field("26", account)
        + _field("52", "0000")
        + _field("53", "986")
        + (_field("54", f"{amount.quantize(Decimal('0.01'))}") if amount is not None else "")
        + _field("58", "BR")
        + _field("59", _ascii(merchant_name, 25))
        + _field("60", _ascii(merchant_city, 15))
        + _field("62", _field("05", txid[:25]))
        + "6304"
    )
    return body + f"{crc16_ccitt(body.encode()):04X}"


@functools.lru_cache(maxsize=256)
def qr_png(payload: str, *, scale: int = 6) -> bytes:
    """The QR image (PNG) of a BR Code, error correction M as the manual recommends. Cached (a few hundred
    recent codes, ~1-2 KB each): an order page shows the same code at every visit and drawing it in pure
    Python takes tens of milliseconds."""
    out = io.BytesIO()
    segno.make_qr(payload, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@dataclass(frozen=True)
class PixCharge:
    txid: str
    amount: Decimal
    payload: str
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def new_charge(
    *,
    txid: str,
    amount: Decimal,
    merchant_name: str,
    merchant_city: str,
    location_base: str,
    now: datetime,
    expires_in: timedelta = DEFAULT_EXPIRY,
) -> PixCharge:
    """A dynamic charge: its location is ``location_base/<txid>`` and it expires ``expires_in`` from now."""
    if not (26 <= len(txid) <= 35 and txid.isalnum()):
        raise InvalidInput("a Pix txid has 26-35 letters and digits", code="invalid_pix_txid")
    payload = brcode_payload(
        amount=amount,
        merchant_name=merchant_name,
        merchant_city=merchant_city,
        location=f"{location_base.rstrip('/')}/{txid}",
    )
    return PixCharge(txid=txid, amount=amount, payload=payload, expires_at=now + expires_in)
