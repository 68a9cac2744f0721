"""Engine commands: init, deploy, serve, worker, start, tasks, claim, unclaim, complete, cases,
case, audit verify, incidents, retry, users."""

from __future__ import annotations

import time
from pathlib import Path

import click

from engine import SYSTEM

from .common import actor, as_option, container, emit, json_option, parse_json, reasons


def register(cli: click.Group) -> None:
    for command in (init, deploy, serve, worker, start, tasks, claim, unclaim, complete, cases, case,
                    audit, incidents, retry, users):
        cli.add_command(command)


@click.command()
@click.option("--demo", is_flag=True, help="Nạp 99 quy trình và tài khoản mẫu / load procedures and demo accounts")
def init(demo: bool) -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu / create or upgrade the database."""
    from ..bootstrap import DEMO_PASSWORD, create_demo_users, deploy_folder, init_database, load_units

    c = container()
    with reasons():
        fresh, password = init_database(c)
        click.echo(f"Cơ sở dữ liệu {'mới tạo' if fresh else 'đã cập nhật'} / database "
                   f"{'created' if fresh else 'up to date'}: {c.settings.database_url}")
        if password:
            click.echo(f"Tài khoản quản trị / admin account: admin  mật khẩu / password: {password}")
        if demo:
            load_units(c)
            folder = Path(c.settings.processes_dir)
            subs = [p for p in folder.iterdir() if (p / "settings.json").is_file()]
            with click.progressbar(length=len(subs), label="Triển khai quy trình / deploying") as bar:
                results = deploy_folder(c, folder, progress=lambda _name: bar.update(1))
            created = sum(1 for _, was_new, _ in results if was_new)
            click.echo(f"{len(results)} quy trình ({created} mới) / procedures ({created} new)")
            made = create_demo_users(c)
            from ..keystore import create_demo_keys

            create_demo_keys(c)
            click.echo("Khoá ký số mẫu (DEMO) đã tạo / demo signing keys ready")
            from ..bootstrap import DEMO_USERS

            click.echo(f"Tài khoản mẫu / demo accounts (mật khẩu / password: {DEMO_PASSWORD}):")
            for login, name, roles in DEMO_USERS:
                mark = "*" if login in made else " "
                click.echo(f" {mark} {login:16} {name}  [{', '.join(r + ('@' + u if u else '') for r, u in roles)}]")


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--as", "as_user", default=None, metavar="USER", help="Chủ quy trình / process owner")
@json_option
def deploy(path: Path, as_user: str | None, as_json: bool) -> None:
    """Triển khai một tệp BPMN hoặc thư mục quy trình / deploy a BPMN file or a procedure folder."""
    from engine.modeling import load_model, read_package

    c = container()
    who = actor(c, as_user) if as_user else SYSTEM
    with reasons():
        targets = [path]
        if path.is_dir() and not (path / "settings.json").exists() and not list(path.glob("*.bpmn")):
            targets = sorted(p for p in path.iterdir() if (p / "settings.json").is_file())
        out = []
        for target in targets:
            model = load_model(read_package(target), known_operators=c.registry.names())
            out.append(c.engine.deploy(model, who).to_dict())

    def human(rows: list[dict]) -> None:
        for r in rows:
            state = "mới / new" if r["created"] else "không đổi / unchanged"
            click.echo(f"{r['code']} v{r['number']} {r['content_hash'][:12]} ({state})")
            for w in r["warnings"]:
                click.echo(f"  cảnh báo / warning: {w.get('message_vi')} [{w.get('element_id')}]")
    emit(out, as_json, human)


@click.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
def serve(host: str | None, port: int | None) -> None:
    """Chạy máy chủ web / serve the web application."""
    from ..factory import create_app

    c = container()
    app = create_app(container=c)
    click.echo(f"quytrinh: http://{host or c.settings.host}:{port or c.settings.port}/")
    app.run(host=host or c.settings.host, port=port or c.settings.port, threaded=True)


@click.command()
@click.option("--once", is_flag=True, help="Chạy một vòng rồi thoát / run one round and exit")
@click.option("--batch", type=int, default=50)
def worker(once: bool, batch: int) -> None:
    """Chạy hẹn giờ đến hạn và chuyển thông điệp / fire due timers and deliver messages."""
    from connectors.axis import AxisError

    from ..exchange.runner import exchange_from_settings
    from ..exchange.service import round_trip

    c = container()
    interval = c.settings.worker_interval
    exchange = exchange_from_settings(c)  # None unless the axis is configured
    while True:
        ran = c.engine.run_due_jobs(limit=batch)
        if ran:
            click.echo(f"{ran} việc đã chạy / jobs run")
        if exchange is not None:
            try:
                report = round_trip(exchange)
            except AxisError as exc:  # the axis is down: keep firing timers, try again next round
                click.echo(f"trục liên thông không phản hồi / axis unavailable: {exc}", err=True)
            else:
                moved = report.sent + report.received + report.refused
                ran += moved
                if moved or report.errors:
                    click.echo(f"trục liên thông / axis: {report.to_dict()}")
        if once:
            return
        if ran < batch:
            time.sleep(interval)


@click.command()
@click.argument("procedure")
@click.option("--data", default=None, help="Dữ liệu biểu mẫu JSON / start form JSON")
@as_option
@json_option
def start(procedure: str, data: str | None, as_user: str, as_json: bool) -> None:
    """Nộp hồ sơ mới; in mã hồ sơ / start a case; prints its id."""
    c = container()
    with reasons():
        view = c.engine.start(procedure, parse_json(data), actor(c, as_user))
    emit(view.to_dict(), as_json, lambda v: click.echo(v["id"]))


@click.command()
@as_option
@json_option
def tasks(as_user: str, as_json: bool) -> None:
    """Hộp công việc / the task inbox of a user."""
    c = container()
    with reasons():
        page = c.engine.inbox(actor(c, as_user), per_page=500)

    def human(p: dict) -> None:
        for t in p["items"]:
            click.echo(f"{t['id']}  hồ sơ/case {t['case_id']} {t['case_code']}  {t['name']}  [{t['status']}]")
        click.echo(f"{p['total']} công việc / tasks")
    emit(page.to_dict(), as_json, human)


def _task_command(name: str, doc: str):  # type: ignore[no-untyped-def]
    @click.command(name=name, help=doc)
    @click.argument("task_id")
    @as_option
    @json_option
    def command(task_id: str, as_user: str, as_json: bool) -> None:
        c = container()
        with reasons():
            view = getattr(c.engine, name)(task_id, actor(c, as_user))
        emit(view.to_dict(), as_json, lambda v: click.echo(f"{v['id']} {v['status']} {v['assignee'] or ''}"))
    return command


claim = _task_command("claim", "Nhận công việc / claim a task.")
unclaim = _task_command("unclaim", "Trả lại công việc / unclaim a task.")


@click.command()
@click.argument("task_id")
@click.option("--data", default=None, help="Dữ liệu biểu mẫu JSON / form data JSON")
@as_option
@json_option
def complete(task_id: str, data: str | None, as_user: str, as_json: bool) -> None:
    """Hoàn thành công việc / complete a task with form data."""
    c = container()
    with reasons():
        view = c.engine.complete(task_id, parse_json(data), actor(c, as_user))
    emit(view.to_dict(), as_json, lambda v: click.echo(f"hồ sơ/case {v['id']}: {v['status']}"))


@click.command()
@click.option("--as", "as_user", default="admin", metavar="USER")
@click.option("--status", default=None)
@click.option("--procedure", default=None)
@json_option
def cases(as_user: str, status: str | None, procedure: str | None, as_json: bool) -> None:
    """Danh sách hồ sơ / list cases."""
    c = container()
    with reasons():
        page = c.engine.cases(actor(c, as_user), status=status, code=procedure, per_page=500)

    def human(p: dict) -> None:
        for v in p["items"]:
            click.echo(f"{v['id']:>6}  {v['code']:6} {v['status']:10} {v['started_by']:16} {v['title']}")
        click.echo(f"{p['total']} hồ sơ / cases")
    emit(page.to_dict(), as_json, human)


@click.command()
@click.argument("case_id", type=int)
@click.option("--as", "as_user", default="admin", metavar="USER")
@json_option
def case(case_id: int, as_user: str, as_json: bool) -> None:
    """Chi tiết hồ sơ / show a case with its tasks and incidents."""
    c = container()
    with reasons():
        view = c.engine.case(case_id, actor(c, as_user)).to_dict()

    def human(v: dict) -> None:
        click.echo(f"Hồ sơ/case {v['id']} {v['code']} — {v['status']}")
        for t in v["tasks"]:
            click.echo(f"  {t['status']:10} {t['name']} ({t['role']}@{t['unit'] or '-'}) {t['id']}")
        for i in v["incidents"]:
            click.echo(f"  SỰ CỐ/INCIDENT {i['id']} [{i['status']}] {i['bpmn_id']}: {i['error']}")
    emit(view, as_json, human)


@click.group()
def audit() -> None:
    """Nhật ký kiểm toán / audit trail."""


@audit.command("verify")
@click.argument("case_id", type=int)
@json_option
def audit_verify(case_id: int, as_json: bool) -> None:
    """Kiểm tra chuỗi băm của hồ sơ / recompute a case's hash chain."""
    c = container()
    with reasons():
        report = c.engine.verify_audit(case_id)
    emit(report.to_dict(), as_json, lambda r: click.echo(
        f"OK: {r['events']} sự kiện nguyên vẹn / events intact" if r["ok"] else f"HỎNG/BROKEN: {r['reason']}"))
    if not report.ok:
        raise SystemExit(1)


