"""Connectors to outside systems, one sub-package each. No engine, no Flask."""
