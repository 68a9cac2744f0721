"""quytrinh's BPMN runtime: the only package that knows SpiffWorkflow. No Flask here.

Public API::

    from engine import ProcessEngine, Actor, ServiceRegistry, make_engine, make_session_factory
    engine = ProcessEngine(make_session_factory(make_engine(url)), registry)
    engine.deploy(loaded_model, actor)          # engine.modeling.load_model(...) builds loaded_model
    case = engine.start("QT13", data, actor)
    engine.inbox(actor); engine.claim(task_id, actor); engine.complete(task_id, data, actor)
    engine.run_due_jobs(); engine.send_message(name, key, payload)
    engine.verify_audit(case_id)
"""

from .actors import SYSTEM, Actor
from .db import Base, make_engine, make_session_factory, transaction
from .errors import (
    Conflict,
    EngineError,
    InvalidData,
    ModelRejected,
    NotFound,
    PermissionDenied,
    ScriptBlocked,
)
from .runtime.facade import ProcessEngine
from .services import OperatorContext, OperatorError, ServiceRegistry

__all__ = [
    "SYSTEM", "Actor", "Base", "Conflict", "EngineError", "InvalidData", "ModelRejected", "NotFound",
    "OperatorContext", "OperatorError", "PermissionDenied", "ProcessEngine", "ScriptBlocked",
    "ServiceRegistry", "make_engine", "make_session_factory", "transaction",
]
