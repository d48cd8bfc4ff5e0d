"""The server-rendered storefront (an installable PWA) and the admin panel (Jinja2 + htmx)."""
