"""The pre-encoded CMS container is byte for byte what pyHanko's generic code builds.

Why byte equality: the fast path exists only for speed; any difference in the container (attribute
order, a missing certificate, a different algorithm identifier) would be a silent change of what we
sign, so it is compared with pyHanko's own ``SimpleSigner`` on the same key (PKCS#1 v1.5 and ECDSA
signatures of the same input are compared structurally, everything else byte for byte).
"""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from asn1crypto import cms
from pyhanko.sign import signers
from pyhanko.sign.general import simple_cms_attribute
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.keys.memory import InMemoryKeySource
from signing.testing import TestPKI


def _pyhanko_signer(identity, prefer_pss: bool = False) -> signers.SimpleSigner:
    return signers.SimpleSigner(identity.asn1_certificate, identity.asn1_private_key,
                                cert_registry=SimpleCertificateStore.from_certs(identity.asn1_chain),
                                prefer_pss=prefer_pss)


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
def test_rsa_container_equals_pyhanko_byte_for_byte(pki: TestPKI, digest: str) -> None:
    identity = pki.signer_rsa
    ours = InMemoryKeySource.from_identity(identity).pyhanko_signer()
    data_digest = hashlib.new(digest, b"document byte range").digest()

    fast = asyncio.run(ours.async_sign(data_digest, digest, use_pades=True))
    generic = asyncio.run(_pyhanko_signer(identity).async_sign(data_digest, digest, use_pades=True))

    assert fast.dump() == generic.dump()
    assert fast.dump(force=True) == fast.dump(), "the hand-made DER is canonical"


@pytest.mark.parametrize("name,prefer_pss", [("signer_rsa", True), ("signer_ec", False)])
def test_randomised_signatures_package_identically(pki: TestPKI, name: str, prefer_pss: bool) -> None:
    """PSS and ECDSA signatures differ each time, so the same signature value is packaged by both."""
    identity = getattr(pki, name)
    ours = InMemoryKeySource.from_identity(identity).pyhanko_signer(prefer_pss=prefer_pss)
    theirs = _pyhanko_signer(identity, prefer_pss=prefer_pss)
    data_digest = hashlib.sha256(b"document").digest()
    attrs_fast = asyncio.run(ours.signed_attrs(data_digest, "sha256", use_pades=True))
    attrs_generic = asyncio.run(theirs.signed_attrs(data_digest, "sha256", use_pades=True))
    assert attrs_fast.dump() == attrs_generic.dump()

    signature = asyncio.run(ours.async_sign_raw(attrs_fast.dump(), "sha256"))
    unsigned = cms.CMSAttributes([simple_cms_attribute("content_type", "data")])  # any unsigned attribute
    for unsigned_attrs in (None, unsigned):
        kwargs = dict(digest_algorithm="sha256", cms_version="v1", signed_attrs=attrs_fast, signature=signature,
                      unsigned_attrs=unsigned_attrs, encap_content_info=None)
        assert ours._package_signature(**kwargs).dump() == theirs._package_signature(**kwargs).dump()


def test_non_pades_requests_use_pyhanko_unchanged(pki: TestPKI) -> None:
    """Outside the PAdES shape (e.g. adbe.pkcs7.detached with signing time) pyHanko's code runs."""
    identity = pki.signer_rsa
    ours = InMemoryKeySource.from_identity(identity).pyhanko_signer()
    data_digest = hashlib.sha256(b"x").digest()
    attrs = asyncio.run(ours.signed_attrs(data_digest, "sha256", use_pades=False))
    types = {attr["type"].native for attr in attrs}
    assert "cms_algorithm_protection" in types  # only pyHanko's generic provider adds it
