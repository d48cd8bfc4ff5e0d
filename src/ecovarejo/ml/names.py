"""The models of the ml context, by name (a module of its own: the CLI lists them without loading the training code)."""

MODEL_NAMES = ("recommendations", "fraud", "forecast", "classify", "pricing")
