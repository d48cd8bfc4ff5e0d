"""The users context's public surface: what orders, privacy, analytics, GraphQL, web and the CLI may
call. Accounts come back as the frozen :class:`UserView`, never ORM rows. Authentication for other
contexts is the kernel's ``Authenticator`` port (``ecovarejo.core.auth``), which this context provides.
"""

from __future__ import annotations

from ecovarejo.core.ports import Ports

from .authflows import RefreshTokenReuse
from .companies import CompanyContact, company, company_by_cnpj, company_contacts
from .contacts import UserContact, UsersCompanyJoinRequests, UsersContactBook, UsersSignInDevices, contact
from .documents import is_valid_cnpj, normalize_cnpj
from .history import PastCustomer, import_customers
from .keys import KeyRing
from .ports import AuditHook, UsersPorts
from .privacy_port import UsersDataSubjects
from .service import (
    POINT_VALUE,
    BuyerView,
    CompanyView,
    SignIn,
    UserView,
    buyer_cpf,
    confirm_email,
    earn_order_points,
    erase_personal_data,
    export_personal_data,
    get_buyer,
    get_user,
    has_consent,
    invite_staff,
    is_b2b,
    points_value,
    record_cookie_choice,
    redeem_points_for_order,
    refresh_session,
    refund_points_for_order,
    register,
    request_password_reset,
    reset_password,
    sign_in,
    sign_in_mfa,
    sign_out,
)

__all__ = [
    "POINT_VALUE",
    "BuyerView",
    "CompanyContact",
    "CompanyView",
    "KeyRing",
    "PastCustomer",
    "RefreshTokenReuse",
    "SignIn",
    "UserContact",
    "UserView",
    "UsersCompanyJoinRequests",
    "UsersContactBook",
    "UsersDataSubjects",
    "UsersSignInDevices",
    "buyer_cpf",
    "company",
    "company_by_cnpj",
    "company_contacts",
    "confirm_email",
    "contact",
    "earn_order_points",
    "erase_personal_data",
    "export_personal_data",
    "get_buyer",
    "get_user",
    "has_consent",
    "import_customers",
    "invite_staff",
    "is_b2b",
    "is_valid_cnpj",
    "normalize_cnpj",
    "plug_audit",
    "points_value",
    "record_cookie_choice",
    "redeem_points_for_order",
    "refresh_session",
    "refund_points_for_order",
    "register",
    "request_password_reset",
    "reset_password",
    "sign_in",
    "sign_in_mfa",
    "sign_out",
]


def plug_audit(ports: Ports, hook: AuditHook) -> None:
    """The composition root hands in the privacy context's audit log (registration, profile and address
    changes, e-mail changes and staff reads of a customer are recorded in it)."""
    users_ports = ports.find(UsersPorts)
    if users_ports is not None:
        users_ports.audit = hook
