"""Where the users context keeps personal data (LGPD), in one place.

``PERSONAL_DATA[table][column]`` is the column's category. The privacy context's export and erasure
walk this map (rows by ``user_id``, or ``id`` for ``users``); ``SUBJECT_KEY`` says which column ties
a table's rows to the data subject. Sensitive categories (LGPD art. 5 II) are marked ``sensitive``;
none are stored here.
"""

from __future__ import annotations

IDENTIFICATION = "identification"  # name, CPF
CONTACT = "contact"  # email, phone
ADDRESS = "address"
CREDENTIAL = "credential"  # never exported; erased with the account
NETWORK = "network"  # IP address, user agent
CONSENT = "consent"
BEHAVIOUR = "behaviour"  # loyalty, scores

PERSONAL_DATA: dict[str, dict[str, str]] = {
    "users": {
        "email": CONTACT,
        "first_name": IDENTIFICATION,
        "last_name": IDENTIFICATION,
        "phone": CONTACT,
        "cpf": IDENTIFICATION,
        "password_hash": CREDENTIAL,
        "mfa_secret": CREDENTIAL,
        "sustainability_score": BEHAVIOUR,
        "marketing_opt_in": CONSENT,
        "last_login_at": NETWORK,
    },
    "user_addresses": {
        "recipient_name": IDENTIFICATION,
        "address_line1": ADDRESS,
        "address_line2": ADDRESS,
        "city": ADDRESS,
        "state": ADDRESS,
        "postal_code": ADDRESS,
        "country": ADDRESS,
    },
    "refresh_tokens": {"ip": NETWORK, "user_agent": NETWORK, "token_hash": CREDENTIAL},
    "user_one_time_tokens": {"token_hash": CREDENTIAL},
    "mfa_recovery_codes": {"code_hash": CREDENTIAL},
    "consent_ledger": {"purpose": CONSENT, "granted": CONSENT, "policy_version": CONSENT, "ip": NETWORK},
    "loyalty_ledger": {"points": BEHAVIOUR, "reason": BEHAVIOUR, "order_id": BEHAVIOUR},
    "oauth_authorization_codes": {"nonce": CREDENTIAL},
}

#: The column of each table that names the data subject.
SUBJECT_KEY: dict[str, str] = {table: ("id" if table == "users" else "user_id") for table in PERSONAL_DATA}

#: Categories never handed out in an export (secrets), only erased.
NOT_EXPORTED = frozenset({CREDENTIAL})

#: Company data is not personal data, except a sole trader's CNPJ may identify a person.
COMPANY_DATA: dict[str, dict[str, str]] = {"companies": {"cnpj": IDENTIFICATION, "legal_name": IDENTIFICATION}}
