"""The generated OpenAPI document: valid OpenAPI 3, covering every route with its security."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from app.api import API_PREFIX, is_public


def _document(client) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json


def test_document_is_valid_openapi_3(client):
    document = _document(client)
    assert document["openapi"].startswith("3.")
    validate(document)


def test_every_route_and_method_is_documented_with_its_security(app, client):
    paths = _document(client)["paths"]
    expected = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            expected.add((path, method.lower()))
            operation = paths[path][method.lower()]
            if is_public(app.view_functions[rule.endpoint]):
                assert operation["security"] == [], path
            else:
                assert {"bearerAuth": []} in operation["security"], path
                assert "401" in operation["responses"], path
            assert operation["summary"], path
    documented = {(path, method) for path, ops in paths.items() for method in ops}
    assert documented == expected
    assert len(expected) >= 22


def test_schemas_come_from_the_marshmallow_schemas(client):
    document = _document(client)
    schemas = document["components"]["schemas"]
    assert {"Case", "Task", "Error", "CaseSummaryPage", "StartCase", "CompleteTask", "Login"} <= set(schemas)
    start = document["paths"][f"{API_PREFIX}/cases"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StartCase"}
    assert set(start["responses"]) >= {"201", "401", "413", "415", "422"}
    assert schemas["StartCase"]["required"] == ["procedure"]
    listing = document["paths"][f"{API_PREFIX}/cases"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"page", "per_page", "status", "procedure"}
    case_id = document["paths"][f"{API_PREFIX}/cases/{{case_id}}"]["get"]["parameters"][0]
    assert case_id == {"in": "path", "name": "case_id", "required": True, "schema": {"type": "integer"}}
    upload = document["paths"][f"{API_PREFIX}/procedures"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "201", "403", "422"} <= set(upload["responses"])
