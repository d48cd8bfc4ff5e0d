"""The users context: accounts, authentication (JWT, refresh rotation, OAuth 2.0 + OIDC, MFA), RBAC, B2B,
addresses, consent and eco loyalty. Other contexts use :mod:`ecovarejo.users.service` only."""
