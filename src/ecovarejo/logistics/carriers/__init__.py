"""Carriers behind one port: the built-in table rates, Correios (contract API), Melhor Envio (aggregator)."""
