"""The kernel shared by every context. Nothing here imports a context."""
