"""Where the logistics context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

A shipment carries the recipient's name and address (the carrier needs them on the label) and the
customer's e-mail and first name (tracking notices). Erasure anonymises them; the shipment keeps its
carrier, price and emissions (tied to the order's fiscal record, not to the person).
"""

from __future__ import annotations

from ecovarejo.core.personal_data import Basis, Category, Erasure, Field, PersonalData, PersonalTable

KEPT = "until erasure (delivery and its claims)"

DECLARATION = PersonalData(
    context="logistics",
    tables=(
        PersonalTable(
            "shipments",
            "user_id",
            (
                Field("recipient", Category.ADDRESS, Basis.CONTRACT, KEPT, purpose="delivery label", encrypted=True),
                Field(
                    "destination_cep",
                    Category.ADDRESS,
                    Basis.CONTRACT,
                    KEPT,
                    purpose="delivery and quotes",
                    encrypted=True,
                ),
                Field(
                    "email",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    KEPT,
                    Erasure.NULL,
                    purpose="tracking notices",
                    encrypted=True,
                ),
                Field(
                    "first_name",
                    Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    KEPT,
                    Erasure.NULL,
                    purpose="notices",
                    encrypted=True,
                ),
                Field("tracking_code", Category.BEHAVIOURAL, Basis.CONTRACT, KEPT, Erasure.NULL, purpose="tracking"),
                Field("tracking_url", Category.BEHAVIOURAL, Basis.CONTRACT, KEPT, Erasure.NULL, purpose="tracking"),
            ),
            description="parcels sent to the customer",
        ),
    ),
    not_personal={
        "shipments": {
            "origin_cep": "the shop's warehouse CEP",
            "service_name": "a carrier's service (PAC, SEDEX)",
            "pickup_point": "a business address: the shop's pickup point or a carrier's agency",
        },
        "shipping_configs": {"document": "the shop's shipping rules (warehouses, zones, rates)"},
    },
    shared_with={
        "carriers (Correios, Melhor Envio and the carriers it books)": "the recipient's name, address, CEP and, "
        "for Melhor Envio, e-mail and phone, to print the label and deliver (LGPD art. 7 V)",
    },
)
