"""Hostile or broken input: clear message, no crash, no hang."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from importlib import resources
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from signing.trust import default_trust_store
from signing.validation import Indication, ValidationInputError, validate_pdf

from . import pki
from .conftest import make_pdf, sign_pdf


def identity(leaf, chain):
    return type("Id", (), {"asn1_certificate": leaf.asn1, "asn1_private_key": leaf.asn1_key,
                           "asn1_chain": [c.asn1 for c in chain]})()


def test_not_a_pdf():
    with pytest.raises(ValidationInputError) as err:
        validate_pdf(b"PK\x03\x04 this is a zip file")
    assert err.value.code == "not_a_pdf" and err.value.message_vi


def test_truncated_pdf(signed_bb):
    with pytest.raises(ValidationInputError) as err:
        validate_pdf(signed_bb[:200])
    assert err.value.code == "pdf_unreadable"


def test_unsigned_pdf_is_not_passed():
    report = validate_pdf(make_pdf(), offline=True)
    assert report.signatures == [] and report.indication is Indication.INDETERMINATE


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_encrypted_pdf(tmp_path, signed_bb):
    plain, encrypted = tmp_path / "plain.pdf", tmp_path / "enc.pdf"
    plain.write_bytes(make_pdf())
    subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", str(plain), str(encrypted)], check=True)
    with pytest.raises(ValidationInputError) as err:
        validate_pdf(encrypted.read_bytes())
    assert err.value.code == "pdf_encrypted"


def test_too_big_for_the_policy(tmp_path, signed_bb):
    policy = json.loads((pki_policy_dir() / "strict.json").read_text(encoding="utf-8"))
    policy.update(name="tiny", max_pdf_bytes=1000, algorithms="does-not-exist.json")
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    with pytest.raises(ValidationInputError) as err:
        validate_pdf(signed_bb, policy=path)
    assert err.value.code == "pdf_too_large"


def test_unreadable_policy_file(tmp_path, signed_bb):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValidationInputError) as err:
        validate_pdf(signed_bb, policy=path)
    assert err.value.code == "policy_unreadable"


def pki_policy_dir():
    return Path(str(resources.files("signing.validation") / "policies"))


def test_embedded_chain_that_loops_is_indeterminate_quickly():
    key_a, key_b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    name_a, name_b = pki.name("Loop CA A"), pki.name("Loop CA B")
    ca_a = pki.issue(name_a, key=key_a, issuer_name=name_b, issuer_key=key_b)
    ca_b = pki.issue(name_b, key=key_b, issuer_name=name_a, issuer_key=key_a)
    leaf = pki.issue(pki.name("Looping signer"), ca_a, ca=False)
    signed = sign_pdf(make_pdf(), identity(leaf, [ca_a, ca_b]))
    started = time.monotonic()
    sig = validate_pdf(signed, trust_store=default_trust_store(), offline=True).signatures[0]
    assert time.monotonic() - started < 10
    assert (sig.indication, sig.sub_indication) == (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")


def test_fifty_deep_chain_is_refused_without_building_it():
    chain = [pki.issue(pki.name("Deep CA 0"))]
    for depth in range(1, 50):
        chain.append(pki.issue(pki.name(f"Deep CA {depth}"), chain[-1]))
    leaf = pki.issue(pki.name("Deep signer"), chain[-1], ca=False)
    signed = sign_pdf(make_pdf(), identity(leaf, list(reversed(chain))))
    started = time.monotonic()
    sig = validate_pdf(signed, offline=True).signatures[0]
    assert time.monotonic() - started < 10
    assert (sig.indication, sig.sub_indication, sig.rule) == (
        Indication.INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE", "LIMITS")
