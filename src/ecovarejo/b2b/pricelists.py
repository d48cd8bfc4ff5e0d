"""Price lists: per company (or every company account), fixed prices or % off the catalog price,
quantity tiers (overlaps refused), minimum order quantities and multiples, validity dates, CSV.

Pricing a company buyer's lines reads the lists that apply in one query; the lowest unit price wins
and its rule is named on the line.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import groups
from . import repository as repo
from .models import PriceList, PriceRule

KINDS = ("fixed", "percent")
MAX_RULES = 5000
CSV_COLUMNS = ("sku", "kind", "value", "min_qty", "max_qty", "moq", "multiple")


@dataclass(frozen=True)
class RuleIn:
    sku: str
    kind: str
    value: Decimal
    min_qty: int = 1
    max_qty: int | None = None
    moq: int = 1
    multiple: int = 1


@dataclass(frozen=True)
class ListPrice:
    """The winning price of one line: unit price and the rule, said in words."""

    sku: str
    unit_price: Decimal
    rule: str
    price_list: str
    moq: int
    multiple: int


def _int(value: Any, field: str, row: int, *, low: int = 1, optional: bool = False) -> int | None:
    if value in (None, "") and optional:
        return None
    try:
        n = int(str(value))
    except ValueError:
        raise InvalidInput(f"row {row}: {field} must be a whole number", code="invalid_price_rule",
                           extra={"row": row, "field": field}) from None  # fmt: skip
    if n < low or n > 1_000_000:
        raise InvalidInput(f"row {row}: {field} must be at least {low}", code="invalid_price_rule",
                           extra={"row": row, "field": field})  # fmt: skip
    return n


def parse_rules(raw: Iterable[Mapping[str, Any]]) -> list[RuleIn]:
    """Validated rules; overlapping tiers of one SKU are refused (``overlapping_tiers``)."""
    rules: list[RuleIn] = []
    for n, r in enumerate(raw, 1):
        if n > MAX_RULES:
            raise InvalidInput(f"at most {MAX_RULES} rules per list", code="too_many_rules")
        sku = str(r.get("sku") or "").strip()
        if not sku or len(sku) > 64:
            raise InvalidInput(f"row {n}: sku is required (64 characters at most)", code="invalid_price_rule",
                               extra={"row": n, "field": "sku"})  # fmt: skip
        kind = str(r.get("kind") or "").strip()
        if kind not in KINDS:
            raise InvalidInput(f"row {n}: kind must be fixed or percent", code="invalid_price_rule",
                               extra={"row": n, "field": "kind"})  # fmt: skip
        try:
            value = Decimal(str(r.get("value")).replace(",", "."))
        except InvalidOperation:
            value = Decimal(-1)
        top = Decimal(100) if kind == "percent" else Decimal("10000000")
        if not value.is_finite() or value < 0 or value > top or value != value.quantize(Decimal("0.01")):
            raise InvalidInput(f"row {n}: value must be an amount (or percent up to 100) with 2 decimals",
                               code="invalid_price_rule", extra={"row": n, "field": "value"})  # fmt: skip
        min_qty = _int(r.get("min_qty", 1) or 1, "min_qty", n)
        max_qty = _int(r.get("max_qty"), "max_qty", n, optional=True)
        assert min_qty is not None
        if max_qty is not None and max_qty < min_qty:
            raise InvalidInput(f"row {n}: max_qty is below min_qty", code="invalid_price_rule",
                               extra={"row": n, "field": "max_qty"})  # fmt: skip
        moq = _int(r.get("moq", 1) or 1, "moq", n)
        multiple = _int(r.get("multiple", 1) or 1, "multiple", n)
        assert moq is not None and multiple is not None
        rules.append(RuleIn(sku, kind, value, min_qty, max_qty, moq, multiple))
    by_sku: dict[str, list[RuleIn]] = {}
    for rule in rules:
        by_sku.setdefault(rule.sku, []).append(rule)
    for sku, tiers in by_sku.items():
        tiers.sort(key=lambda t: t.min_qty)
        for a, b in itertools.pairwise(tiers):
            if a.max_qty is None or b.min_qty <= a.max_qty:
                raise InvalidInput(
                    f"{sku}: the tier from {b.min_qty} overlaps the tier from {a.min_qty}",
                    code="overlapping_tiers",
                    extra={"sku": sku, "tiers": [a.min_qty, b.min_qty]},
                )
    return rules


def parse_csv(text: str) -> list[RuleIn]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"sku", "kind", "value"} - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput(f"the CSV needs the columns {', '.join(CSV_COLUMNS)}", code="invalid_csv")
    return parse_rules(reader)


def to_csv(rules: Iterable[PriceRule]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in sorted(rules, key=lambda r: (r.sku, r.min_qty)):
        w.writerow([r.sku, r.kind, f"{r.value:.2f}", r.min_qty, r.max_qty or "", r.moq, r.multiple])
    return out.getvalue()


def _validity(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise InvalidInput("valid_until must be after valid_from", code="invalid_validity")


async def create(
    uow: UnitOfWork, *, name: str, company_id: uuid.UUID | None, valid_from: datetime | None,
    valid_until: datetime | None, rules: list[RuleIn], group_id: uuid.UUID | None = None,
) -> PriceList:  # fmt: skip
    _validity(valid_from, valid_until)
    if not name.strip():
        raise InvalidInput("name the price list", code="invalid_price_list")
    if company_id is not None and group_id is not None:
        raise InvalidInput("a price list is for one company or one group, not both", code="invalid_price_list")
    if group_id is not None:
        await groups.get(uow, group_id)  # 404 group_not_found
    pl = PriceList(name=name.strip()[:120], company_id=company_id, group_id=group_id, valid_from=valid_from,
                   valid_until=valid_until, is_active=True)  # fmt: skip
    repo.add(uow, pl)
    await uow.flush()
    _add_rules(uow, pl.id, rules)
    await uow.flush()
    return pl


def _add_rules(uow: UnitOfWork, list_id: uuid.UUID, rules: list[RuleIn]) -> None:
    for r in rules:
        repo.add(uow, PriceRule(price_list_id=list_id, sku=r.sku, kind=r.kind, value=r.value, min_qty=r.min_qty,
                                  max_qty=r.max_qty, moq=r.moq, multiple=r.multiple))  # fmt: skip


async def get(uow: UnitOfWork, list_id: uuid.UUID) -> tuple[PriceList, list[PriceRule]]:
    pl = await repo.price_list(uow, list_id)
    if pl is None:
        raise NotFound("no such price list", code="price_list_not_found")
    return pl, await repo.price_rules(uow, list_id)


async def all_lists(uow: UnitOfWork) -> list[PriceList]:
    return await repo.price_lists(uow)


async def replace_rules(uow: UnitOfWork, list_id: uuid.UUID, rules: list[RuleIn]) -> int:
    """All of a list's rules at once (CSV import): the old ones go in the same transaction."""
    _, old = await get(uow, list_id)
    for r in old:
        await repo.delete(uow, r)
    await uow.flush()
    _add_rules(uow, list_id, rules)
    await uow.flush()
    return len(rules)


