"""The public front page lists the deployed procedures, escaped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.factory import create_app
from engine import SYSTEM
from engine.modeling import load_model, read_package

MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "models"


def test_front_page_lists_procedures_without_login_and_escapes_names(container, tmp_path):
    folder = tmp_path / "three_tasks"
    shutil.copytree(MODELS / "three_tasks", folder)
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    settings["name_vi"] = "Cấp giấy <script>alert(1)</script>"
    settings["fee_vnd"] = 5000
    (folder / "settings.json").write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    container.engine.deploy(load_model(read_package(folder)), SYSTEM)
    client = create_app(container=container).test_client()
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Cấp giấy &lt;script&gt;" in html and "<script>alert" not in html
    assert "5.000 đ" in html and "T3" in html
