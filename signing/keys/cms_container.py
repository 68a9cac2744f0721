"""The PAdES CMS signature container, assembled from DER pieces encoded once per key.

Why: profiling one-page B-B signing showed ~80% of the time in asn1crypto building and re-encoding
the same objects for every document — the signer's certificates, its signing-certificate-v2
attribute, the algorithm identifiers — although only two things change from one signature to the
next: the document digest and the signature value. This mixin encodes the constant pieces once and
concatenates bytes, producing exactly the bytes pyHanko's generic code would produce (a test
compares the two byte for byte), so validators see no difference.

The fast path covers what ``signing.pades`` asks for (PAdES, detached ``data`` content, no extra CAdES
signed attributes, no attribute certificates); anything else falls through to pyHanko unchanged.
Unsigned attributes (the B-T signature timestamp) still come from pyHanko's providers.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import algos, cms, core
from pyhanko.sign.attributes import SigningCertificateV2Provider

SEQUENCE, SET, OCTET_STRING, INTEGER = 0x30, 0x31, 0x04, 0x02
CONTEXT_0, CONTEXT_1 = 0xA0, 0xA1


def der(tag: int, content: bytes) -> bytes:
    """One DER TLV (definite length), for tags that fit in one byte."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def der_set_of(encodings: list[bytes]) -> bytes:
    """DER SET OF: members sorted by their encodings (X.690 11.6), as asn1crypto does."""
    return der(SET, b"".join(sorted(encodings)))


def _retag(encoded: bytes, tag: int) -> bytes:
    """An encoding with its (one-byte) outer tag replaced, for IMPLICIT [n] fields."""
    return bytes((tag,)) + encoded[1:]


_CONTENT_TYPE_DATA_ATTR = cms.CMSAttribute(
    {"type": cms.CMSAttributeType("content_type"), "values": [cms.ContentType("data")]}).dump()
_MESSAGE_DIGEST_OID = cms.CMSAttributeType("message_digest").dump()
_SIGNED_DATA_OID = cms.ContentType("signed_data").dump()
_ENCAP_DATA = cms.EncapsulatedContentInfo({"content_type": "data"}).dump()
_VERSION_1 = core.Integer(1).dump()


class PrebuiltCmsMixin:
    """Mix into a pyHanko ``Signer`` (before it in the bases) to build PAdES containers from cached DER."""

    _cms_cache: dict[Any, bytes]

    def _cached(self, key: Any, build: Any) -> bytes:
        cache = self.__dict__.setdefault("_cms_cache", {})
        if key not in cache:
            cache[key] = build()
        return cache[key]

    async def signed_attrs(self, data_digest: bytes, digest_algorithm: str, attr_settings=None,
                           content_type="data", use_pades=False, timestamper=None, dry_run=False,
                           is_pdf_sig=True):
        fast = (use_pades and is_pdf_sig and content_type == "data" and self.signed_attr_prov_spec is None
                and (attr_settings is None or attr_settings.cades_signed_attrs is None))
        if not fast:
            return await super().signed_attrs(  # type: ignore[misc]
                data_digest, digest_algorithm, attr_settings=attr_settings, content_type=content_type,
                use_pades=use_pades, timestamper=timestamper, dry_run=dry_run, is_pdf_sig=is_pdf_sig)
        if "signing_certificate_v2" not in self.__dict__.setdefault("_cms_cache", {}):
            attr = await SigningCertificateV2Provider(signing_cert=self.signing_cert).get_attribute()
            self._cms_cache["signing_certificate_v2"] = attr.dump()
        message_digest = der(SEQUENCE, _MESSAGE_DIGEST_OID + der(SET, der(OCTET_STRING, data_digest)))
        encoded = der_set_of([_CONTENT_TYPE_DATA_ATTR, message_digest, self._cms_cache["signing_certificate_v2"]])
        return cms.CMSAttributes.load(encoded)

    def _package_signature(self, *, digest_algorithm: str, cms_version, signed_attrs: cms.CMSAttributes,
                           signature: bytes, unsigned_attrs: cms.CMSAttributes | None,
                           encap_content_info) -> cms.ContentInfo:
        if (cms_version != "v1" or self.attribute_certs or digest_algorithm.startswith("shake")
                or encap_content_info not in (None, {"content_type": "data"})):
            return super()._package_signature(  # type: ignore[misc]
                digest_algorithm=digest_algorithm, cms_version=cms_version, signed_attrs=signed_attrs,
                signature=signature, unsigned_attrs=unsigned_attrs, encap_content_info=encap_content_info)
        digest_algo = self._cached(("digest", digest_algorithm),
                                   lambda: algos.DigestAlgorithm({"algorithm": digest_algorithm}).dump())
        signature_algo = self._cached(("mechanism", digest_algorithm),
                                      lambda: self.get_signature_mechanism_for_digest(digest_algorithm).dump())
        signer_id = self._cached("sid", self._signer_identifier)
        certificates = self._cached("certificates", self._certificate_set)
        signer_info = der(SEQUENCE, b"".join((
            _VERSION_1, signer_id, digest_algo, _retag(signed_attrs.dump(), CONTEXT_0), signature_algo,
            der(OCTET_STRING, signature),
            _retag(unsigned_attrs.dump(), CONTEXT_1) if unsigned_attrs is not None else b"",
        )))
        signed_data = der(SEQUENCE, b"".join((
            _VERSION_1, der(SET, digest_algo), _ENCAP_DATA, certificates, der(SET, signer_info),
        )))
        return cms.ContentInfo.load(der(SEQUENCE, _SIGNED_DATA_OID + der(CONTEXT_0, signed_data)))

    def _signer_identifier(self) -> bytes:
        cert = self.signing_cert
        return cms.IssuerAndSerialNumber({"issuer": cert.issuer, "serial_number": cert.serial_number}).dump()

    def _certificate_set(self) -> bytes:
        """[0] IMPLICIT CertificateSet: the registry's certificates (roots too if embed_roots) plus the signer's."""
        chosen = [c for c in (self.cert_registry or ()) if self.embed_roots or c.self_signed == "no"]
        return _retag(der_set_of([c.dump() for c in [*chosen, self.signing_cert]]), CONTEXT_0)
