"""``quytrinh keystore``: the installation's signing keys used inside procedures (list, show, install)
and the demo keys. (``quytrinh keys`` is the personal keystore of ``quytrinh sign``, on one's own machine.)"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..keystore import ORGANISATION, Keystore, KeystoreError, create_demo_keys
from .common import container, emit, json_option


def register(cli: click.Group) -> None:
    cli.add_command(keystore)


@click.group("keystore")
def keystore() -> None:
    """Khóa ký số dùng trong quy trình / the installation's signing keys for procedures."""


def _owner(name: str) -> str:
    return ORGANISATION if name in ("org", "seal", "organisation", ORGANISATION) else name


@keystore.command("list")
@json_option
def list_keys(as_json: bool) -> None:
    """Liệt kê khóa / list keys (without opening them)."""
    store = Keystore(container().settings)
    rows = [{"owner": o, "file": str(store.path_for(o)), "image": store.image_for(o) is not None}
            for o in store.owners() if not o.startswith("_demo")]
    emit(rows, as_json, lambda rs: [click.echo(f"{r['owner']:24} {r['file']}") for r in rs] or None)


@keystore.command("show")
@click.argument("owner")
@json_option
def show(owner: str, as_json: bool) -> None:
    """Mở khóa và hiện chứng thư / open a key and show its certificate (org = the seal)."""
    store = Keystore(container().settings)
    try:
        described = store.key_for(_owner(owner)).describe()
    except KeystoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None
    emit(described, as_json, lambda d: [click.echo(f"{k:20} {v}") for k, v in d.items()] and None)


@keystore.command("install")
@click.argument("owner")
@click.argument("p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--password-env", metavar="VAR", help="Đọc mật khẩu từ biến môi trường / read the password from VAR")
@click.option("--remember", is_flag=True,
              help="Lưu mật khẩu (tệp 0600) để ký tự động / keep the password (0600 file) for unattended signing")
@json_option
def install(owner: str, p12: Path, password_env: str | None, remember: bool, as_json: bool) -> None:
    """Cài khóa PKCS#12 cho người dùng hoặc con dấu (org) / install a PKCS#12 key for a user or the seal (org)."""
    password = os.environ.get(password_env, "") if password_env else click.prompt(
        "Mật khẩu tệp khóa / key file password", hide_input=True)
    store = Keystore(container().settings)
    try:
        described = store.install(_owner(owner), p12.read_bytes(), password, remember_password=remember)
    except KeystoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None
    except Exception as exc:  # noqa: BLE001 - signing's KeyAccessError and friends carry both messages
        raise click.ClickException(str(exc)) from None
    emit(described, as_json, lambda d: click.echo(f"Đã cài khóa / installed: {d['subject']}"))


@keystore.command("demo")
@json_option
def demo(as_json: bool) -> None:
    """Tạo khóa DEMO (không dùng thật) / create DEMO keys for the demo accounts (never for production)."""
    c = container()
    made = create_demo_keys(c)
    out = {"owners": list(made.owners), "ca_pem": str(made.ca_pem), "root_fingerprint": made.root_fingerprint,
           "created": made.created}
    emit(out, as_json, lambda d: click.echo(
        f"Khóa DEMO / demo keys: {', '.join(d['owners'])} — CA: {d['ca_pem']}"
        + ("" if d["created"] else " (đã có / already there)")))
