"""The certification registry (every tenant starts with :data:`DEFAULT_CERTIFICATIONS`) and the
daily job over products' certifications (expiry, events, scores)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .common import TOPIC, cert_code, check_staff, today
from .models import Certification
from .schemas import CertificationIn, CertificationSchemeIn, CertificationSchemeOut
from .scores import recompute_scores

#: The certification registry every tenant starts with: code -> (name, issuer, weight, description).
DEFAULT_CERTIFICATIONS: dict[str, tuple[str, str, str, str]] = {
    "GOTS": ("Global Organic Textile Standard", "Global Standard gGmbH", "2.0", "Têxteis com fibras orgânicas"),
    "FSC": ("Forest Stewardship Council", "Forest Stewardship Council A.C.", "2.0", "Madeira e papel de manejo"),
    "FAIRTRADE": ("Fairtrade", "Fairtrade International", "1.5", "Comércio justo para produtores"),
    "EU-ECOLABEL": ("EU Ecolabel", "Comissão Europeia", "2.0", "Rótulo ecológico oficial da UE"),
    "B-CORP": ("B Corp", "B Lab", "1.5", "Empresa certificada por impacto socioambiental"),
    "RAINFOREST-ALLIANCE": ("Rainforest Alliance", "Rainforest Alliance", "1.5", "Agricultura sustentável"),
    "C2C": ("Cradle to Cradle Certified", "Cradle to Cradle Products Innovation Institute", "2.5", "Economia circular"),
    "IBD-ORGANICO": ("IBD Orgânico", "IBD Certificações", "1.5", "Produto orgânico brasileiro"),
    "ECOCERT": ("Ecocert", "Ecocert", "1.5", "Cosméticos e alimentos orgânicos"),
    "OEKO-TEX": ("OEKO-TEX Standard 100", "OEKO-TEX Association", "1.0", "Têxteis sem substâncias nocivas"),
}


# --------------------------------------------------------------------------- certification registry


async def list_certifications(uow: UnitOfWork) -> list[CertificationSchemeOut]:
    return [
        CertificationSchemeOut(
            id=c.id, code=c.code, name=c.name, issuer=c.issuer, description=c.description, weight=c.weight
        )
        for c in await repo.certifications(uow)
    ]


async def create_certification(
    uow: UnitOfWork, data: CertificationSchemeIn, actor: Principal | None = None
) -> CertificationSchemeOut:
    check_staff(actor)
    code = cert_code(data.code)
    if await repo.certification_by_code(uow, code):
        raise Conflict(f"certification {code} exists", code="certification_exists")
    c = Certification(code=code, name=data.name, issuer=data.issuer, description=data.description, weight=data.weight)
    repo.add(uow, c)
    await uow.flush()
    return CertificationSchemeOut(
        id=c.id, code=c.code, name=c.name, issuer=c.issuer, description=c.description, weight=c.weight
    )


async def certification_scheme(uow: UnitOfWork, cert: CertificationIn) -> Certification:
    code = cert_code(cert.name)
    c = await repo.certification_by_code(uow, code)
    if c is not None:
        return c
    if code in DEFAULT_CERTIFICATIONS:
        name, issuer, weight, desc = DEFAULT_CERTIFICATIONS[code]
        c = Certification(code=code, name=name, issuer=issuer, weight=Decimal(weight), description=desc)
    elif cert.issuer:
        c = Certification(code=code, name=cert.name, issuer=cert.issuer, weight=Decimal("1.0"), description="")
    else:
        raise InvalidInput(
            f"unknown certification {cert.name!r}: register it or give its issuer", code="unknown_certification"
        )
    repo.add(uow, c)
    await uow.flush()
    return c


async def ensure_registry(uow: UnitOfWork) -> None:
    for code in DEFAULT_CERTIFICATIONS:
        await certification_scheme(uow, CertificationIn(name=code))


async def check_certifications(uow: UnitOfWork, on: date | None = None) -> dict[str, int]:
    """The daily job's work for one tenant: mark expired certifications, recompute the scores, and emit
    ``certification.expiring`` (30 days ahead) and ``certification.expired`` (on the day), once each."""
    t = on or today()
    rows = await repo.certification_rows_due(uow, t + timedelta(days=30))
    expiring = expired = 0
    touched: set[uuid.UUID] = set()
    for pc, c, p in rows:
        assert pc.expiry is not None
        data = {
            "product_id": str(p.id),
            "sku": p.sku,
            "name": p.name,
            "supplier_id": str(p.supplier_id) if p.supplier_id else None,
            "certification": c.code,
            "expiry": pc.expiry.isoformat(),
        }
        if pc.expiry < t:
            if pc.status != "expired":
                pc.status = "expired"
                touched.add(p.id)
            if not pc.expired_notified:
                pc.expired_notified = True
                pc.expiring_notified = True
                uow.emit(TOPIC, "certification.expired", data, subject=p.sku)
                expired += 1
        elif not pc.expiring_notified:
            pc.expiring_notified = True
            uow.emit(TOPIC, "certification.expiring", {**data, "days_left": (pc.expiry - t).days}, subject=p.sku)
            expiring += 1
    await uow.flush()
    changed = await recompute_scores(uow)
    if touched or changed:
        await repo.bump_version(uow)
    return {"expiring": expiring, "expired": expired, "rescored": changed}
