"""Logistics: CEP lookup, per-tenant shipping configuration, carriers, quotes, shipments and shipping carbon."""
