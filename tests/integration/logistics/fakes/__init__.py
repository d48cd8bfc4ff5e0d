"""Local stand-ins for the CEP service's and the carriers' clouds, speaking their real HTTP APIs."""

from tests.integration.payments_providers.fakes import serve

__all__ = ["serve"]
