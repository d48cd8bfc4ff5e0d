"""The BR Code is checked by a decoder written here (TLV walk + ``binascii.crc_hqx``), not by the encoder."""

import binascii
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments.pix import brcode_payload, new_charge, qr_png


def decode_tlv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        tag, size = text[i : i + 2], int(text[i + 2 : i + 4])
        out[tag] = text[i + 4 : i + 4 + size]
        assert len(out[tag]) == size, f"field {tag} truncated"
        i += 4 + size
    return out


def decode_brcode(payload: str) -> dict[str, object]:
    assert payload[-8:-4] == "6304", "CRC field must be last"
    expected = binascii.crc_hqx(payload[:-4].encode("ascii"), 0xFFFF)
    assert int(payload[-4:], 16) == expected, "CRC16 mismatch"
    top = decode_tlv(payload)
    return {**top, "26": decode_tlv(top["26"]), "62": decode_tlv(top["62"])}


def test_static_code_matches_the_bacen_manual_example() -> None:
    payload = brcode_payload(
        amount=None, merchant_name="Fulano de Tal", merchant_city="BRASILIA", key="123e4567-e12b-12d1-a456-426655440000"
    )
    # the example printed in BACEN's "Manual de Padrões para Iniciação do Pix"
    assert payload == (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
        "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
    )


def test_dynamic_code_decodes_independently() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    txid = "ECV0123456789ABCDEFGHIJKLMNOP"
    charge = new_charge(
        txid=txid,
        amount=Decimal("157.90"),
        merchant_name="Loja Sustentável São João",
        merchant_city="São Paulo",
        location_base="https://pix.ecovarejo.example/qr/v2/cob",
        now=now,
        expires_in=timedelta(minutes=15),
    )
    d = decode_brcode(charge.payload)
    assert d["00"] == "01"
    assert d["01"] == "12"  # dynamic, single use
    assert d["26"] == {"00": "br.gov.bcb.pix", "25": f"pix.ecovarejo.example/qr/v2/cob/{txid}"}
    assert (d["52"], d["53"], d["54"], d["58"]) == ("0000", "986", "157.90", "BR")
    assert d["59"] == "Loja Sustentavel Sao Joao"
    assert d["60"] == "Sao Paulo"
    assert d["62"] == {"05": "***"}
    assert charge.expires_at == now + timedelta(minutes=15)
    assert not charge.expired(now + timedelta(minutes=14)) and charge.expired(now + timedelta(minutes=15))


def test_tampered_payload_fails_the_crc() -> None:
    payload = brcode_payload(amount=Decimal("10.00"), merchant_name="A", merchant_city="B", key="k@example.com")
    tampered = payload.replace("10.00", "99.00")
    with pytest.raises(AssertionError, match="CRC16"):
        decode_brcode(tampered)


def test_qr_png_and_bad_input() -> None:
    png = qr_png(brcode_payload(amount=Decimal("1.00"), merchant_name="A", merchant_city="B", key="k"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200
    with pytest.raises(InvalidInput):
        new_charge(
            txid="short",
            amount=Decimal("1"),
            merchant_name="A",
            merchant_city="B",
            location_base="x",
            now=datetime.now(UTC),
        )
    with pytest.raises(InvalidInput):
        brcode_payload(amount=Decimal("-1"), merchant_name="A", merchant_city="B", key="k")
