"""Axis commands: ``quytrinh axis-hub`` (a local stand-in for the national axis), ``quytrinh axis
parse FILE`` (what a package says, or why it is refused), ``quytrinh axis log`` (this installation's
packages sent and received), ``quytrinh axis hub-log --db`` (the local hub's hash-chained log) and
``quytrinh axis sync [--once]`` (send the outbox and take in the inbox, in a loop).

Imports of the application happen inside the commands that need it (absolute, not relative): the
connector commands load without a database, and the tests load this file by path."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from connectors.axis import AxisError, AxisHub, HubStore
from connectors.edxml import DocumentPackage, EdxmlError, package_summary, receive_package


def register(cli: click.Group) -> None:
    cli.add_command(axis_hub)
    cli.add_command(axis)


def _fail(exc: EdxmlError | AxisError) -> click.ClickException:
    detail = f" {json.dumps(exc.details, ensure_ascii=False, default=str)}" if exc.details else ""
    return click.ClickException(f"[{exc.code}] {exc.message_vi} / {exc.message_en}{detail}")


@click.command("axis-hub")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8650, show_default=True, type=int)
@click.option("--db", "db_path", default="axis-hub.db", show_default=True, type=click.Path(dir_okay=False))
@click.option("--systems", "systems_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help='JSON: [{"system_id", "agency_code", "secret", "name"}]')
@click.option("--max-skew", default=300, show_default=True, type=int,
              help="Độ lệch thời điểm tối đa (giây), 0 = không kiểm / max timestamp skew in seconds, 0 = off")
def axis_hub(host: str, port: int, db_path: str, systems_file: str, max_skew: int) -> None:
    """Chạy trục liên thông cục bộ / run a local document exchange hub."""
    from connectors.axis.serving import make_hub_server

    store = HubStore(db_path)
    hub = AxisHub(store, max_skew=timedelta(seconds=max_skew) if max_skew else None)
    try:
        count = hub.register_from_file(systems_file)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"Tệp hệ thống không hợp lệ / invalid systems file: {exc}") from None
    except AxisError as exc:
        raise _fail(exc) from None
    server = make_hub_server(hub, host, port)
    click.echo(f"Trục cục bộ / local hub: http://{host}:{server.effective_port} ({count} hệ thống / systems, "
               f"db {db_path})")
    try:
        server.run()  # until interrupted: waitress closes its own sockets on KeyboardInterrupt
    finally:
        store.close()


@click.group()
def axis() -> None:
    """Trục liên thông văn bản / the national document exchange axis."""


@axis.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In JSON / print JSON")
def parse(path: str, as_json: bool) -> None:
    """Đọc một gói tin edXML / read an edXML package: fields, attachments, signature, quirks."""
    try:
        report = receive_package(Path(path).read_bytes())
    except EdxmlError as exc:
        raise _fail(exc) from None
    summary = package_summary(report.package)
    summary["sha256"] = report.sha256
    summary["envelope_signature"] = report.envelope_signature.to_dict()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        _exit_if_refused(report)
        return
    package = report.package
    header = package.header
    click.echo(f"Loại / kind: {package.kind}   SHA-256: {report.sha256}")
    click.echo(f"Từ / from: {header.from_.organ_id} {header.from_.organ_name}")
    if isinstance(package, DocumentPackage):
        click.echo("Đến / to: " + "; ".join(f"{o.organ_id} {o.organ_name}" for o in header.to))
        click.echo(f"Số, ký hiệu / code: {header.code.code_number}/{header.code.code_notation}   "
                   f"Ngày / date: {header.promulgation.promulgation_date or ''}")
        click.echo(f"Trích yếu / subject: {header.subject}")
        click.echo(f"DocumentId: {header.document_id}")
        if package.business is not None:
            click.echo(f"Nghiệp vụ / business: {package.business.doc_type.value} ({package.business.doc_type.name.lower()})"
                       f" {package.business.reason}")
        for item in summary["attachments"]:
            click.echo(f"  tệp / file: {item['name']}  {item['content_type']}  {item['size']} B  sha256 {item['sha256']}")
    else:
        click.echo(f"Trạng thái / status: {header.status_code.value} {header.description}")
        click.echo(f"Cho văn bản / for document: {header.response_for.document_id}")
    check = report.envelope_signature
    click.echo(f"Chữ ký phong bì / envelope signature: {check.status} — {check.message_vi}")
    for finding in package.findings:
        click.echo(f"  lưu ý / note [{finding.code}]: {finding.message_vi}")
    _exit_if_refused(report)


def _exit_if_refused(report) -> None:
    refused = report.refused_reason
    if refused is not None:
        raise click.ClickException(f"[envelope_signature_{refused.status}] {refused.message_vi} / {refused.message_en}")


@axis.command("hub-log")
@click.option("--db", "db_path", default="axis-hub.db", show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="In JSON / print JSON")
def hub_log(db_path: str, limit: int, as_json: bool) -> None:
    """Nhật ký trao đổi của trục cục bộ / the local hub's message log (hash chain checked)."""
    store = HubStore(db_path)
    try:
        entries, broken = store.log_entries(limit), store.verify_log()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"entries": entries, "chain_intact": broken is None, "broken_at": broken},
                              ensure_ascii=False, indent=2))
    else:
        for e in entries:
            click.echo(f"#{e['seq']:<5} {e['time']} {e['system_id']:16} {e['action']:14} {e['message_id']} {e['detail']}")
        click.echo("Chuỗi băm nguyên vẹn / hash chain intact" if broken is None
                   else f"Chuỗi băm bị phá ở #{broken} / hash chain broken at #{broken}")
    if broken is not None:
        raise click.ClickException(f"nhật ký bị sửa từ #{broken} / log altered from #{broken}")


