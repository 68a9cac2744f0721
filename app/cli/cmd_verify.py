"""``quytrinh verify`` (validate the signatures of a PDF) and ``quytrinh trust`` (the trust store)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click
from asn1crypto import x509

from signing.trust import InstallationTrustStore, TrustStore, TrustStoreError
from signing.trust.certificates import load_certificate
from signing.trust.store import normalise_fingerprint
from signing.validation import Indication, ValidationInputError, validate_pdf
from signing.validation.extend import extend_to_lta
from signing.validation.render import render_text

EXIT_PASSED, EXIT_FAILED, EXIT_INDETERMINATE, EXIT_UNREADABLE = 0, 1, 2, 3
EXIT_BY_INDICATION = {Indication.PASSED: EXIT_PASSED, Indication.FAILED: EXIT_FAILED,
                      Indication.INDETERMINATE: EXIT_INDETERMINATE}


def trust_dir() -> Path:
    return Path(os.environ.get("QUYTRINH_TRUST_DIR", "./var/trust"))


def installation_trust_store(extra_anchors: list[x509.Certificate] | tuple = ()) -> TrustStore:
    """The installation's store ($QUYTRINH_TRUST_DIR or ./var/trust) plus this run's extra anchors.

    Raises :class:`TrustStoreError` (e.g. the directory was tampered with); callers choose the exit.
    """
    store = InstallationTrustStore(trust_dir()).load()
    return store.with_extra_anchors(extra_anchors) if extra_anchors else store


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {text}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _quiet_pyhanko() -> None:
    """pyHanko logs every expected chain failure with a traceback; the report already says it."""
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


@click.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Báo cáo JSON / JSON report.")
@click.option("--trust", "extra_trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tin cậy thêm chứng thư gốc này (chỉ cho lần kiểm tra này) / also trust this root (this run only).")
@click.option("--at", "at_text", help="Thời điểm kiểm tra, ISO 8601 / validation time, ISO 8601 (default: now).")
@click.option("--policy", default="strict", show_default=True,
              help="strict | lenient | đường dẫn tệp JSON / path to a policy JSON file.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--offline", is_flag=True, help="Không truy cập mạng / never use the network (revocation sources count as unreachable).")
def verify(pdf: Path, as_json: bool, extra_trust: tuple[Path, ...], at_text: str | None, policy: str, lang: str,
           offline: bool) -> None:
    """Kiểm tra chữ ký số trong PDF / validate the signatures of a PDF.

    \b
    Mã thoát / exit codes:
      0  mọi chữ ký HỢP LỆ / every signature PASSED
      1  có chữ ký KHÔNG HỢP LỆ / some signature FAILED
      2  có chữ ký CHƯA XÁC ĐỊNH (không có chữ ký nào cũng vậy) / some INDETERMINATE (or no signature)
      3  không đọc được tệp hoặc tham số / unreadable input or settings
    """
    _quiet_pyhanko()
    try:
        data = pdf.read_bytes()
        store = installation_trust_store([load_certificate(p.read_bytes(), source=str(p)) for p in extra_trust])
        report = validate_pdf(data, trust_store=store, at=_parse_time(at_text), policy=_policy_arg(policy),
                              offline=offline)
    except OSError as exc:
        click.echo(f"Không đọc được tệp / cannot read file: {exc}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from exc
    except (ValidationInputError, TrustStoreError) as exc:
        click.echo(f"{exc.message_vi} / {exc.message_en}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from exc
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(report, lang))
    raise SystemExit(EXIT_BY_INDICATION[report.indication])


def _policy_arg(policy: str) -> str | Path:
    return policy if policy in ("strict", "lenient") else Path(policy)


@click.group("trust")
def trust() -> None:
    """Kho chứng thư tin cậy (thư mục: $QUYTRINH_TRUST_DIR, mặc định ./var/trust) / the trust store."""


@trust.command("list")
@click.option("--json", "as_json", is_flag=True)
def trust_list(as_json: bool) -> None:
    """Liệt kê chứng thư tin cậy / list trusted certificates."""
    store = _load_or_fail()
    entries = [e.to_dict() for e in store.entries]
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for e in entries:
        click.echo(f"{e['sha256']}  {e['role']:<12} {e['hierarchy']:<5} {e['source']:<7} "
                   f"{e['not_after'][:10]}  {e['subject']}")


class SystemTrail:
    """The installation's hash-chained system trail, opened for one acting user before a change.

    Why open it first: a trust change nobody can trace is what the trail exists to prevent, so the
    database and the user are checked before the store is touched; when the database is missing or
    not initialised the command changes nothing and says so in one line.
    """

    def __init__(self, container, actor) -> None:  # type: ignore[no-untyped-def]
        self.container, self.actor = container, actor

    @classmethod
    def open(cls, as_user: str) -> SystemTrail:
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        from .common import actor, container

        c = container()  # made only now: listing or verifying needs no database
        url = c.settings.database_url
        path = url.split(":///", 1)[1] if url.startswith("sqlite:///") else ""
        try:
            if path and path != ":memory:" and not Path(path).is_file():
                initialised = False  # do not let SQLite create an empty file
            else:
                initialised = inspect(c.db).has_table("system_event")
        except SQLAlchemyError as exc:
            c.dispose()
            raise click.ClickException(f"Không kết nối được cơ sở dữ liệu / cannot reach the database: "
                                       f"{str(exc).splitlines()[0]}") from None
        if not initialised:
            c.dispose()
            raise click.ClickException(
                "Cơ sở dữ liệu chưa được khởi tạo nên không ghi được nhật ký hệ thống; kho tin cậy không thay đổi. "
                "Chạy 'quytrinh init' trước. / The database is not initialised, so the system trail cannot record "
                f"this change; the trust store was not changed. Run 'quytrinh init' first. ({url})")
        return cls(c, actor(c, as_user))

    def record(self, kind: str, payload: dict) -> None:
        try:
            self.container.engine.record_system(kind, payload, self.actor)
        finally:
            self.container.dispose()


acting_user = click.option("--as", "as_user", default="admin", show_default=True, metavar="USER",
                           help="Người thay đổi, ghi vào nhật ký hệ thống / who makes the change (system trail).")


@trust.command("add")
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--allow-name-collision", is_flag=True,
              help="Cho phép dù trùng tên với chứng thư gốc đã có / allow a root named like an existing one.")
@acting_user
@click.option("--json", "as_json", is_flag=True)
def trust_add(certificate: Path, allow_name_collision: bool, as_user: str, as_json: bool) -> None:
    """Thêm chứng thư CA / add a CA certificate (self-signed: anchor; otherwise: chain helper).

    The change is recorded in the system trail (``trust_anchor_added``) as done by ``--as``.
    """
    trail = SystemTrail.open(as_user)
    try:
        store = InstallationTrustStore(trust_dir())
        change = store.add(certificate.read_bytes(), source_name=str(certificate),
                           allow_name_collision=allow_name_collision)
        entry = store.load().get(change.fingerprint)
    except TrustStoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from exc
    trail.record("trust_anchor_added", _trail_payload(change.to_dict(), entry.to_dict()))
    _echo_change(change.to_dict(), as_json)


@trust.command("remove")
@click.argument("fingerprint")
@acting_user
@click.option("--json", "as_json", is_flag=True)
def trust_remove(fingerprint: str, as_user: str, as_json: bool) -> None:
    """Bỏ tin cậy chứng thư theo SHA-256 / stop trusting a certificate, by SHA-256 fingerprint.

    The change is recorded in the system trail (``trust_anchor_removed``) as done by ``--as``.
    """
    trail = SystemTrail.open(as_user)
    try:
        store = InstallationTrustStore(trust_dir())
        current = store.load()
        key = normalise_fingerprint(fingerprint)
        entry = current.get(key) if current.contains(key) else None
        change = store.remove(fingerprint)
    except TrustStoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from exc
    trail.record("trust_anchor_removed", _trail_payload(change.to_dict(), entry.to_dict() if entry else {}))
    _echo_change(change.to_dict(), as_json)


def _trail_payload(change: dict, entry: dict) -> dict:
    """What an auditor needs to tell which certificate changed, and where the store lives."""
    return {"sha256": change["fingerprint"], "subject": change["subject"], "role": change["role"],
            "source": change["source"], "hierarchy": entry.get("hierarchy"), "not_after": entry.get("not_after"),
            "trust_dir": str(trust_dir().resolve())}


def _load_or_fail():
    try:
        return InstallationTrustStore(trust_dir()).load()
    except TrustStoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from exc


def _echo_change(change: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(change, ensure_ascii=False))
    else:
        click.echo(f"{change['action']}: {change['fingerprint']} {change['role']} {change['subject']}")


@click.command("extend")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tsa", "tsa_url", envvar="QUYTRINH_TSA_URL", required=True,
              help="URL máy chủ dấu thời gian / RFC 3161 TSA URL (or QUYTRINH_TSA_URL).")
@click.option("--trust", "extra_trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tin cậy thêm chứng thư gốc này / also trust this root (this run only).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def extend(pdf: Path, tsa_url: str, extra_trust: tuple[Path, ...], output: Path) -> None:
    """Gia hạn chữ ký lên PAdES B-LTA / add validation data and a document timestamp (B-LTA).

    Same as ``quytrinh sign --extend B-LTA``.
    """
    _quiet_pyhanko()
    try:
        store = installation_trust_store([load_certificate(p.read_bytes(), source=str(p)) for p in extra_trust])
        output.write_bytes(extend_to_lta(pdf.read_bytes(), tsa_url=tsa_url, trust_store=store))
    except (ValidationInputError, TrustStoreError) as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from exc
    click.echo(str(output))


def register(group: click.Group) -> None:
    group.add_command(verify)
    group.add_command(trust)
    group.add_command(extend)
