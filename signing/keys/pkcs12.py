"""Password-protected PKCS#12 (.p12/.pfx) key files, one per user.

Why decrypt once: the password unlocks the key into memory for the session (a batch signs thousands of
documents); the file itself stays encrypted on disk and the password is never stored.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import KeyAccessError
from .memory import InMemoryKeySource


class Pkcs12KeySource(InMemoryKeySource):
    """A key and certificate from a PKCS#12 file. Wrong password → :class:`KeyAccessError`."""

    def __init__(self, data: bytes, password: str | bytes | None, *, source_name: str = "PKCS#12") -> None:
        secret = password.encode() if isinstance(password, str) else password
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError as exc:
            message = str(exc).lower()
            if "password" in message or "mac" in message or "decrypt" in message:
                raise KeyAccessError(
                    f"Mật khẩu của tệp khóa {source_name} không đúng.",
                    f"Wrong password for key file {source_name}.",
                    code="wrong_password", details={"file": source_name},
                ) from None
            raise KeyAccessError(
                f"Không đọc được tệp khóa {source_name}: không phải tệp PKCS#12 hợp lệ.",
                f"Cannot read key file {source_name}: not a valid PKCS#12 file ({exc}).",
                code="unreadable_key_file", details={"file": source_name},
            ) from None
        if key is None or cert is None:
            raise KeyAccessError(
                f"Tệp {source_name} không chứa khóa bí mật và chứng thư số.",
                f"File {source_name} does not contain both a private key and a certificate.",
                code="incomplete_key_file", details={"file": source_name},
            )
        super().__init__(key, cert, list(extra or []))

    @classmethod
    def from_file(cls, path: str | Path, password: str | bytes | None) -> Pkcs12KeySource:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise KeyAccessError(
                f"Không mở được tệp khóa {path}: {exc.strerror}.",
                f"Cannot open key file {path}: {exc.strerror}.",
                code="key_file_missing", details={"file": str(path)},
            ) from None
        return cls(data, password, source_name=path.name)