def _describe(rule: PriceRule, lang_list: str) -> str:
    what = f"R$ {rule.value:.2f}" if rule.kind == "fixed" else f"-{rule.value.normalize():f}%"
    band = f"{rule.min_qty}+" if rule.max_qty is None else f"{rule.min_qty}-{rule.max_qty}"
    return f"{lang_list}: {what} ({band})"


async def prices_for(
    uow: UnitOfWork, company_id: uuid.UUID, lines: Mapping[str, tuple[int, Decimal]], now: datetime
) -> dict[str, ListPrice]:
    """The best list price of each line (``{sku: (quantity, catalog unit price)}``) for a company buyer:
    one query over the lists valid now for the company or for every company."""
    if not lines:
        return {}
    best: dict[str, ListPrice] = {}
    constraints: dict[str, tuple[int, int]] = {}
    for rule, list_name in await repo.rules_in_force(uow, company_id, sorted(lines), now):
        qty, base = lines[rule.sku]
        moq, mult = constraints.get(rule.sku, (1, 1))
        constraints[rule.sku] = (max(moq, rule.moq), max(mult, rule.multiple))
        if qty < rule.min_qty or (rule.max_qty is not None and qty > rule.max_qty):
            continue
        unit = _unit(rule, base)
        current = best.get(rule.sku)
        if current is None or unit < current.unit_price:
            best[rule.sku] = ListPrice(rule.sku, unit, _describe(rule, list_name), list_name, rule.moq, rule.multiple)
    for sku, (moq, mult) in constraints.items():
        found = best.get(sku)
        if found is not None:
            best[sku] = ListPrice(sku, found.unit_price, found.rule, found.price_list, moq, mult)
        else:
            best[sku] = ListPrice(sku, lines[sku][1], "", "", moq, mult)
    return best