@axis.command("log")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="In JSON / print JSON")
def log(limit: int, as_json: bool) -> None:
    """Gói tin đã gửi và đã nhận của hệ thống này / this installation's packages sent and received."""
    from app.cli.common import container
    from app.exchange.message_log import message_log

    c = container()
    try:
        entries = message_log(c, limit)
    finally:
        c.dispose()
    if as_json:
        click.echo(json.dumps({"entries": entries}, ensure_ascii=False, indent=2, default=str))
        return
    for e in entries:
        arrow = "→" if e["direction"] == "sent" else "←"
        click.echo(f"{e['time'][:19]} {arrow} {e['kind']:7} {e['status_code'] or '':2} {e['peer']:16} "
                   f"hồ sơ/case {e['case_id'] or '-':<6} {e['outcome']:10} {e['sha256'][:16]}  {e['document_id']}")
    click.echo(f"{len(entries)} gói tin / packages")


@axis.command("sync")
@click.option("--once", is_flag=True, help="Một vòng rồi dừng / one round, then exit")
@click.option("--interval", default=None, type=float, help="Giây nghỉ giữa các vòng / seconds between idle rounds")
@click.option("--json", "as_json", is_flag=True, help="In JSON / print JSON")
def sync(once: bool, interval: float | None, as_json: bool) -> None:
    """Gửi hàng đợi và nhận gói tin qua Trục / send the outbox and take in the inbox over the axis."""
    from app.cli.common import container
    from app.exchange.runner import exchange_from_settings, run_rounds

    c = container()
    exchange = exchange_from_settings(c)
    if exchange is None:
        raise click.ClickException("Chưa cấu hình QUYTRINH_AXIS_ENDPOINT / no axis endpoint configured")

    def show(report) -> None:  # type: ignore[no-untyped-def]
        r = report.to_dict()
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False))
        else:
            click.echo(f"gửi/sent {r['sent']}  nhận/received {r['received']}  trùng/duplicates {r['duplicates']}  "
                       f"từ chối/refused {r['refused']}  lỗi/errors {len(r['errors'])}")
    try:
        total = run_rounds(exchange, once=once, interval=interval or c.settings.worker_interval,
                           report=None if once else show)
    finally:
        c.dispose()
    if once:
        show(total)
    if total.errors and once and not (total.sent or total.received):
        raise click.ClickException(f"Trục lỗi / axis errors: {total.errors[0]}")
