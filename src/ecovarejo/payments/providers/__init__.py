"""Adapters of real payment providers behind :class:`ecovarejo.payments.gateway.PaymentGateway`."""
