"""Shapes shared by every endpoint: errors, pagination queries and paginated lists."""

from __future__ import annotations

from functools import cache

from marshmallow import RAISE, Schema, fields, validate

MAX_PER_PAGE = 200


class StrictSchema(Schema):
    """Unknown fields are refused (422), never silently dropped: a typo must not pass unnoticed."""

    class Meta:
        unknown = RAISE


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "Message in Vietnamese"})
    message_en = fields.String(required=True, metadata={"description": "Message in English"})
    details = fields.Raw(allow_none=True, metadata={"description": "Structured details (field errors...)"})


class PageQuerySchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """A ``{items, total, page, per_page}`` schema for ``item``, named after it for OpenAPI."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "__doc__": f"One page of {item.__name__.removesuffix('Schema')} items.",
    })


def paginate(items: list, page: int, per_page: int) -> dict:
    """Slice an already-loaded list into the same page shape the engine returns for big lists."""
    start = (page - 1) * per_page
    return {"items": items[start:start + per_page], "total": len(items), "page": page, "per_page": per_page}
