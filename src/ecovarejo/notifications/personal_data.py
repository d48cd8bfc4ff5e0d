"""Where the notification context keeps personal data (LGPD), in one place, in the users context's shape.

``PERSONAL_DATA[table][column]`` is the column's category; ``SUBJECT_KEY`` names the column that ties a
table's rows to the data subject. The privacy context's export and erasure walk these maps.
"""

from __future__ import annotations

CONTACT = "contact"  # email, phone, push endpoint
IDENTIFICATION = "identification"
CONSENT = "consent"
COMMUNICATION = "communication"  # what we sent them
BEHAVIOUR = "behaviour"

PERSONAL_DATA: dict[str, dict[str, str]] = {
    "notification_recipients": {
        "email": CONTACT,
        "phone": CONTACT,
        "first_name": IDENTIFICATION,
        "locale": IDENTIFICATION,
        "marketing_consent": CONSENT,
        "marketing_consent_version": CONSENT,
        "marketing_consent_at": CONSENT,
    },
    "notification_preferences": {"channel": CONSENT, "enabled": CONSENT},
    "notification_push_subscriptions": {"endpoint": CONTACT, "p256dh": CONTACT, "auth": CONTACT},
    "notification_stock_subscriptions": {"product_id": BEHAVIOUR, "product_name": BEHAVIOUR},
    "notification_messages": {
        "to_address": CONTACT,
        "subject": COMMUNICATION,
        "body_text": COMMUNICATION,
        "body_html": COMMUNICATION,
    },
}

SUBJECT_KEY: dict[str, str] = dict.fromkeys(PERSONAL_DATA, "user_id")
