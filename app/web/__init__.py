"""Public pages. For now the front page: the published procedures (online service level 1 is
"the procedure's information is published online") and where the API is. The pages for each role
come with their own issue."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template_string

from ..api.routing import public

bp = Blueprint("web", __name__)

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>quytrinh — Thủ tục trực tuyến</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1c2430}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde3ea;padding:.35rem .5rem;text-align:left}
th{background:#f3f6f9}small{color:#5b6775}code{background:#f3f6f9;padding:0 .2rem}</style></head>
<body><h1>Thủ tục hành chính trực tuyến</h1>
<p><small>Online procedures of the university — {{ procedures|length }} quy trình / procedures.
API: <code>/api/v1</code>, tài liệu / documented at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</small></p>
<table><thead><tr><th>Mã</th><th>Tên quy trình <small>/ procedure</small></th><th>Lệ phí <small>/ fee</small></th>
<th>Thời hạn <small>/ time limit</small></th></tr></thead><tbody>
{% for p in procedures %}<tr><td>{{ p.code }}</td><td>{{ p.name_vi }}<br><small>{{ p.name_en }}</small></td>
<td>{% if p.settings.get('fee_vnd') %}{{ "{:,}".format(p.settings['fee_vnd']).replace(",", ".") }} đ{% else %}—{% endif %}</td>
<td>{% if p.settings.get('deadline_working_days') %}{{ p.settings['deadline_working_days'] }} ngày làm việc{% else %}—{% endif %}</td></tr>
{% endfor %}</tbody></table></body></html>"""


@bp.get("/")
@public
def index() -> str:
    procedures = current_app.extensions["quytrinh"].engine.procedures()
    return render_template_string(PAGE, procedures=procedures)


def register_web(app: Flask) -> None:
    app.register_blueprint(bp)
