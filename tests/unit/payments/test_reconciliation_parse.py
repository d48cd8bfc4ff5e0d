from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments.reconciliation import parse_report


def test_mercadopago_report_with_semicolons_and_decimal_commas() -> None:
    text = "SOURCE_ID;TRANSACTION_AMOUNT;FEE_AMOUNT;SETTLEMENT_NET_AMOUNT\n1000001;157,90;-7,89;150,01\n;1;0;1\n"
    [line] = parse_report("mercadopago", text)
    assert (line.reference, line.gross, line.fee, line.net) == (
        "1000001",
        Decimal("157.90"),
        Decimal("7.89"),
        Decimal("150.01"),
    )


def test_pagbank_report_and_bad_reports() -> None:
    text = "charge_id,gross_amount,fee_amount,net_amount\nCHAR_1,R$ 10.00,0.50,9.50\n"
    assert parse_report("pagseguro", text)[0].gross == Decimal("10.00")
    with pytest.raises(InvalidInput):
        parse_report("pagseguro", "charge_id,gross_amount,fee_amount,net_amount\nCHAR_1,ten,0,0\n")
    with pytest.raises(InvalidInput):
        parse_report("paypal", text)
    with pytest.raises(InvalidInput):
        parse_report("stripe", text)  # no payment_intent_id column
