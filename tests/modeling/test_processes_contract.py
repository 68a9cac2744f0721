"""The procedure packages in processes/ deploy through load_model with the documented operators.

This is the contract between the package format (processes/README.md) and the loader: if a
regenerated model trips a rule, the message says which file, line and element.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ModelRejected
from engine.modeling import load_model

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
PACKAGES = sorted(p for p in PROCESSES.glob("QT*") if p.is_dir()) if PROCESSES.is_dir() else []
#: "Service operators (only these)" in processes/README.md
OPERATORS = {"issue_document", "sign_document", "notify", "axis_send_status", "axis_send_document",
             "payment_request"}


@pytest.mark.skipif(not PACKAGES, reason="no procedure packages in processes/")
@pytest.mark.parametrize("folder", PACKAGES, ids=[p.name for p in PACKAGES])
def test_procedure_package_deploys(folder):
    try:
        model = load_model(folder, known_operators=OPERATORS)
    except ModelRejected as error:
        pytest.fail("\n".join(str(p) for p in error.details))
    assert model.code == folder.name
    assert "start" in model.forms or model.settings.get("started_by") in ("staff", "axis")
    assert not [w for w in model.warnings if w.code == "user_task_without_form"]
