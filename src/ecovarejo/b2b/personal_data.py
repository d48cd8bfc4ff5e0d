"""The b2b context's personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Members, approval requests, quotes and invoices name people by their user id (the users context holds who
they are); they are still the person's data (a buyer's role and limit, what they asked to buy, the notes
and messages they typed), so they are exported. On erasure the membership goes and the free text typed by
the person (a note, a quote message) is emptied; what remains is the company's business record (the
company is the customer), tied to an anonymised account (LGPD art. 12), and its invoices are fiscal records.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import FISCAL_LAW, Basis, Category, Erasure, Field, PersonalData, PersonalTable

MEMBER = "while the person belongs to the company; deleted on erasure"
RECORD = "while the company's account exists; free text emptied on erasure"
FISCAL = "5 years after the sale (fiscal records)"
ANONYMISED = "LGPD art. 12: the company's record, tied to an anonymised account, no longer personal data"


def _typed(column: str, purpose: str) -> Field:
    """Free text the person typed: emptied on erasure."""
    return Field(column, Category.BEHAVIOURAL, Basis.CONTRACT, RECORD, Erasure.NULL, purpose=purpose)


def _kept(column: str, category: Category, retention: str = RECORD) -> Field:
    return Field(column, category, Basis.CONTRACT, retention, Erasure.KEEP, law=ANONYMISED)


DECLARATION = PersonalData(
    context="b2b",
    tables=(
        PersonalTable(
            "b2b_members",
            "user_id",
            (
                Field("company_id", Category.IDENTIFICATION, Basis.CONTRACT, MEMBER, purpose="buying for a company"),
                Field("role", Category.BEHAVIOURAL, Basis.CONTRACT, MEMBER, purpose="buying for a company"),
                Field("spending_limit", Category.FINANCIAL, Basis.CONTRACT, MEMBER, purpose="purchase approvals"),
                Field("created_at", Category.BEHAVIOURAL, Basis.CONTRACT, MEMBER),
            ),
            delete_rows=True,
            description="the person's role in their company and spending limit",
        ),
        PersonalTable(
            "b2b_approvals",
            "requester_id",
            (
                _kept("company_id", Category.IDENTIFICATION),
                _kept("lines", Category.BEHAVIOURAL),
                _kept("amount", Category.FINANCIAL),
                _kept("status", Category.BEHAVIOURAL),
                _typed("note", "purchase approvals"),
                _kept("decided_at", Category.BEHAVIOURAL),
                _typed("decision_note", "purchase approvals"),
                _kept("created_at", Category.BEHAVIOURAL),
            ),
            description="purchases the person asked an approver of their company to allow",
        ),
        PersonalTable(
            "b2b_quotes",
            "requester_id",
            (
                _kept("company_id", Category.IDENTIFICATION),
                _kept("number", Category.BEHAVIOURAL),
                _kept("status", Category.BEHAVIOURAL),
                _kept("revision", Category.BEHAVIOURAL),
                _kept("valid_until", Category.BEHAVIOURAL),
                _kept("accepted_at", Category.BEHAVIOURAL),
                _kept("order_id", Category.BEHAVIOURAL),
                _kept("created_at", Category.BEHAVIOURAL),
            ),
            description="quotes the person requested for their company",
        ),
        PersonalTable(
            "b2b_quote_messages",
            "author_id",
            (
                _kept("quote_id", Category.BEHAVIOURAL),
                _kept("action", Category.BEHAVIOURAL),
                _typed("body", "negotiating a quote"),
                _kept("created_at", Category.BEHAVIOURAL),
            ),
            description="messages the person wrote on a quote",
        ),
        PersonalTable(
            "b2b_invoices",
            "buyer_id",
            tuple(
                Field(c, Category.FINANCIAL, Basis.LEGAL_OBLIGATION, FISCAL, Erasure.KEEP, law=FISCAL_LAW)
                for c in ("company_id", "order_number", "po_number", "terms", "total", "status", "issued_on")
            ),
            description="invoices (boleto terms) of the company's orders the person placed",
        ),
    ),
    not_personal={
        "b2b_price_lists": {"name": 'a price list\'s name ("Atacado")'},
        "b2b_customer_groups": {"name": 'a customer group\'s name ("Atacado")'},
    },
)
