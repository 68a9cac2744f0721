"""Procedures: list, details with the start form, the BPMN diagram, and model uploads."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from engine import Actor
from engine.modeling import load_model, read_package

from ..errors import ApiError
from ..routing import container, endpoint
from ..schemas.common import PageQuerySchema, page_of, paginate
from ..schemas.procedures import DeployResultSchema, ProcedureDetailSchema, ProcedureSchema


@endpoint("/procedures", tag="procedures", query=PageQuerySchema, response=page_of(ProcedureSchema))
def list_procedures(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """The procedures that can be started, each at its current version."""
    items = [v.to_dict() for v in container().engine.procedures()]
    return paginate(items, query["page"], query["per_page"])


@endpoint("/procedures/<code>", tag="procedures", response=ProcedureDetailSchema, errors=(404,))
def get_procedure(actor: Actor, code: str) -> dict[str, Any]:
    """One procedure: description, deploy warnings, settings and the JSON Schema of its start form."""
    engine = container().engine
    version = engine.procedure(code)
    return {**version.to_dict(), "start_form": engine.form(version.id, "start")}


@endpoint("/procedures/<code>/diagram", tag="procedures", errors=(404,), media_type="application/xml")
def get_procedure_diagram(actor: Actor, code: str) -> Response:
    """The BPMN 2.0 XML of the procedure's current version, as drawn (for bpmn-js or a modeller)."""
    engine = container().engine
    version = engine.procedure(code)
    files = engine.version_files(version.id)
    bpmn = [p for p in sorted(files) if p.endswith(".bpmn")]
    if not bpmn:
        raise ApiError(404, "not_found", f"Quy trình '{code}' không có sơ đồ BPMN",
                       f"Procedure '{code}' has no BPMN diagram")
    main = f"{code}.bpmn" if f"{code}.bpmn" in bpmn else bpmn[0]
    return Response(files[main], mimetype="application/xml")


@endpoint("/procedures", "POST", tag="procedures", response=DeployResultSchema, status=201,
          roles=("process_owner",), upload=True, errors=(403, 413, 422))
def deploy_procedure(actor: Actor) -> tuple[dict[str, Any], int]:
    """Upload a process model: one ``.bpmn`` file, several package files, or a ``.zip`` package.

    Send ``multipart/form-data`` with the file(s) in any field (usually ``file``). Answers 201 when a
    new version was deployed and 200 when exactly this content (same hash) already was; a refused
    model gives 422 with ``details`` listing each problem (file, line, element_id, message).
    """
    files = _uploaded_files()
    package = read_package(files)
    model = load_model(package, known_operators=container().registry.names())
    result = container().engine.deploy(model, actor)
    body = {**result.to_dict(), "ignored_files": list(package.ignored)}
    return body, 201 if result.created else 200


def _uploaded_files() -> dict[str, bytes]:
    if not request.mimetype.startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "Hãy gửi tệp mô hình dạng multipart/form-data",
                       "Upload the model as multipart/form-data", {"content_type": request.content_type})
    collected: dict[str, bytes] = {}
    for storage in _all_files():
        name = storage.filename or ""
        if name in collected:
            raise ApiError(422, "duplicate_file", f"Tệp '{name}' được gửi hai lần",
                           f"File '{name}' was sent twice", [{"file": name}])
        collected[name] = storage.read()
    if not collected:
        raise ApiError(422, "no_file", "Chưa chọn tệp mô hình (.bpmn hoặc .zip)",
                       "No model file was uploaded (.bpmn or .zip)", [{"field": "file"}])
    return collected


def _all_files() -> list[Any]:
    return [storage for key in request.files for storage in request.files.getlist(key)]
