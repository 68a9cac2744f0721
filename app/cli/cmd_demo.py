"""``quytrinh demo``: one procedure end to end on a fresh temporary database, every step printed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ..config import load_settings
from ..container import Container


def register(cli: click.Group) -> None:
    cli.add_command(demo)


@click.command()
@click.option("--procedure", default="QT13", show_default=True, help="Mã quy trình / procedure code")
def demo(procedure: str) -> None:
    """Chạy thử một quy trình từ đầu đến cuối / run one procedure end to end."""
    from ..autopilot import Autopilot
    from ..bootstrap import create_demo_users, deploy_folder, init_database, load_units

    with tempfile.TemporaryDirectory(prefix="quytrinh-demo-") as tmp:
        settings = load_settings(overrides={"database_url": f"sqlite:///{Path(tmp) / 'demo.db'}", "data_dir": tmp})
        c = Container(settings)
        try:
            init_database(c)
            load_units(c)
            create_demo_users(c)
            folder = Path(settings.processes_dir) / procedure
            if not (folder / "settings.json").is_file():
                raise click.ClickException(f"Không có quy trình {procedure} / no procedure {procedure}")
            _hook_demo_keys(c)
            code, created, warnings = deploy_folder(c, folder.parent, progress=None, only=procedure)[0]
            click.echo(f"Đã triển khai / deployed {code}")
            pilot = Autopilot(c, say=click.echo)
            case_id = pilot.start(code, applicant=c.accounts.actor("sinhvien"))
            status = pilot.run(case_id)
            click.echo(f"Hồ sơ {case_id}: {status}")
            for event in c.engine.audit_events(case_id, pilot.auditor()):
                click.echo(f"  #{event['seq']:<3} {event['at'][:19]} {event['actor']:24} {event['kind']}")
            report = c.engine.verify_audit(case_id)
            click.echo(f"Nhật ký / audit trail: {'nguyên vẹn / intact' if report.ok else report.reason}")
            if status != "completed":
                raise click.ClickException(f"hồ sơ dừng ở trạng thái {status} / case stopped: {status}")
        finally:
            c.dispose()


def _hook_demo_keys(c: Container) -> None:
    """Demo signing keys, when the signing integration provides them."""
    try:
        from ..keystore import create_demo_keys  # type: ignore[attr-defined]
    except ImportError:
        return
    create_demo_keys(c)
