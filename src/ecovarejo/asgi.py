"""ASGI entry point for servers: ``uvicorn ecovarejo.asgi:app``."""

from .app import create_app

app = create_app()