@dataclass(frozen=True)
class PriceBreak:
    """One quantity band of a buyer's price: from ``min_qty`` to ``max_qty`` (None: and up)."""

    min_qty: int
    max_qty: int | None
    unit_price: Decimal
    rule: str


@dataclass(frozen=True)
class BuyerPrice:
    """A company buyer's price of one SKU on the catalog and product pages: the unit price at the
    smallest quantity they may buy (the MOQ) with the rule that won, and every quantity break."""

    sku: str
    unit_price: Decimal
    rule: str
    price_list: str
    moq: int
    multiple: int
    breaks: tuple[PriceBreak, ...]


def _unit(rule: PriceRule, base: Decimal) -> Decimal:
    if rule.kind == "fixed":
        return rule.value
    return (base * (Decimal(100) - rule.value) / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _best_at(rules: list[tuple[PriceRule, str]], qty: int, base: Decimal) -> tuple[Decimal, str, str]:
    """The lowest unit price among the tiers matching ``qty`` (the catalog's when none does), as in
    :func:`prices_for`."""
    best: tuple[Decimal, str, str] = (base, "", "")
    for rule, list_name in rules:
        if qty < rule.min_qty or (rule.max_qty is not None and qty > rule.max_qty):
            continue
        unit = _unit(rule, base)
        if not best[1] or unit < best[0]:
            best = (unit, _describe(rule, list_name), list_name)
    return best


async def buyer_prices(
    uow: UnitOfWork, company_id: uuid.UUID, catalog: Mapping[str, Decimal], now: datetime
) -> dict[str, BuyerPrice]:
    """The company's list prices of ``catalog`` (``{sku: catalog unit price}``) with their quantity
    breaks, for the SKUs some list in force prices: one query (the one :func:`prices_for` reads)."""
    if not catalog:
        return {}
    by_sku: dict[str, list[tuple[PriceRule, str]]] = {}
    for rule, list_name in await repo.rules_in_force(uow, company_id, sorted(catalog), now):
        by_sku.setdefault(rule.sku, []).append((rule, list_name))
    out: dict[str, BuyerPrice] = {}
    for sku, rules in by_sku.items():
        base = catalog[sku]
        moq = max(r.moq for r, _ in rules)
        multiple = max(r.multiple for r, _ in rules)
        edges = {moq} | {r.min_qty for r, _ in rules} | {r.max_qty + 1 for r, _ in rules if r.max_qty is not None}
        starts = sorted(q for q in edges if q >= moq)
        bands: list[PriceBreak] = []
        for i, q in enumerate(starts):
            unit, said, _ = _best_at(rules, q, base)
            top = starts[i + 1] - 1 if i + 1 < len(starts) else None
            if bands and (bands[-1].unit_price, bands[-1].rule) == (unit, said):
                bands[-1] = PriceBreak(bands[-1].min_qty, top, unit, said)
            else:
                bands.append(PriceBreak(q, top, unit, said))
        unit, said, list_name = _best_at(rules, moq, base)
        out[sku] = BuyerPrice(sku, unit, said, list_name, moq, multiple, tuple(bands))
    return out


def check_quantity(price: ListPrice, quantity: int) -> tuple[str, str] | None:
    """A line's problem with the list's minimum order quantity or multiple, if any."""
    if quantity < price.moq:
        return "below_minimum_quantity", f"{price.sku}: at least {price.moq} units"
    if quantity % price.multiple:
        return "not_a_multiple", f"{price.sku}: in multiples of {price.multiple}"
    return None
