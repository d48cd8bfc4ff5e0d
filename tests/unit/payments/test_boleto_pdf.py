"""The boleto PDF: drawn from a valid linha digitável only, with its ITF barcode."""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments import boleto, boleto_pdf


def _streams(pdf: bytes) -> str:
    out = []
    for part in pdf.split(b"stream")[1:]:
        body = part.split(b"endstream")[0].strip(b"\r\n")
        try:
            out.append(zlib.decompress(body).decode("latin-1"))
        except zlib.error:
            out.append(body.decode("latin-1"))
    return "\n".join(out)


def test_the_pdf_carries_the_line_and_the_barcode_bars() -> None:
    b = boleto.issue("341", Decimal("123.45"), date(2026, 12, 10), "1234567890123456789012345")
    doc = boleto_pdf.BoletoDocument(b.formatted_line, b.amount, b.due, "EcoVarejo", "Ana Souza", "EV-261210-ABC")
    pdf = boleto_pdf.render(doc)
    assert pdf.startswith(b"%PDF-")
    content = _streams(pdf)
    assert b.formatted_line in content and "R$ 123,45" in content and "10/12/2026" in content
    # ITF: 44 digits -> 22 pairs of 5 bars and 5 spaces each, plus start and stop: the bars are rectangles
    assert content.count(" re") >= 44 * 5 // 2


def test_a_line_with_a_wrong_check_digit_is_refused() -> None:
    b = boleto.issue("341", Decimal("10.00"), date(2026, 12, 10), "1" * 25)
    wrong = b.digitable_line[:9] + str((int(b.digitable_line[9]) + 1) % 10) + b.digitable_line[10:]
    with pytest.raises(InvalidInput):
        boleto_pdf.render(boleto_pdf.BoletoDocument(wrong, b.amount, b.due, "EcoVarejo", "Ana", "EV-1"))
