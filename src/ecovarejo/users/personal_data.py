"""Where the users context keeps personal data (LGPD), in one place: see :mod:`ecovarejo.core.personal_data`.

The privacy context's registry, export, ROPA and docs read :data:`DECLARATION`; :mod:`.lgpd` erases
the account by it. No sensitive category (LGPD art. 5 II) is stored here.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import (
    CONSENT_PROOF,
    MARCO_CIVIL,
    Basis,
    Category,
    Erasure,
    Field,
    PersonalData,
    PersonalTable,
)

ACCOUNT = "while the account exists; anonymised on erasure"
TOKENS = "until expired (then purged by privacy.retention)"
EMAIL_CHANGE = "until the link expired and the report window (14 days) closed, then purged by privacy.retention"
SESSION = "until the session or token expires (30 days at most); deleted on erasure"

DECLARATION = PersonalData(
    context="users",
    erase_on_event=False,
    tables=(
        PersonalTable(
            "users",
            "id",
            (
                Field("email", Category.CONTACT, Basis.CONTRACT, ACCOUNT, purpose="sign-in, order updates"),
                Field(
                    "first_name", Category.IDENTIFICATION, Basis.CONTRACT, ACCOUNT, purpose="addressing the customer"
                ),
                Field("last_name", Category.IDENTIFICATION, Basis.CONTRACT, ACCOUNT, purpose="addressing the customer"),
                Field("email_verified", Category.CONTACT, Basis.CONTRACT, ACCOUNT, purpose="sign-in"),
                Field(
                    "phone",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    ACCOUNT,
                    Erasure.NULL,
                    purpose="delivery contact",
                    encrypted=True,
                ),
                Field(
                    "cpf",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    ACCOUNT,
                    Erasure.NULL,
                    purpose="invoices",
                    encrypted=True,
                ),
                Field(
                    "cpf_index",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    ACCOUNT,
                    Erasure.NULL,
                    export=False,
                    purpose="finding an account by CPF (keyed hash, no CPF in it)",
                ),
                Field("password_hash", Category.CREDENTIAL, Basis.CONTRACT, ACCOUNT, export=False),
                Field("mfa_secret", Category.CREDENTIAL, Basis.CONTRACT, ACCOUNT, Erasure.NULL, export=False),
                Field("sustainability_score", Category.BEHAVIOURAL, Basis.CONTRACT, ACCOUNT, purpose="eco loyalty"),
                Field("marketing_opt_in", Category.CONSENT, Basis.CONSENT, ACCOUNT),
                Field("last_login_at", Category.NETWORK, Basis.LEGITIMATE_INTEREST, ACCOUNT, Erasure.NULL),
            ),
            description="customer and staff accounts",
        ),
        PersonalTable(
            "user_addresses",
            "user_id",
            tuple(
                Field(
                    c,
                    Category.ADDRESS if c != "recipient_name" else Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    "until the customer deletes it or erasure",
                    Erasure.NULL,
                    purpose="delivery",
                    encrypted=c in ("recipient_name", "address_line1", "address_line2", "postal_code"),
                )
                for c in (
                    "label",
                    "recipient_name",
                    "address_line1",
                    "address_line2",
                    "city",
                    "state",
                    "postal_code",
                    "country",
                )
            ),
            delete_rows=True,
            description="saved delivery addresses",
        ),
        PersonalTable(
            "refresh_tokens",
            "user_id",
            (
                Field("ip", Category.NETWORK, Basis.LEGAL_OBLIGATION, SESSION, law=MARCO_CIVIL, purpose="security"),
                Field("user_agent", Category.NETWORK, Basis.LEGITIMATE_INTEREST, SESSION, purpose="list of devices"),
                Field("created_at", Category.NETWORK, Basis.LEGITIMATE_INTEREST, SESSION),
                Field("token_hash", Category.CREDENTIAL, Basis.CONTRACT, SESSION, export=False),
            ),
            delete_rows=True,
            description="sessions (refresh tokens)",
        ),
        PersonalTable(
            "user_one_time_tokens",
            "user_id",
            (Field("token_hash", Category.CREDENTIAL, Basis.CONTRACT, TOKENS, export=False),),
            delete_rows=True,
        ),
        PersonalTable(
            "user_email_changes",
            "user_id",
            (
                Field(
                    "new_email", Category.CONTACT, Basis.CONTRACT, EMAIL_CHANGE, purpose="e-mail change (art. 18 III)"
                ),
                Field(
                    "old_email",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    EMAIL_CHANGE,
                    purpose="undoing a change not made by the owner",
                ),
                Field("created_at", Category.CONTACT, Basis.CONTRACT, EMAIL_CHANGE),
                Field("confirmed_at", Category.CONTACT, Basis.CONTRACT, EMAIL_CHANGE),
                Field("token_hash", Category.CREDENTIAL, Basis.CONTRACT, EMAIL_CHANGE, export=False),
                Field("report_token_hash", Category.CREDENTIAL, Basis.CONTRACT, EMAIL_CHANGE, export=False),
            ),
            delete_rows=True,
            description="requested e-mail changes",
        ),
        PersonalTable(
            "user_company_join_requests",
            None,
            (
                Field(
                    "requester_email",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    "30 days, then purged by privacy.retention",
                    Erasure.NULL,
                    export=False,
                    purpose="telling a company's administrators who asked to register it (art. 7 V, at the "
                    "person's request)",
                    encrypted=True,
                ),
                Field(
                    "requester_email_index",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    "30 days, then purged by privacy.retention",
                    Erasure.NULL,
                    export=False,
                    purpose="finding the attempts made from an address when its account is erased (keyed hash)",
                ),
            ),
            retention_days=30,
            description="someone without an account asked to register a company that already has one; deleted "
            "with the account of that address if one is erased later (no account leads to it: not exported)",
        ),
        PersonalTable(
            "mfa_recovery_codes",
            "user_id",
            (Field("code_hash", Category.CREDENTIAL, Basis.CONTRACT, ACCOUNT, export=False),),
            delete_rows=True,
        ),
        PersonalTable(
            "oauth_authorization_codes",
            "user_id",
            (Field("nonce", Category.CREDENTIAL, Basis.CONTRACT, "10 minutes", export=False),),
            delete_rows=True,
        ),
        PersonalTable(
            "consent_ledger",
            "user_id",
            (
                Field(
                    "purpose",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the last change",
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field(
                    "granted",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the last change",
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field(
                    "policy_version",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the last change",
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field(
                    "channel",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the last change",
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field(
                    "recorded_at",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the last change",
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field("ip", Category.NETWORK, Basis.LEGITIMATE_INTEREST, "until erasure", Erasure.NULL),
            ),
            description="consent given and withdrawn (kept tied to the anonymised account as proof)",
        ),
        PersonalTable(
            "loyalty_ledger",
            "user_id",
            (
                Field(
                    "points",
                    Category.BEHAVIOURAL,
                    Basis.CONTRACT,
                    ACCOUNT,
                    Erasure.KEEP,
                    law="LGPD art. 12: tied to an anonymised account, no longer personal data",
                ),
                Field(
                    "reason",
                    Category.BEHAVIOURAL,
                    Basis.CONTRACT,
                    ACCOUNT,
                    Erasure.KEEP,
                    law="LGPD art. 12: tied to an anonymised account, no longer personal data",
                ),
                Field(
                    "order_id",
                    Category.BEHAVIOURAL,
                    Basis.CONTRACT,
                    ACCOUNT,
                    Erasure.KEEP,
                    law="LGPD art. 12: tied to an anonymised account, no longer personal data",
                ),
                Field("details", Category.BEHAVIOURAL, Basis.CONTRACT, ACCOUNT),
                Field(
                    "created_at",
                    Category.BEHAVIOURAL,
                    Basis.CONTRACT,
                    ACCOUNT,
                    Erasure.KEEP,
                    law="LGPD art. 12: tied to an anonymised account, no longer personal data",
                ),
            ),
            description="eco-loyalty points earned and spent",
        ),
        PersonalTable(
            "companies",
            None,
            (
                Field(
                    "cnpj",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    "while the company buys",
                    Erasure.KEEP,
                    law="a company's CNPJ is not personal data; a sole trader's is kept for invoices (CTN art. 195)",
                ),
                Field(
                    "legal_name",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    "while the company buys",
                    Erasure.KEEP,
                    law="a company's name is not personal data; a sole trader's is kept for invoices (CTN art. 195)",
                ),
                Field(
                    "trade_name",
                    Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    "while the company buys",
                    Erasure.KEEP,
                    law="a company's name is not personal data",
                ),
            ),
            description="B2B buyers (a sole trader's CNPJ and name identify a person)",
        ),
    ),
    not_personal={
        "oauth_clients": {"name": "the OAuth client application's name"},
        "companies": {"state": "the state (UF) that issued a company's state registration"},
        # a legal entity's delivery address (LGPD protects natural persons; the table names no one)
        "company_addresses": {
            c: "a company's business delivery address (no person named)"
            for c in ("label", "address_line1", "address_line2", "district", "city", "state", "postal_code")
        },
    },
)

#: The users context's tables, by name (export and erasure look rows up by their subject column).
TABLES = {t.table: t for t in DECLARATION.tables}
