"""``quytrinh sign`` (PAdES signing of one PDF or a folder, or extending signed PDFs to B-LT/B-LTA) and
``quytrinh keys`` (personal PKCS#12 keys).

Trust: the installation's trust store ($QUYTRINH_TRUST_DIR, default ./var/trust, as ``quytrinh trust``
manages it) plus ``--trust`` files and $QUYTRINH_TRUST_ROOTS for this run only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

import click
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from app.cli.cmd_verify import installation_trust_store
from signing.batch import sign_folder
from signing.errors import SigningError
from signing.keys.base import KeySource
from signing.keys.pkcs11 import DEFAULT_MODULE, Pkcs11KeySource
from signing.keys.pkcs12 import Pkcs12KeySource
from signing.pades import sign_pdf
from signing.services import SigningServices
from signing.settings import Appearance, AppearanceKind, Box, SignatureLevel, SignatureRequest
from signing.trust import TrustStore, TrustStoreError
from signing.validation.errors import ValidationInputError
from signing.validation.extend import extend_to_lta

LEVELS = [level.value for level in SignatureLevel]
EXTEND_LEVELS = [SignatureLevel.B_LT.value, SignatureLevel.B_LTA.value]


def register(cli: click.Group) -> None:
    cli.add_command(sign)
    cli.add_command(keys)


def keystore_dir() -> Path:
    return Path(os.environ.get("QUYTRINH_KEYSTORE") or Path.home() / ".local" / "share" / "quytrinh" / "keys")


def _fail(exc: SigningError) -> click.ClickException:
    return click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]")


def _secret(env_name: str | None, what: str) -> str | None:
    if env_name is None:
        return None
    value = os.environ.get(env_name)
    if value is None:
        raise click.ClickException(f"Biến môi trường {env_name} ({what}) chưa được đặt / environment variable "
                                   f"{env_name} ({what}) is not set")
    return value


def _load_certificates(paths: list[Path]) -> tuple[asn1_x509.Certificate, ...]:
    certs = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            certs.extend(asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            certs.append(asn1_x509.Certificate.load(data))
    return tuple(certs)


def _key_source(key: str | None, password_env: str | None, module: str | None, token_label: str | None,
                key_label: str | None, pin_env: str | None) -> KeySource:
    if token_label:
        return Pkcs11KeySource(module or DEFAULT_MODULE, token_label, _secret(pin_env, "PIN"), key_label=key_label)
    if not key:
        raise click.ClickException("Cần --key TỆP.p12 hoặc --token-label / need --key FILE.p12 or --token-label")
    path = Path(key)
    if not path.exists() and (keystore_dir() / f"{key}.p12").exists():
        path = keystore_dir() / f"{key}.p12"
    return Pkcs12KeySource.from_file(path, _secret(password_env, "mật khẩu / password"))


@click.command("sign")
@click.argument("file", required=False, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--batch", "batch_dir", is_flag=False, flag_value="", default=None, metavar="[FOLDER]",
              help="Ký mọi PDF trong thư mục, hoặc (không có FOLDER, với --cases) các hồ sơ / sign every PDF of a "
                   "folder, or (no FOLDER, with --cases) case records; resumable")
@click.option("--cases", "cases_filter", metavar="FILTER",
              help="Hồ sơ cần ký, vd. procedure=QT13,status=completed / cases to sign (with --batch)")
@click.option("--as", "as_user", metavar="USER", help="Người ký (với --cases) / who signs (with --cases)")
@click.option("--role", type=click.Choice(["leader", "seal"]), default="leader", show_default=True,
              help="leader: khóa của người ký; seal: con dấu cơ quan do văn thư đóng / leader's key or the seal")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Số tiến trình ký song song (với --batch) / signing processes (with --batch)")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Tệp/thư mục ra / output")
@click.option("--key", help="Tệp PKCS#12 hoặc tên khóa đã nhập / PKCS#12 file or imported key name")
@click.option("--password-env", help="Biến môi trường chứa mật khẩu / env var holding the password")
@click.option("--pkcs11-module", help=f"Thư viện PKCS#11 (mặc định {DEFAULT_MODULE})")
@click.option("--token-label")
@click.option("--key-label", help="Nhãn khóa trên token / key label on the token")
@click.option("--pin-env", help="Biến môi trường chứa PIN / env var holding the PIN")
@click.option("--level", type=click.Choice(LEVELS), default="B-B", show_default=True)
@click.option("--allow-fallback", type=click.Choice(LEVELS), help="Mức thấp nhất chấp nhận khi TSA lỗi")
@click.option("--appearance", type=click.Choice([k.value for k in AppearanceKind]), default="none", show_default=True)
@click.option("--image", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="PNG chữ ký/con dấu")
@click.option("--overlap-field", help="Ô chữ ký người có thẩm quyền để đóng dấu chồng 1/3")
@click.option("--document-number", help="Số, ký hiệu văn bản (phụ lục) / document number")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--box", help="x1,y1,x2,y2 (pt)")
@click.option("--field", "field_name")
@click.option("--reason")
@click.option("--location")
@click.option("--certify", is_flag=True, help="Chữ ký chứng nhận (DocMDP) / certification signature")
@click.option("--pss", is_flag=True, help="RSASSA-PSS")
@click.option("--tsa-url", envvar="QUYTRINH_TSA_URL")
@click.option("--trust", "--trust-root", "trust_roots", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="Tin cậy thêm chứng thư gốc này (PEM/DER), ngoài kho tin cậy của hệ thống / also trust this "
                   "root, besides the installation trust store; also QUYTRINH_TRUST_ROOTS")
@click.option("--offline", is_flag=True, help="Không kiểm tra thu hồi (chỉ B-B) / skip revocation check")
@click.option("--extend", "extend_level", type=click.Choice(EXTEND_LEVELS),
              help="Gia hạn chữ ký đã có của FILE (không cần khóa) / extend FILE's existing signatures (no key)")
@click.option("--json", "as_json", is_flag=True)
def sign(file: Path | None, batch_dir: str | None, cases_filter: str | None, as_user: str | None, role: str,
         workers: int, output: Path | None, key: str | None, password_env: str | None,
         pkcs11_module: str | None, token_label: str | None, key_label: str | None, pin_env: str | None, level: str,
         allow_fallback: str | None, appearance: str, image: Path | None, overlap_field: str | None,
         document_number: str | None, page: int, box: str | None, field_name: str | None, reason: str | None,
         location: str | None, certify: bool, pss: bool, tsa_url: str | None, trust_roots: tuple[Path, ...],
         offline: bool, extend_level: str | None, as_json: bool) -> None:
    """Ký số PAdES một PDF, cả thư mục hoặc hàng loạt hồ sơ, hoặc gia hạn lên B-LT/B-LTA / PAdES-sign a PDF, a
    folder or many case records, or extend a signed PDF to B-LT/B-LTA (``--extend B-LTA FILE``).

    \b
    Hồ sơ / case records (văn bản kết quả mới nhất của mỗi hồ sơ; chạy lại để tiếp tục):
      quytrinh sign --batch --cases "procedure=QT13,status=completed" --as hieutruong --role leader --level B-T
      quytrinh sign --batch --cases "procedure=QT13,status=completed" --as vanthu --role seal --level B-T
    """
    if cases_filter is not None:
        if batch_dir != "" or file is not None:
            raise click.ClickException("--cases dùng với --batch (không FOLDER, không FILE) / --cases goes with "
                                       "--batch alone (no FOLDER, no FILE)")
        from ..bulk.command import sign_cases

        sign_cases(cases_filter, as_user, role, level, as_json, workers)
        return
    if (file is None) == (batch_dir is None) or batch_dir == "":
        raise click.ClickException("Cần đúng một trong FILE hoặc --batch FOLDER (hoặc --batch --cases) / give "
                                   "exactly one of FILE or --batch FOLDER (or --batch --cases)")
    if output is None:
        raise click.ClickException("Cần -o/--output / -o/--output is required")
    if batch_dir is not None and not Path(batch_dir).is_dir():
        raise click.ClickException(f"Không có thư mục / no such folder: {batch_dir}")
    roots = list(trust_roots) + [Path(p) for p in os.environ.get("QUYTRINH_TRUST_ROOTS", "").split(os.pathsep) if p]
    store = _trust_store(roots)
    if extend_level is not None:
        if file is None:
            raise click.ClickException("--extend cần FILE (không dùng với --batch) / --extend needs FILE, not --batch")
        _extend(file, output, SignatureLevel.parse(extend_level), tsa_url, store, as_json)
        return
    try:
        request = SignatureRequest(
            level=SignatureLevel.parse(level), field_name=field_name, page=page,
            box=Box.parse(box) if box else None, reason=reason, location=location, certify=certify, rsa_pss=pss,
            allow_fallback_level=SignatureLevel.parse(allow_fallback) if allow_fallback else None,
            appearance=Appearance(kind=AppearanceKind(appearance), image_png=image.read_bytes() if image else None,
                                  overlap_field=overlap_field, document_number=document_number),
        )
    except ValueError as exc:
        raise click.ClickException(f"Tham số không hợp lệ / invalid option: {exc}") from None
    services = SigningServices(trust_roots=tuple(store.anchor_certificates()),
                               other_certs=tuple(store.helper_certificates()), tsa_url=tsa_url,
                               check_revocation=not offline)
    try:
        with _key_source(key, password_env, pkcs11_module, token_label, key_label, pin_env) as key_source:
            if batch_dir is not None:
                _sign_batch(Path(batch_dir), output, key_source, request, services, as_json, workers)
                return
            assert file is not None
            result = sign_pdf(file.read_bytes(), key_source, request, services)
    except SigningError as exc:
        raise _fail(exc) from None
    tmp = output.with_name(f".{output.name}.partial")
    tmp.write_bytes(result.pdf_bytes)
    tmp.replace(output)
    if as_json:
        click.echo(json.dumps({**result.info.to_dict(), "output": str(output), "warnings": list(result.warnings)},
                              ensure_ascii=False))
    else:
        click.echo(f"Đã ký / signed {output} ({result.info.level.value}, {result.info.field_name})")
        for warning in result.warnings:
            click.echo(f"Cảnh báo / warning: {warning}", err=True)


def _trust_store(extra_roots: list[Path]) -> TrustStore:
    try:
        return installation_trust_store(_load_certificates(extra_roots))
    except TrustStoreError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"Không đọc được chứng thư tin cậy / cannot read a trust certificate: {exc}") from None


def _extend(file: Path, output: Path, level: SignatureLevel, tsa_url: str | None, store: TrustStore,
            as_json: bool) -> None:
    """Validation data for every signature (B-LT), then a document timestamp (B-LTA); the signed bytes stay."""
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # expected soft failures are not news
    if level == SignatureLevel.B_LTA and not tsa_url:
        raise click.ClickException("B-LTA cần --tsa-url (hoặc QUYTRINH_TSA_URL) / B-LTA needs --tsa-url")
    try:
        extended = extend_to_lta(file.read_bytes(), tsa_url=tsa_url, trust_store=store, level=level)
    except ValidationInputError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en} [{exc.code}]") from None
    tmp = output.with_name(f".{output.name}.partial")
    tmp.write_bytes(extended)
    tmp.replace(output)
    if as_json:
        click.echo(json.dumps({"output": str(output), "level": level.value, "size_bytes": len(extended)},
                              ensure_ascii=False))
    else:
        click.echo(f"Đã gia hạn / extended {output} ({level.value})")


def _sign_batch(batch_dir: Path, output: Path, key_source: KeySource, request: SignatureRequest,
                services: SigningServices, as_json: bool, workers: int = 1) -> None:
    total = sum(1 for p in batch_dir.iterdir() if p.suffix.lower() == ".pdf")
    with click.progressbar(length=total, label="Đang ký / signing", file=sys.stderr) as bar:
        report = sign_folder(batch_dir, output, key_source, request, services,
                             progress=lambda done, _total, _name, _status: bar.update(1), workers=workers)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        click.echo(f"Đã ký / signed {len(report.signed)}, bỏ qua (đã ký trước) / skipped {len(report.skipped)}, "
                   f"lỗi / failed {len(report.failed)}")
        for name, error in report.failed.items():
            click.echo(f"  {name}: {error['message']} / {error['message_en']}", err=True)
    if report.stopped_by is not None:
        raise click.ClickException(f"Dừng giữa chừng, chạy lại để tiếp tục / stopped, run again to resume: "
                                   f"{report.stopped_by.message_vi} / {report.stopped_by.message_en}")
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} tệp không ký được / files could not be signed")


@click.group("keys")
def keys() -> None:
    """Khóa ký số cá nhân (PKCS#12) / personal signing keys (PKCS#12)."""


@keys.command("import")
@click.argument("p12", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--password-env", required=True, help="Biến môi trường chứa mật khẩu / env var holding the password")
@click.option("--name", help="Tên khóa (mặc định: tên tệp) / key name")
@click.option("--json", "as_json", is_flag=True)
def keys_import(p12: Path, password_env: str, name: str | None, as_json: bool) -> None:
    """Nhập tệp PKCS#12 (kiểm tra mật khẩu, tệp vẫn được mã hóa) / import a PKCS#12 file."""
    try:
        source = Pkcs12KeySource.from_file(p12, _secret(password_env, "mật khẩu / password"))
    except SigningError as exc:
        raise _fail(exc) from None
    name = name or p12.stem
    store = keystore_dir()
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = store / f"{name}.p12"
    if target.exists():
        raise click.ClickException(f"Đã có khóa tên “{name}” / a key named {name!r} already exists")
    shutil.copyfile(p12, target)
    target.chmod(0o600)
    meta = {"name": name, **source.describe()}
    (store / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(json.dumps(meta, ensure_ascii=False) if as_json else f"Đã nhập / imported {name}: {meta['subject']}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
def keys_list(as_json: bool) -> None:
    """Liệt kê khóa đã nhập / list imported keys."""
    store = keystore_dir()
    entries = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(store.glob("*.json"))] if store.exists() else []
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False))
        return
    if not entries:
        click.echo("Chưa có khóa nào / no keys imported")
    for entry in entries:
        click.echo(f"{entry['name']}\t{entry['key']}\t{entry['not_after'][:10]}\t{entry['subject']}")
