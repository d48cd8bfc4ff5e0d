"""The web context: storefront and admin pages at the site root, static assets at ``/static``."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.payments import public as payments
from ecovarejo.products import public as products

from . import (
    account,
    admin,
    admin_analytics,
    admin_catalog,
    admin_company,
    admin_coupons,
    admin_fiscal,
    admin_ml,
    admin_nfe,
    admin_ops,
    admin_privacy,
    admin_products,
    admin_shipping,
    b2b_groups,
    b2b_terms,
    card_authentication,
    cart,
    company_pages,
    consent,
    email_change,
    layout,
    legal,
    nfe_pages,
    password,
    pwa,
    quote_pages,
    seo,
    storefront,
)
from .security import PageSecurityMiddleware, build_csp
from .templating import HERE, not_found_page


def media_origins(container: Container) -> tuple[str, ...]:
    """Origins product images come from besides this site (the catalog's S3 bucket or CDN)."""
    media = products.media_settings(container)
    if media.backend != "s3":
        return ()
    origins = []
    for url in (media.s3_public_url, media.s3_endpoint_url):
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(dict.fromkeys(origins))


def setup_app(app: FastAPI, container: Container) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        PageSecurityMiddleware,
        settings=container.settings,
        not_found=not_found_page,
        csp=build_csp(media_origins(container), payments.csp_sources(container)),
    )
    app.add_middleware(seo.HeadAsGetMiddleware)


CONTEXT = ContextSpec(
    name="web",
    edge=True,
    routers=[
        pwa.router,
        seo.router,
        account.router,
        admin.router,
        admin_analytics.router,
        admin_products.router,
        admin_catalog.router,
        admin_ops.router,
        admin_coupons.router,
        admin_company.router,
        admin_privacy.router,
        admin_ml.router,
        admin_shipping.router,
        admin_fiscal.router,
        admin_nfe.router,
        nfe_pages.router,
        b2b_terms.router,
        b2b_groups.router,
        company_pages.router,
        quote_pages.router,
        cart.router,
        card_authentication.router,
        storefront.router,
        consent.router,
        legal.router,
        password.router,
        email_change.router,
    ],
    setup_app=setup_app,
    seed_demo=layout.seed_demo,
    seed_order=900,
)
