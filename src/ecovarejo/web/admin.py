"""The admin panel: staff sign-in with MFA, and one page per area, each checking its permission."""

from __future__ import annotations

from fastapi import APIRouter

from .pages import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
