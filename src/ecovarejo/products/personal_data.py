"""Where the products context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

A review's author name, title and text are anonymised on erasure; the rating stays (it no longer
identifies anyone) so product ratings do not move.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import Basis, Category, Erasure, Field, PersonalData, PersonalTable

REVIEW = "while published; anonymised on erasure"

DECLARATION = PersonalData(
    context="products",
    tables=(
        PersonalTable(
            "reviews",
            "user_id",
            (
                Field("author_name", Category.IDENTIFICATION, Basis.CONSENT, REVIEW, purpose="public review signature"),
                Field("title", Category.BEHAVIOURAL, Basis.CONSENT, REVIEW, purpose="public review"),
                Field("body", Category.BEHAVIOURAL, Basis.CONSENT, REVIEW, purpose="public review"),
                Field(
                    "rating",
                    Category.BEHAVIOURAL,
                    Basis.CONSENT,
                    REVIEW,
                    Erasure.KEEP,
                    law="LGPD art. 12: an anonymised rating is not personal data",
                ),
                Field(
                    "product_id",
                    Category.BEHAVIOURAL,
                    Basis.CONSENT,
                    REVIEW,
                    Erasure.KEEP,
                    law="LGPD art. 12: an anonymised rating is not personal data",
                ),
                Field(
                    "created_at",
                    Category.BEHAVIOURAL,
                    Basis.CONSENT,
                    REVIEW,
                    Erasure.KEEP,
                    law="LGPD art. 12: an anonymised rating is not personal data",
                ),
            ),
            description="product reviews written by the customer",
        ),
        PersonalTable(
            "product_purchases",
            "user_id",
            (
                Field(
                    "product_id",
                    Category.BEHAVIOURAL,
                    Basis.CONTRACT,
                    "until erasure",
                    purpose="verified-purchase badge",
                ),
                Field("created_at", Category.BEHAVIOURAL, Basis.CONTRACT, "until erasure"),
            ),
            delete_rows=True,
            description="products the customer received (verified purchases)",
        ),
    ),
    not_personal={
        "products": {"name": "a product's name", "meta_description": "SEO text"},
        "product_variants": {"name": "a variant's name"},
        "categories": {"name": "a category's name"},
        "certifications": {"name": "a certification's name"},
        "product_certifications": {"document_url": "a link to a product's certificate (a company document)"},
    },
)
