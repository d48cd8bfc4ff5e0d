"""Tax settings per tenant and products' fiscal data: validation and storage."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.users import public as users

from . import repository as repo
from .models import ProductFiscal, TaxSettings
from .rules import IMPORTED_ORIGINS, INTERNAL_RATES, PIS_COFINS_REGIMES, REGIMES, STATES, TaxRules, default_rates
from .schemas import ProductFiscalIn, TaxSettingsIn

_NCM = re.compile(r"^[0-9]{8}$")
_CEST = re.compile(r"^[0-9]{7}$")
#: Sales CFOPs: 5xxx within the state, 6xxx to another state, 7xxx abroad.
_CFOP = re.compile(r"^[567][0-9]{3}$")


def check_state(value: str) -> str:
    state = _state(value, "destination_state")
    if state is None:
        raise InvalidInput("say the destination state", code="invalid_state")
    return state


def _state(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    uf = value.strip().upper()
    if uf not in STATES:
        raise InvalidInput(f"unknown Brazilian state {value!r}", code="invalid_state", extra={"field": field})
    return uf


def _rate(value: Any, field: str) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{field} must be a percentage", code="invalid_tax_rate", extra={"field": field}) from None
    if not rate.is_finite() or rate < 0 or rate > 40 or rate.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(
            f"{field} must be a percentage from 0 to 40 with at most 2 decimals",
            code="invalid_tax_rate",
            extra={"field": field},
        )
    return rate


def parse_settings(body: TaxSettingsIn) -> dict[str, Any]:
    """The settings document, validated as a whole (nothing is saved when any part is wrong)."""
    if body.regime not in REGIMES:
        raise InvalidInput(f"regime must be one of {', '.join(REGIMES)}", code="invalid_regime")
    if body.pis_cofins not in PIS_COFINS_REGIMES:
        raise InvalidInput(
            f"pis_cofins must be one of {', '.join(PIS_COFINS_REGIMES)}",
            code="invalid_pis_cofins",
            extra={"field": "pis_cofins"},
        )
    rates: dict[str, str] = {}
    for uf, value in body.internal_rates.items():
        state = _state(uf, f"internal_rates.{uf}")
        assert state is not None
        rates[state] = str(_rate(value, f"internal_rates.{uf}"))
    return {
        "origin_state": _state(body.origin_state, "origin_state"),
        "regime": body.regime,
        "simples_icms_rate": str(_rate(body.simples_icms_rate, "simples_icms_rate")),
        "tax_inclusive": body.tax_inclusive,
        "pis_cofins": body.pis_cofins,
        "internal_rates": dict(sorted(rates.items())),
        "issuer_cnpj": _issuer(body.issuer_cnpj),
    }


def _issuer(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not users.is_valid_cnpj(value):
        raise InvalidInput("the issuer's CNPJ is not valid", code="invalid_cnpj", extra={"field": "issuer_cnpj"})
    return users.normalize_cnpj(value)


def rules_of(document: dict[str, Any] | None, version: int = 0) -> TaxRules:
    if not document:
        return TaxRules()
    rates = default_rates()
    rates.update({uf: Decimal(v) for uf, v in (document.get("internal_rates") or {}).items()})
    return TaxRules(
        origin_state=document.get("origin_state"),
        regime=document.get("regime", "regular"),
        internal_rates=rates,
        simples_icms_rate=Decimal(document.get("simples_icms_rate", "0")),
        tax_inclusive=bool(document.get("tax_inclusive", True)),
        pis_cofins=str(document.get("pis_cofins") or "cumulative"),
        version=version,
    )


class RulesCache:
    """The tenants' rules kept for ``ttl`` seconds in this process, so checkout reads no settings row on
    the hot path. A save in this process takes effect at once; other processes see it within ``ttl``."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._rules: dict[uuid.UUID | None, tuple[float, TaxRules]] = {}

    def get(self, tenant_id: uuid.UUID | None) -> TaxRules | None:
        hit = self._rules.get(tenant_id)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, tenant_id: uuid.UUID | None, rules: TaxRules) -> None:
        if len(self._rules) > 10_000:
            self._rules.clear()
        self._rules[tenant_id] = (time.monotonic() + self.ttl, rules)

    def forget(self, tenant_id: uuid.UUID | None) -> None:
        self._rules.pop(tenant_id, None)


