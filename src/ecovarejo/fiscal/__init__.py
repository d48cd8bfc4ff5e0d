"""The fiscal context: each tenant's tax settings (ICMS, DIFAL, regime), products' fiscal data and the
NF-e. Other contexts call :mod:`.public` only."""
