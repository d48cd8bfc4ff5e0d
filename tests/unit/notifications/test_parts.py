"""Pieces without IO: MIME building, unsubscribe tokens, the in-process rate cap, backoff of the dispatcher."""

from __future__ import annotations

import uuid

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.notifications.channels import DeliveryError, OutgoingMessage
from ecovarejo.notifications.channels.email import SmtpChannel, build_email, format_sender
from ecovarejo.notifications.ratelimit import InProcessRateLimiter
from ecovarejo.notifications.tokens import make_unsubscribe_token, read_unsubscribe_token


def _msg(**kw) -> OutgoingMessage:
    values = dict(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        channel="email",
        to="ana@example.com",
        subject="Olá ção",
        text="texto",
        html="<p>html</p>",
        locale="pt-BR",
        category="marketing",
        headers={
            "Message-ID": "<x@ecovarejo.example>",
            "List-Unsubscribe": "<https://u>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "keys": {"p256dh": "not a header"},
        },
    )
    values.update(kw)
    return OutgoingMessage(**values)


def test_mime_is_multipart_alternative_with_language_and_list_headers() -> None:
    mime = build_email(_msg(), format_sender("loja@ecovarejo.example", "EcoVarejo Loja"))
    assert mime.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mime.iter_parts()] == ["text/plain", "text/html"]
    assert mime["Content-Language"] == "pt-BR" and mime["Subject"] == "Olá ção"
    assert mime["From"] == "EcoVarejo Loja <loja@ecovarejo.example>"
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and mime["keys"] is None
    assert b"=?utf-8?" in mime.as_bytes()  # the subject is encoded on the wire


def test_text_only_message_is_not_multipart() -> None:
    mime = build_email(_msg(html=None), "a@b.example")
    assert mime.get_content_type() == "text/plain"


def test_smtp_url_and_tls_modes() -> None:
    ch = SmtpChannel("smtps://u%40x:p%3Aw@mail.example", "a@b.example")
    assert (ch.tls, ch.port, ch.username, ch.password) == ("implicit", 465, "u@x", "p:w")
    ch = SmtpChannel("smtp://mail.example", "a@b.example")
    assert (ch.tls, ch.port) == ("starttls", 587)  # STARTTLS required by default
    ch = SmtpChannel("smtp://mail.example:2525", "a@b.example", tls="none")
    assert (ch.tls, ch.port, ch.tls_context) == ("none", 2525, None)
    with pytest.raises(ValueError):
        SmtpChannel("http://mail.example", "a@b.example")


def test_unsubscribe_tokens_are_signed() -> None:
    tenant, user = uuid.uuid4(), uuid.uuid4()
    token = make_unsubscribe_token("s3cret", tenant, user, "email")
    claims = read_unsubscribe_token("s3cret", token)
    assert (claims.tenant_id, claims.user_id, claims.channel) == (tenant, user, "email")
    header, _payload, sig = token.split(".")
    other = make_unsubscribe_token("s3cret", tenant, uuid.uuid4(), "email").split(".")[1]
    for bad in (f"{header}.{other}.{sig}", token + "x", "a.b.c", ""):
        with pytest.raises(InvalidInput):
            read_unsubscribe_token("s3cret", bad)
    with pytest.raises(InvalidInput):
        read_unsubscribe_token("another", token)


async def test_in_process_rate_cap_is_per_recipient_and_channel() -> None:
    limiter = InProcessRateLimiter(limit=2, window=3600)
    tenant = uuid.uuid4()
    results = [await limiter.hit(tenant, "email", "Ana@Example.com ") for _ in range(3)]
    assert results == [True, True, False]
    assert await limiter.hit(tenant, "email", "ana@example.com") is False  # same address, normalised
    assert await limiter.hit(tenant, "sms", "ana@example.com") is True
    assert await limiter.hit(tenant, "email", "bia@example.com") is True
    assert await limiter.hit(uuid.uuid4(), "email", "ana@example.com") is True


def test_delivery_error_kinds() -> None:
    assert DeliveryError("x").permanent is False
    assert DeliveryError("x", permanent=True).permanent is True
    gone = DeliveryError("x", gone=True)
    assert gone.permanent and gone.gone


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://127.0.0.1/push",
        "https://10.0.0.5/push",
        "https://[::1]/push",
        "https://localhost/push",
        "https://metadata.local/x",
        "https://intranet/push",
        "https://user@updates.push.services.mozilla.com/wpush/v2/abc",
        "https://fcm.googleapis.com/" + "a" * 1100,
        "ftp://fcm.googleapis.com/x",
    ],
)
def test_push_endpoints_outside_development_are_public_https(endpoint: str) -> None:
    from ecovarejo.notifications.service import check_push_endpoint

    with pytest.raises(InvalidInput):
        check_push_endpoint(endpoint)


def test_push_endpoints_accepted() -> None:
    from ecovarejo.notifications.service import check_push_endpoint

    for ok in ("https://fcm.googleapis.com/fcm/send/abc:def", "https://web.push.apple.com/QO0x"):
        assert check_push_endpoint(ok) == ok
    assert check_push_endpoint("http://127.0.0.1:8080/push", local_ok=True)