async def tax_rules(uow: UnitOfWork, cache: RulesCache | None = None) -> TaxRules:
    """The tenant's rules (the default table when it configured none): one indexed read, or none when
    ``cache`` holds them."""
    if cache is not None and (hit := cache.get(uow.tenant_id)) is not None:
        return hit
    row = await repo.settings(uow)
    rules = rules_of(row.document, row.version) if row is not None else TaxRules()
    if cache is not None:
        cache.put(uow.tenant_id, rules)
    return rules


async def settings_document(uow: UnitOfWork) -> tuple[dict[str, Any], int]:
    row = await repo.settings(uow)
    if row is None:
        return parse_settings(TaxSettingsIn()), 0
    return dict(row.document), row.version


async def save_settings(
    uow: UnitOfWork, body: TaxSettingsIn, cache: RulesCache | None = None
) -> tuple[dict[str, Any], int]:
    document = parse_settings(body)
    row = await repo.settings(uow)
    if row is None:
        row = TaxSettings(document=document, version=1)
        repo.add(uow, row)
    else:
        row.document = document
        row.version += 1
    await uow.flush()
    if cache is not None:
        cache.forget(uow.tenant_id)
    return document, row.version


def defaults() -> dict[str, str]:
    return dict(INTERNAL_RATES)


# -- products' fiscal data --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFiscalView:
    sku: str
    ncm: str
    cfop: str | None
    origin: int
    cest: str | None

    @property
    def imported(self) -> bool:
        return self.origin in IMPORTED_ORIGINS


def _view(row: ProductFiscal) -> ProductFiscalView:
    return ProductFiscalView(sku=row.sku, ncm=row.ncm, cfop=row.cfop, origin=row.origin, cest=row.cest)


def _digits(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = re.sub(r"[.\-\s]", "", value)
    return cleaned or None


def check_product(body: ProductFiscalIn) -> ProductFiscalIn:
    ncm = _digits(body.ncm) or ""
    if not _NCM.match(ncm):
        raise InvalidInput("the NCM has 8 digits", code="invalid_ncm")
    cfop = _digits(body.cfop)
    if cfop is not None and not _CFOP.match(cfop):
        raise InvalidInput("a sales CFOP has 4 digits starting with 5, 6 or 7", code="invalid_cfop")
    if not 0 <= body.origin <= 8:
        raise InvalidInput("the goods' origin is a code from 0 to 8", code="invalid_origin")
    cest = _digits(body.cest)
    if cest is not None and not _CEST.match(cest):
        raise InvalidInput("the CEST has 7 digits", code="invalid_cest")
    return ProductFiscalIn(ncm=ncm, cfop=cfop, origin=body.origin, cest=cest)


async def put_product(uow: UnitOfWork, sku: str, body: ProductFiscalIn) -> ProductFiscalView:
    data = check_product(body)
    row = await repo.product(uow, sku)
    if row is None:
        row = ProductFiscal(sku=sku, ncm=data.ncm, cfop=data.cfop, origin=data.origin, cest=data.cest)
        repo.add(uow, row)
    else:
        row.ncm, row.cfop, row.origin, row.cest = data.ncm, data.cfop, data.origin, data.cest
    await uow.flush()
    return _view(row)


async def products_fiscal(uow: UnitOfWork, skus: Iterable[str]) -> dict[str, ProductFiscalView]:
    return {row.sku: _view(row) for row in await repo.products(uow, skus)}


async def list_products(uow: UnitOfWork, limit: int, after: str | None) -> list[ProductFiscalView]:
    return [_view(r) for r in await repo.list_products(uow, limit, after)]


async def delete_product(uow: UnitOfWork, sku: str) -> bool:
    row = await repo.product(uow, sku)
    if row is None:
        return False
    await repo.delete(uow, row)
    await uow.flush()
    return True
