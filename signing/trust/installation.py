"""An installation's trust store: shipped defaults plus the administrator's additions and removals.

Kept in a directory chosen by the caller::

    <dir>/store.json          {"version": 1, "added": [{"sha256", "file", "role", "added_at"}], "removed": [sha256]}
    <dir>/added/<sha256>.pem  one file per added certificate

Every added file is pinned by its SHA-256 in ``store.json``; a file changed, added or deleted behind
the application's back makes loading fail with :class:`TrustStoreTampered`. Changes are validated
completely before anything is written and are written atomically, so a refused change leaves the
directory untouched. The application records the audit event from the returned :class:`TrustChange`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem

from signing.trust.certificates import (
    is_ca,
    is_self_signed,
    load_certificate,
    loose_name_key,
    sha256_fingerprint,
)
from signing.trust.entries import ROLE_INTERMEDIATE, ROLE_ROOT, TrustEntry
from signing.trust.errors import (
    DuplicateCertificate,
    NameCollision,
    NotACertificateAuthority,
    TrustStoreTampered,
    UnknownFingerprint,
)
from signing.trust.store import TrustStore, default_trust_store, normalise_fingerprint

MANIFEST = "store.json"
ADDED_DIR = "added"


@dataclass(frozen=True)
class TrustChange:
    """What one administrative action changed, for the caller's audit trail."""

    action: str  # "added" | "removed"
    fingerprint: str
    subject: str
    role: str
    source: str  # where the certificate came from: "shipped" or "added"

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "fingerprint": self.fingerprint, "subject": self.subject,
                "role": self.role, "source": self.source}


