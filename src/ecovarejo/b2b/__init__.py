"""The b2b context: company buying — members' roles and spending limits, approvals of purchases above
a buyer's limit. Other contexts call :mod:`.public` only."""
