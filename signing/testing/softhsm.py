"""A throw-away SoftHSM2 token holding test identities, for PKCS#11 tests.

Why in ``signing.testing``: both signing and validation tests need a real PKCS#11 module. SoftHSM2
reads ``SOFTHSM2_CONF`` when the module is first loaded in a process, so call
:func:`create_softhsm_token` before anything loads the module, and reuse its token afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .pki import Identity

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    label: str
    pin: str
    so_pin: str
    directory: Path


def softhsm_available() -> bool:
    return Path(SOFTHSM_MODULE).exists() and subprocess.run(["which", "softhsm2-util"], capture_output=True).returncode == 0


def create_softhsm_token(identities: dict[str, Identity], label: str = "quytrinh-test", pin: str = "123456",
                         directory: Path | None = None) -> SoftHsmToken:
    """Create a token with each identity's key (label = the dict key) and certificate (same label and id)."""
    directory = directory or Path(tempfile.mkdtemp(prefix="softhsm-"))
    (directory / "tokens").mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    so_pin = "12345678"
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
                   check=True, capture_output=True)
    for index, (name, identity) in enumerate(identities.items(), start=1):
        key_file = directory / f"{name}.pem"
        key_file.write_bytes(identity.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        subprocess.run(["softhsm2-util", "--import", str(key_file), "--token", label, "--label", name,
                        "--id", f"{index:02x}", "--pin", pin], check=True, capture_output=True)
        key_file.unlink()
    _store_certificates(label, pin, identities)
    return SoftHsmToken(SOFTHSM_MODULE, label, pin, so_pin, directory)


def _store_certificates(label: str, pin: str, identities: dict[str, Identity]) -> None:
    import pkcs11

    lib = pkcs11.lib(SOFTHSM_MODULE)
    token = lib.get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        for index, (name, identity) in enumerate(identities.items(), start=1):
            session.create_object(_certificate_template(identity.certificate, name, bytes([index])))
            for chain_index, issuer in enumerate(identity.chain):
                session.create_object(_certificate_template(
                    issuer, f"{name}-ca{chain_index}", bytes([100 + index * 10 + chain_index])))


def _certificate_template(cert: object, label: str, object_id: bytes) -> dict:
    from pkcs11 import Attribute, CertificateType, ObjectClass

    return {
        Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: object_id,
        Attribute.SUBJECT: cert.subject.public_bytes(),  # type: ignore[attr-defined]
        Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),  # type: ignore[attr-defined]
    }
