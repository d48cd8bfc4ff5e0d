"""``me``: the caller's account, through the users context's public service."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ecovarejo.users import public as users

from .context import GQLContext


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    first_name: str
    last_name: str
    user_type: str
    locale: str
    company_id: strawberry.ID | None


@strawberry.type
class UsersQuery:
    @strawberry.field(description="The authenticated caller (bearer access token, as for REST).")  # type: ignore[untyped-decorator]
    async def me(self, info: Info[GQLContext, None]) -> User:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.db() as uow:
            view = await users.get_user(uow, principal.user_id)
        if view is None:
            from ecovarejo.core.errors import Unauthorized

            raise Unauthorized("the account no longer exists", code="account_not_found")
        return User(
            id=strawberry.ID(str(view.id)),
            email=view.email,
            first_name=view.first_name,
            last_name=view.last_name,
            user_type=view.user_type,
            locale=view.locale,
            company_id=strawberry.ID(str(view.company_id)) if view.company_id else None,
        )
