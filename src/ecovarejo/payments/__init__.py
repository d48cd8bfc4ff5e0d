"""The payments context."""
