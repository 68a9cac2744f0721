"""Service-task operators, one module per concern, each with ``register(registry, container)``."""
