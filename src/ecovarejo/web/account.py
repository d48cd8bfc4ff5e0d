"""Account pages: register, sign in (with MFA), profile, addresses, orders, loyalty, privacy."""

from __future__ import annotations

from fastapi import APIRouter

from .pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
