"""``quytrinh sign --batch --cases FILTER --as USER --role leader|seal --level B-T``: the CLI side.

A progress bar on stderr, one line per failed case, the summary (or ``--json``); a run stopped by
Ctrl-C or a TSA outage says how to resume (run the same command again: signed cases are skipped).
"""

from __future__ import annotations

import json
import sys

import click

from signing.settings import SignatureLevel

from .selection import BulkSelectionError, matching_cases, parse_filter
from .signer import BulkReport, BulkSigner, BulkSigningError


def sign_cases(filter_text: str, as_user: str | None, role: str, level: str, as_json: bool,
               workers: int = 1) -> None:
    from ..cli.common import actor, container

    if not as_user:
        raise click.ClickException("Cần --as USER (người ký hoặc văn thư) / --as USER is required with --cases")
    try:
        case_filter = parse_filter(filter_text)
    except BulkSelectionError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None
    c = container()
    try:
        who = actor(c, as_user)
        try:
            signer = BulkSigner(c, who, role, SignatureLevel.parse(level))
        except BulkSigningError as exc:
            raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from None
        ids = matching_cases(c.engine, who, case_filter, school_wide=c.readers if role == "seal" else None)
        report = _run(signer, ids, workers)
    finally:
        c.dispose()
    _print(report, len(ids), as_json)
    if report.stopped_by is not None:
        stop = report.stopped_by
        raise click.ClickException(f"Dừng giữa chừng, chạy lại để tiếp tục / stopped, run again to resume: "
                                   f"{stop['message']} / {stop['message_en']} [{stop['code']}]")
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} hồ sơ không ký được / cases could not be signed")


def _run(signer: BulkSigner, ids: list[int], workers: int) -> BulkReport:
    with click.progressbar(length=len(ids), label="Đang ký hồ sơ / signing cases", file=sys.stderr) as bar:
        try:
            return signer.run(ids, progress=lambda _done, _total, _case, _status: bar.update(1), workers=workers)
        except KeyboardInterrupt:
            raise click.ClickException("Đã dừng (Ctrl-C); hồ sơ đã ký được giữ nguyên, chạy lại để tiếp tục / "
                                       "interrupted; signed cases are kept, run again to resume") from None


def _print(report: BulkReport, total: int, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "matched": total}, ensure_ascii=False))
        return
    click.echo(f"{total} hồ sơ / cases: đã ký / signed {len(report.signed)}, bỏ qua (đã ký trước) / skipped "
               f"{len(report.skipped)}, lỗi / failed {len(report.failed)} (đợt / batch {report.batch})")
    for case_id, error in report.failed.items():
        click.echo(f"  hồ sơ / case {case_id}: {error['message']} / {error['message_en']}", err=True)
