import logging

from ecovarejo.payments.providers.base import redact_card_data


def test_sdk_debug_logs_lose_card_fields(caplog) -> None:
    caplog.set_level("DEBUG", logger="stripe")
    logging.getLogger("stripe").debug(
        "Post details post_data=%s",
        "amount=100&payment_method_data[card][number]=4242424242424242&payment_method_data[card][cvc]=9173",
    )
    assert "4242424242424242" not in caplog.text and "9173" not in caplog.text
    assert "amount=100" in caplog.text and "[REDACTED]" in caplog.text


def test_redaction_keeps_other_numbers() -> None:
    assert redact_card_data('{"card_number": "5555555555554444", "security_code": "123"}') == (
        '{"card_number": "[REDACTED]", "security_code": "[REDACTED]"}'
    )
    assert redact_card_data("order 1234567890123 id 4111111111111111") == "order 1234567890123 id [REDACTED]"
