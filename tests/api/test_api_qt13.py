"""The real QT13 package (transcript request) uploaded as a zip over HTTP and started by a student."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from api_helpers import bearer

from app.api import API_PREFIX

QT13 = Path(__file__).resolve().parents[2] / "processes" / "QT13"


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def _example(schema: dict[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "oneOf" in schema:
        return schema["oneOf"][0]["const"]
    if schema.get("type") == "object":
        return {k: _example(v) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [])}
    return {"string": "mẫu", "integer": 1, "number": 1.0, "boolean": True, "array": []}[schema["type"]]


@pytest.mark.skipif(not QT13.is_dir(), reason="processes/QT13 is not in this checkout")
def test_qt13_uploaded_as_zip_then_started_with_checked_form_data(client, make_user):
    owner = make_user("chuquytrinh", ("process_owner", None))
    student = make_user("sv.an", ("applicant", None))
    upload = client.post(f"{API_PREFIX}/procedures", headers=bearer(owner), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(_zip_folder(QT13)), "QT13.zip")})
    assert upload.status_code == 201, upload.json
    assert upload.json["code"] == "QT13"

    detail = client.get(f"{API_PREFIX}/procedures/QT13", headers=bearer(student)).json
    form = detail["start_form"]
    assert form == json.loads((QT13 / "forms" / "start.json").read_text(encoding="utf-8"))
    data = _example(form)

    wrong = client.post(f"{API_PREFIX}/cases", headers=bearer(student),
                        json={"procedure": "QT13", "data": {**data, "student_id": "không hợp lệ!"}})
    assert wrong.status_code == 422 and set(wrong.json["details"]) == {"student_id"}

    started = client.post(f"{API_PREFIX}/cases", headers=bearer(student), json={"procedure": "QT13", "data": data})
    assert started.status_code == 201, started.json
    case = started.json
    assert case["code"] == "QT13" and case["started_by"] == "sv.an"
    listed = client.get(f"{API_PREFIX}/cases?procedure=QT13", headers=bearer(student)).json
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    diagram = client.get(f"{API_PREFIX}/procedures/QT13/diagram", headers=bearer(student))
    assert diagram.data == (QT13 / "QT13.bpmn").read_bytes()
