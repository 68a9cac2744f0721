"""REST API under /api/v1 (placeholder until the API module lands)."""

from flask import Flask


def register_api(app: Flask) -> None:
    """Register the /api/v1 blueprint, its error handlers and authentication."""
