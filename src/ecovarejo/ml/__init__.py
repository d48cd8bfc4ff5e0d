"""The AI/ML context: models trained per tenant on its own data, served in-process with fallbacks."""
