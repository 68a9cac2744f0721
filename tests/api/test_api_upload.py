"""Model uploads over HTTP: deploy, idempotent re-deploy, zip packages and refused models."""

from __future__ import annotations

import io
import zipfile

import pytest
from api_demo_model import BPMN, CODE, package_files
from api_helpers import bearer

from app.api import API_PREFIX

modeling = pytest.importorskip("engine.modeling")
if not hasattr(modeling, "load_model"):
    pytest.skip("engine.modeling.load_model has not landed yet", allow_module_level=True)


def _multipart(files: dict[str, bytes]) -> dict:
    return {"file": [(io.BytesIO(content), name) for name, content in files.items()]}


def _zip(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content)
    return buffer.getvalue()


@pytest.fixture
def owner(make_user) -> str:  # type: ignore[no-untyped-def]
    return make_user("chuquytrinh", ("process_owner", None))


def test_upload_deploys_once_and_answers_200_for_the_same_content(client, owner):
    first = client.post(f"{API_PREFIX}/procedures", data=_multipart(package_files()), headers=bearer(owner),
                        content_type="multipart/form-data")
    assert first.status_code == 201, first.json
    assert first.json["created"] is True and first.json["code"] == CODE and first.json["number"] == 1
    assert [w["element_id"] for w in first.json["warnings"]] == ["acknowledge"]  # deployed, owner warned
    again = client.post(f"{API_PREFIX}/procedures", data=_multipart(package_files()), headers=bearer(owner),
                        content_type="multipart/form-data")
    assert again.status_code == 200
    assert again.json["created"] is False and again.json["content_hash"] == first.json["content_hash"]
    as_zip = client.post(f"{API_PREFIX}/procedures", headers=bearer(owner), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(_zip(package_files(), prefix="DEMO/")), "DEMO.zip")})
    assert as_zip.status_code == 200 and as_zip.json["content_hash"] == first.json["content_hash"]
    listed = client.get(f"{API_PREFIX}/procedures", headers=bearer(owner)).json
    assert [p["code"] for p in listed["items"]] == [CODE]


def test_changed_model_becomes_version_2(client, owner):
    client.post(f"{API_PREFIX}/procedures", data=_multipart(package_files()), headers=bearer(owner),
                content_type="multipart/form-data")
    changed = package_files(BPMN.replace("Xem xét đề nghị", "Xem xét kỹ đề nghị"))
    second = client.post(f"{API_PREFIX}/procedures", data=_multipart(changed), headers=bearer(owner),
                         content_type="multipart/form-data")
    assert second.status_code == 201 and second.json["number"] == 2


def test_broken_model_is_refused_with_located_problems(client, owner, container):
    broken = package_files(BPMN.replace('targetRef="acknowledge"', 'targetRef="khong_ton_tai"'))
    response = client.post(f"{API_PREFIX}/procedures", data=_multipart(broken), headers=bearer(owner),
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.json
    assert response.json["code"] == "model_rejected"
    problems = response.json["details"]
    assert problems and all({"file", "line", "element_id", "message"} <= set(p) for p in problems)
    assert any(p["file"] == f"{CODE}.bpmn" for p in problems)
    assert container.engine.procedures() == []


def test_zip_escaping_its_folder_is_refused(client, owner, container):
    evil = _zip({"../../etc/cron.d/evil.bpmn": b"<x/>", **package_files()})
    response = client.post(f"{API_PREFIX}/procedures", headers=bearer(owner), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(evil), "evil.zip")})
    assert response.status_code == 422
    assert response.json["details"][0]["file"] == "../../etc/cron.d/evil.bpmn"
    assert container.engine.procedures() == []
