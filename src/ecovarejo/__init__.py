"""EcoVarejo: e-commerce for retailers of sustainable products in Brazil."""

__version__ = "0.1.0"
