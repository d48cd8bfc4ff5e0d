"""The privacy policy and terms of use: built-in texts (pt-BR and English) a tenant may replace, each with a
version that consent entries record; the DPO's contact (LGPD art. 41)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecovarejo.core.personal_data import BASIS_ARTICLE, Category

from .registry import Registry

#: Version of the built-in texts, the one the consent ledger records (users context, ``POLICY_VERSIONS``).
DEFAULT_VERSION = "2026-01"
KINDS = ("privacy", "terms")

DEFAULT_TEXT: dict[str, dict[str, str]] = {
    "privacy": {
        "pt-BR": "Esta política explica quais dados pessoais tratamos, para quê, com qual base legal, por quanto "
        "tempo e com quem os compartilhamos, conforme a Lei Geral de Proteção de Dados (Lei 13.709/2018). "
        "Você pode exercer seus direitos (acesso, portabilidade, correção, eliminação, revogação do "
        "consentimento) na sua conta, em Privacidade, ou falando com o encarregado.",
        "en": "This policy explains which personal data we process, why, on which legal basis, for how long and "
        "with whom we share it, under Brazil's General Data Protection Law (Lei 13.709/2018). You can exercise "
        "your rights (access, portability, correction, erasure, withdrawal of consent) in your account, under "
        "Privacy, or by contacting our Data Protection Officer.",
    },
    "terms": {
        "pt-BR": "Ao usar a loja você concorda com estes termos: os preços são em reais e incluem os impostos "
        "indicados; o pedido é confirmado após a aprovação do pagamento; você pode se arrepender de uma compra "
        "em até 7 dias do recebimento (Código de Defesa do Consumidor, art. 49); os dados pessoais são tratados "
        "conforme a nossa política de privacidade.",
        "en": "By using the shop you agree to these terms: prices are in Brazilian reais and include the taxes "
        "shown; an order is confirmed once its payment is approved; you may withdraw from a purchase within 7 "
        "days of receiving it (Consumer Defence Code, art. 49); personal data is processed as our privacy "
        "policy says.",
    },
}


@dataclass(frozen=True)
class Document:
    kind: str
    version: str
    lang: str
    text: str
    #: True when the tenant wrote its own text.
    custom: bool


@dataclass(frozen=True)
class DpoContact:
    name: str
    email: str


@dataclass(frozen=True)
class Processing:
    """One line of the policy's table: a category of data, why and on which basis, for how long."""

    category: str
    purposes: tuple[str, ...]
    bases: tuple[str, ...]
    retention: tuple[str, ...]


def _privacy(settings: dict[str, Any] | None) -> dict[str, Any]:
    value = (settings or {}).get("privacy") or {}
    return value if isinstance(value, dict) else {}


def document(tenant_settings: dict[str, Any] | None, kind: str, lang: str) -> Document:
    """The tenant's text when it wrote one (``settings.privacy.<kind> = {"version", "pt-BR", "en"}``)."""
    if kind not in KINDS:
        raise ValueError(kind)
    own = _privacy(tenant_settings).get(kind) or {}
    lang = "en" if lang == "en" else "pt-BR"
    if isinstance(own, dict) and own.get(lang):
        return Document(kind, str(own.get("version") or DEFAULT_VERSION), lang, str(own[lang]), True)
    return Document(kind, DEFAULT_VERSION, lang, DEFAULT_TEXT[kind][lang], False)


def dpo_contact(tenant_settings: dict[str, Any] | None, tenant_name: str, domain: str | None) -> DpoContact:
    own = _privacy(tenant_settings).get("dpo") or {}
    email = own.get("email") if isinstance(own, dict) else None
    name = own.get("name") if isinstance(own, dict) else None
    return DpoContact(
        name=str(name or f"Encarregado de dados — {tenant_name}"),
        email=str(email or f"privacidade@{domain or 'ecovarejo.dev'}"),
    )


def processing(registry: Registry) -> list[Processing]:
    """What the policy lists, grouped by category (credentials left out: they are never handed to anyone)."""
    out = []
    for category in Category:
        if category is Category.CREDENTIAL:
            continue
        fields = [f for _, t in registry.tables() for f in t.fields if f.category is category]
        if not fields:
            continue
        out.append(
            Processing(
                category=category.value,
                purposes=tuple(dict.fromkeys(f.purpose for f in fields if f.purpose)),
                bases=tuple(dict.fromkeys(BASIS_ARTICLE[f.basis] for f in fields)),
                retention=tuple(dict.fromkeys(f.retention for f in fields)),
            )
        )
    return out
