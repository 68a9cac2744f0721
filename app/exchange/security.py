"""What the installation trusts and signs with on the axis: envelope keys and attachment validation.

Three jobs, kept together because they all read the installation's key and trust material:

- ``envelope_signer(container)``: the organisation's key (``keys/_organisation.p12``, the seal) as a
  function that puts an XML-DSig over an outgoing package. ``None`` when the installation has no
  organisation key, or keeps it where the private key cannot be exported (an HSM): packages then go
  unsigned, as most systems on the axis send them today, and the log says so once.
- ``trusted_envelope_certs(settings)``: the partner certificates an envelope signature is checked
  against (``<data_dir>/axis/trusted/*.pem`` and ``extra.axis_trusted_certs``). A real signature by a
  certificate nobody configured is reported as ``valid_untrusted``, never refused; a broken one is.
- ``attachment_validator(container)``: ``signing.validation`` over each PDF attachment, with the
  installation trust store. Offline by default: a worker taking in packages must not hang on a CA's
  OCSP responder; the clerk sees INDETERMINATE with the reason, and ``quytrinh verify`` re-checks
  online. ``extra.axis_validate_online: true`` turns the network on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from connectors.edxml import sign_envelope

log = logging.getLogger(__name__)

EnvelopeSigner = Callable[[bytes], bytes]
AttachmentValidator = Callable[[str, bytes], dict[str, Any]]


class OrganisationEnvelope:
    """The organisation's envelope signer, re-read only when ``_organisation.p12`` changes.

    Operators ask for it on every package (a key installed while the worker runs is used by the next
    package); decrypting the PKCS#12 each time would cost more than the signature itself.
    """

    def __init__(self, settings: Any) -> None:
        from ..keystore import Keystore

        self.keystore = Keystore(settings)
        self._stamp: tuple[int, int] | None = None
        self._signer: EnvelopeSigner | None = None

    def signer(self) -> EnvelopeSigner | None:
        from ..keystore import ORGANISATION, KeystoreError

        path = self.keystore.path_for(ORGANISATION)
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return self._signer
        self._stamp, self._signer = stamp, None
        try:
            key = self.keystore.key_for(ORGANISATION)
        except KeystoreError as exc:
            log.warning("axis packages go unsigned: organisation key unusable (%s)", exc.message_en)
            return None
        private = getattr(key, "_private_key", None)  # in-memory keys only; an HSM key never leaves its token
        if private is None:
            log.warning("axis packages go unsigned: the organisation key cannot sign XML outside its token")
            return None
        key_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        cert_pem = _pem(key.certificate.dump())

        def sign(package: bytes) -> bytes:
            return sign_envelope(package, key_pem, cert_pem)

        self._signer = sign
        return sign


def envelope_signer(container: Any) -> EnvelopeSigner | None:
    """A function signing package bytes with the organisation's key, or ``None`` if there is none."""
    return OrganisationEnvelope(container.settings).signer()


def trusted_envelope_certs(settings: Any) -> list[bytes]:
    """PEM certificates of partner agencies whose envelope signatures count as ``valid``."""
    found: list[bytes] = []
    folder = Path(settings.data_dir) / "axis" / "trusted"
    paths = sorted(folder.glob("*.pem")) if folder.is_dir() else []
    paths += [Path(p) for p in settings.extra.get("axis_trusted_certs") or []]
    for path in paths:
        data = path.read_bytes()
        for block in data.split(b"-----END CERTIFICATE-----")[:-1]:
            found.append(block.strip() + b"\n-----END CERTIFICATE-----\n")
    return found


def attachment_validator(container: Any, *, policy: str = "strict", offline: bool | None = None,
                         trust_store: Any = None) -> AttachmentValidator:
    """``(file name, bytes) -> compact verdict`` for PDF attachments; other files are not checked."""
    return pdf_validator(*_validation_inputs(container, offline, trust_store), policy=policy)


def _validation_inputs(container: Any, offline: bool | None, trust_store: Any) -> tuple[Any, bool]:
    from signing.trust import InstallationTrustStore

    settings = container.settings
    if offline is None:
        offline = not bool(settings.extra.get("axis_validate_online", False))
    store = trust_store if trust_store is not None else InstallationTrustStore(settings.trust_path).load()
    return store, offline


def attachment_validation_pool(container: Any, *, policy: str = "strict", offline: bool | None = None,
                               trust_store: Any = None, processes: int = 1) -> Any:
    """The same verdicts as :func:`attachment_validator`, computed in worker processes (see validation_pool)."""
    from .validation_pool import ValidationPool

    store, offline = _validation_inputs(container, offline, trust_store)
    return ValidationPool(store, policy=policy, offline=offline, processes=processes)


def pdf_validator(store: Any, offline: bool = True, *, policy: str = "strict") -> AttachmentValidator:
    """The validator over an already loaded trust store (picklable inputs: a worker process builds its own)."""
    from signing.validation import Indication, ValidationInputError, validate_pdf

    def validate(name: str, data: bytes) -> dict[str, Any]:
        if not data.startswith(b"%PDF-"):
            return {"checked": False, "signed": False, "ok": True, "indication": None,
                    "reason": "Không phải tệp PDF, không kiểm tra chữ ký / not a PDF, not checked"}
        try:
            report = validate_pdf(data, trust_store=store, policy=policy, offline=offline)
        except ValidationInputError as exc:
            return {"checked": True, "signed": False, "ok": False, "indication": Indication.FAILED.value,
                    "reason": f"{exc.message_vi} / {exc.message_en}", "signatures": []}
        signatures = [{"field": s.field_name, "signer": s.signer, "indication": s.indication.value,
                       "sub_indication": s.sub_indication, "reason_vi": s.rule_vi, "reason_en": s.rule_en}
                      for s in report.signatures]
        indication = report.indication.value if signatures else None
        return {"checked": True, "signed": bool(signatures), "ok": indication != Indication.FAILED.value,
                "indication": indication, "policy": report.policy, "offline": offline,
                "reason": _reason(signatures), "signatures": signatures}

    return validate


def _reason(signatures: list[dict[str, Any]]) -> str:
    if not signatures:
        return "Tệp PDF không có chữ ký số / the PDF carries no digital signature"
    worst = next((s for s in signatures if s["indication"] == "FAILED"), None) or next(
        (s for s in signatures if s["indication"] != "PASSED"), None)
    if worst is None:
        return "Chữ ký số hợp lệ / signatures valid"
    return f"{worst['indication']} {worst['sub_indication'] or ''}: {worst['reason_vi']} / {worst['reason_en']}"


def attachment_warnings(reports: list[dict[str, Any]]) -> list[str]:
    """One Vietnamese-first line per attachment the clerk must look at (not PASSED, unsigned, unchecked)."""
    lines = []
    for report in reports:
        verdict = report.get("validation") or {}
        if report.get("validation_error"):
            error = report["validation_error"]
            lines.append(f"{report['name']}: không kiểm tra được chữ ký ({error.get('message')}) / "
                         f"signature could not be checked ({error.get('message_en')})")
        elif verdict.get("checked") and verdict.get("indication") != "PASSED":
            label = "CHỮ KÝ KHÔNG HỢP LỆ" if verdict.get("ok") is False else "chưa xác định được chữ ký"
            lines.append(f"{report['name']}: {label} — {verdict.get('reason')}")
    return [line[:1000] for line in lines]


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.b64encode(der).decode("ascii")
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n".encode("ascii")