class InstallationTrustStore:
    """Reads and changes the trust store directory of one installation."""

    def __init__(self, directory: str | os.PathLike[str], defaults: TrustStore | None = None) -> None:
        self.directory = Path(directory)
        self._defaults = defaults if defaults is not None else default_trust_store()

    # -- reading ---------------------------------------------------------------------------------
    def load(self) -> TrustStore:
        """The effective store; raises :class:`TrustStoreTampered` if the directory was altered."""
        manifest = self._read_manifest()
        added = self._load_added(manifest)
        removed = set(manifest["removed"])
        kept = [e for e in self._defaults.entries if e.fingerprint not in removed]
        return TrustStore([*kept, *added])

    def _read_manifest(self) -> dict[str, Any]:
        path = self.directory / MANIFEST
        if not path.exists():
            if (self.directory / ADDED_DIR).exists() and any((self.directory / ADDED_DIR).iterdir()):
                raise self._tampered("store.json is missing but added certificates exist", str(path))
            return {"version": 1, "added": [], "removed": []}
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest.get("added"), list) or not isinstance(manifest.get("removed"), list):
                raise ValueError("added/removed must be lists")
        except (ValueError, AttributeError) as exc:
            raise self._tampered(f"store.json is unreadable: {exc}", str(path)) from exc
        return manifest

    def _load_added(self, manifest: dict[str, Any]) -> list[TrustEntry]:
        entries = []
        listed = set()
        for item in manifest["added"]:
            file_path = self.directory / item["file"]
            listed.add(file_path.name)
            if not file_path.exists():
                raise self._tampered("an added certificate file was deleted", str(file_path))
            cert = load_certificate(file_path.read_bytes(), source=str(file_path))
            actual = sha256_fingerprint(cert)
            if actual != item["sha256"]:
                raise self._tampered("an added certificate file was changed", str(file_path),
                                     expected=item["sha256"], actual=actual)
            entries.append(TrustEntry(cert=cert, role=item["role"], hierarchy="local", source="added",
                                      file=item["file"]))
        added_dir = self.directory / ADDED_DIR
        if added_dir.exists():
            unlisted = sorted(p.name for p in added_dir.iterdir() if p.name not in listed)
            if unlisted:
                raise self._tampered("certificate files were added without going through quytrinh",
                                     str(added_dir), unlisted=unlisted)
        return entries

    @staticmethod
    def _tampered(reason: str, path: str, **details: Any) -> TrustStoreTampered:
        return TrustStoreTampered(
            "Kho chứng thư tin cậy đã bị thay đổi ngoài ứng dụng; từ chối sử dụng cho đến khi quản trị viên kiểm tra.",
            f"The trust store was changed outside the application ({reason}); refusing to use it.",
            details={"path": path, "reason": reason, **details},
        )

    # -- changing --------------------------------------------------------------------------------
    def add(self, data: bytes, *, source_name: str = "", allow_name_collision: bool = False) -> TrustChange:
        """Add a CA certificate. Self-signed ones become anchors, others chain helpers."""
        current = self.load()
        manifest = self._read_manifest()
        cert = load_certificate(data, source=source_name)
        fingerprint = sha256_fingerprint(cert)
        subject = cert.subject.human_friendly
        if not is_ca(cert):
            raise NotACertificateAuthority(
                "Chứng thư không phải của tổ chức chứng thực (thiếu BasicConstraints CA=TRUE); chỉ thêm được chứng thư CA.",
                "The certificate is not a CA certificate (no BasicConstraints CA=TRUE); only CAs can be added.",
                details={"fingerprint": fingerprint, "subject": subject},
            )
        if current.contains(fingerprint):
            raise DuplicateCertificate(
                "Chứng thư này đã có trong kho tin cậy.", "This certificate is already in the trust store.",
                details={"fingerprint": fingerprint, "subject": subject},
            )
        role = ROLE_ROOT if is_self_signed(cert) else ROLE_INTERMEDIATE
        wanted = loose_name_key(cert.subject)
        same_name = [a for a in current.anchors if loose_name_key(a.cert.subject) == wanted]
        if role == ROLE_ROOT and same_name and not allow_name_collision:
            raise NameCollision(
                "Đã có chứng thư gốc cùng tên nhưng khác khóa: có thể là chứng thư giả mạo.",
                "An anchor with the same name but a different key is already trusted: possible look-alike.",
                details={"fingerprint": fingerprint, "subject": subject,
                         "existing": [a.fingerprint for a in same_name]},
            )
        relative = f"{ADDED_DIR}/{fingerprint}.pem"
        removed = [fp for fp in manifest["removed"] if fp != fingerprint]  # re-adding a removed default
        manifest = {**manifest, "removed": removed}
        if not self._defaults.contains(fingerprint):
            (self.directory / ADDED_DIR).mkdir(parents=True, exist_ok=True)
            _atomic_write(self.directory / relative, pem.armor("CERTIFICATE", cert.dump()))
            manifest["added"] = [*manifest["added"], {"sha256": fingerprint, "file": relative, "role": role,
                                                      "added_at": datetime.now(UTC).isoformat()}]
        self._write_manifest(manifest)
        return TrustChange("added", fingerprint, subject, role, "added")

    def remove(self, fingerprint: str) -> TrustChange:
        """Remove an added certificate, or stop trusting a shipped one (recorded as a removal)."""
        current = self.load()
        key = normalise_fingerprint(fingerprint)
        if not current.contains(key):
            raise UnknownFingerprint(
                f"Không có chứng thư nào với dấu vân tay {key} trong kho tin cậy.",
                f"No certificate with fingerprint {key} in the trust store.",
                details={"fingerprint": key},
            )
        entry = current.get(key)
        manifest = self._read_manifest()
        if entry.source == "added":
            manifest["added"] = [i for i in manifest["added"] if i["sha256"] != key]
            self._write_manifest(manifest)
            (self.directory / entry.file).unlink(missing_ok=True)
        else:
            manifest["removed"] = sorted({*manifest["removed"], key})
            self._write_manifest(manifest)
        return TrustChange("removed", key, entry.summary.subject, entry.role, entry.source)

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        manifest = {"version": 1, "added": manifest["added"], "removed": manifest["removed"]}
        _atomic_write(self.directory / MANIFEST,
                      json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