@audit.command("show")
@click.argument("case_id", type=int)
@click.option("--as", "as_user", default="admin", metavar="USER")
@json_option
def audit_show(case_id: int, as_user: str, as_json: bool) -> None:
    """Các sự kiện của hồ sơ / list a case's events."""
    c = container()
    with reasons():
        events = c.engine.audit_events(case_id, actor(c, as_user))
    emit(events, as_json, lambda evs: [click.echo(f"#{e['seq']:<4} {e['at']} {e['actor']:14} {e['kind']}")
                                       for e in evs])


@audit.command("system")
@click.option("--as", "as_user", default="admin", metavar="USER")
@click.option("--verify", "verify_only", is_flag=True, help="Chỉ kiểm tra chuỗi băm / only verify the chain")
@json_option
def audit_system(as_user: str, verify_only: bool, as_json: bool) -> None:
    """Nhật ký hệ thống (triển khai mô hình, kho tin cậy) / the installation's own trail."""
    c = container()
    with reasons():
        report = c.engine.verify_system_audit()
        events = [] if verify_only else c.engine.system_events(actor(c, as_user))
    emit({"verify": report.to_dict(), "events": events}, as_json, lambda o: (
        [click.echo(f"#{e['seq']:<4} {e['at'][:19]} {e['actor']:14} {e['kind']} {e['payload']}") for e in o["events"]],
        click.echo(f"OK: {report.events} sự kiện nguyên vẹn / events intact" if report.ok
                   else f"HỎNG/BROKEN: {report.reason}")))
    if not report.ok:
        raise SystemExit(1)


