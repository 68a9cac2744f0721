"""Marshmallow schemas for API bodies, queries and responses (also the OpenAPI components)."""
