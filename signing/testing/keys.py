"""Private keys for the test PKI, generated once and cached on disk.

Why: RSA-2048 generation costs ~50-100 ms per key; the suite runs under pytest-xdist in several
processes, and every process would otherwise regenerate the same ten keys. The cache lives in the
system temp directory (never in the repository) and is written atomically so parallel workers never
read a half-written file. Keys are test material only: never use them for anything real.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

CACHE_DIR = Path(tempfile.gettempdir()) / "quytrinh-test-pki-keys-v1"
_memory: dict[str, PrivateKeyTypes] = {}


def _generate(kind: str) -> PrivateKeyTypes:
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key kind {kind!r}")


def cached_key(name: str, kind: str = "rsa2048") -> PrivateKeyTypes:
    """Return the private key called ``name`` (of ``kind`` rsa2048/ec256), creating it on first use."""
    cache_key = f"{name}.{kind}"
    if cache_key in _memory:
        return _memory[cache_key]
    path = CACHE_DIR / f"{cache_key}.pem"
    key: PrivateKeyTypes | None = None
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError):
            key = None  # corrupt cache entry: regenerate below
    if key is None:
        key = _generate(kind)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.replace(tmp, path)
    _memory[cache_key] = key
    return key