@click.command()
@click.option("--as", "as_user", default="admin", metavar="USER")
@json_option
def incidents(as_user: str, as_json: bool) -> None:
    """Sự cố đang mở / open incidents."""
    c = container()
    with reasons():
        rows = [i.to_dict() for i in c.engine.incidents(actor(c, as_user))]
    emit(rows, as_json, lambda rs: [click.echo(f"{i['id']:>5} case {i['case_id']} {i['bpmn_id']} "
                                               f"({i['attempts']}×): {i['error']}") for i in rs])


@click.command()
@click.argument("incident_id", type=int)
@click.option("--as", "as_user", default="admin", metavar="USER")
@json_option
def retry(incident_id: int, as_user: str, as_json: bool) -> None:
    """Chạy lại bước lỗi / retry a failed service task."""
    c = container()
    with reasons():
        out = c.engine.retry_incident(incident_id, actor(c, as_user))
    emit(out, as_json, lambda o: click.echo(f"sự cố/incident {o['incident']}: {o['status']}, "
                                            f"hồ sơ/case {o['case_status']}"))


@click.group()
def users() -> None:
    """Tài khoản / accounts."""


@users.command("create")
@click.argument("login")
@click.option("--role", "roles", multiple=True, required=True, help="role hoặc role@UNIT")
@click.option("--name", default="")
@click.password_option(envvar="QUYTRINH_NEW_USER_PASSWORD")
def users_create(login: str, roles: tuple[str, ...], name: str, password: str) -> None:
    """Tạo tài khoản / create an account."""
    c = container()
    pairs = [(r.split("@", 1)[0], r.split("@", 1)[1] if "@" in r else None) for r in roles]
    with reasons():
        c.accounts.create_user(login, password, pairs, full_name=name)
    click.echo(f"Đã tạo / created {login}")


@users.command("token")
@click.argument("login")
def users_token(login: str) -> None:
    """Cấp mã truy cập API (hiện một lần) / issue an API token (shown once)."""
    c = container()
    with reasons():
        actor(c, login)
        click.echo(c.accounts.issue_token(login, "cli"))
