"""XML-DSig over the edXML envelope: sign what we send, check what we receive.

The signature is enveloped, covers the whole package (``Reference URI=""``, so the attachments
too) and sits in ``edXMLHeader`` where QCVN 102 puts it. On receipt there are four outcomes, and
only one of them is a reason to refuse: a real XML-DSig signature that does not verify. The SDK's
placeholder (written in the edXML namespace, so no verifier recognises it) and an absent signature
are reported, not failed, because most systems on the axis send exactly that today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from lxml import etree
from signxml import InvalidInput, SignatureConfiguration, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidSignature

from .errors import EdxmlError
from .model import NAMESPACE
from .safe_xml import parse_untrusted

XMLDSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


@dataclass(frozen=True)
class SignatureCheck:
    """Outcome of checking the envelope signature.

    ``status``: ``absent`` | ``placeholder`` | ``valid`` (by a trusted certificate) |
    ``valid_untrusted`` (intact, signed by the certificate it carries, which nobody configured as
    trusted) | ``invalid``.
    """

    status: str
    message_vi: str
    message_en: str
    signer_subject: str = ""

    @property
    def refuses(self) -> bool:
        return self.status == "invalid"

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status, "message": self.message_vi, "message_en": self.message_en,
                "signer_subject": self.signer_subject}


def sign_envelope(package: bytes, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Return ``package`` with an enveloped XML-DSig (RSA/ECDSA-SHA256) in ``edXMLHeader``."""
    root = parse_untrusted(package).root
    header = root.find(f"{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader")
    if header is None:
        raise EdxmlError("edxml_missing_element", "Không tìm thấy edXMLHeader để ký.",
                         "No edXMLHeader to put the signature in.")
    for old in header.findall(f"{{{XMLDSIG_NS}}}Signature") + header.findall(f"{{{NAMESPACE}}}Signature"):
        header.remove(old)
    placeholder = etree.SubElement(header, f"{{{XMLDSIG_NS}}}Signature", nsmap={"ds": XMLDSIG_NS})
    placeholder.set("Id", "placeholder")
    signer = XMLSigner(c14n_algorithm=EXCLUSIVE_C14N)
    signed = signer.sign(root, key=key_pem, cert=cert_pem.decode("ascii"))
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _signature_element(package: bytes, root: etree._Element | None = None) -> etree._Element | None:
    if root is None:
        root = parse_untrusted(package).root
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "Signature":
            parent = element.getparent()
            if parent is not None and parent.tag.rsplit("}", 1)[-1] == "edXMLHeader":
                return element
    return None


def check_envelope(package: bytes, trusted_certs: Sequence[bytes] = (), *,
                   root: etree._Element | None = None) -> SignatureCheck:
    """Check the envelope signature of a received package (never raises for a bad signature).

    ``root``: the package already parsed (by :func:`~.reader.read_package_tree`), to find the signature
    element without parsing the bytes again; a present signature is still verified over ``package``.
    """
    element = _signature_element(package, root)
    if element is None:
        return SignatureCheck("absent", "Gói tin không có chữ ký phong bì.", "The package has no envelope signature.")
    if etree.QName(element).namespace != XMLDSIG_NS:
        return SignatureCheck(
            "placeholder", "Chữ ký phong bì là chữ ký giữ chỗ của SDK; không kiểm tra được, chỉ ghi nhận.",
            "The envelope signature is the SDK's placeholder; it cannot be checked and is only reported.")
    uris = [r.get("URI") for r in element.iter(f"{{{XMLDSIG_NS}}}Reference")]
    if uris != [""]:
        return SignatureCheck("invalid", "Chữ ký phong bì không bao trùm toàn bộ gói tin.",
                              "The envelope signature does not cover the whole package (Reference URI must be \"\").")
    config = SignatureConfiguration(location=".//", expect_references=1)
    failures = []
    candidates: list[bytes | None] = list(trusted_certs) or [None]
    for cert in candidates:
        try:
            cert_pem = cert.decode("ascii") if cert else _embedded_cert(element)
            XMLVerifier().verify(package, x509_cert=cert_pem, expect_config=config)
        except (InvalidSignature, InvalidDigest, InvalidCertificate, InvalidInput, ValueError,
                etree.XMLSyntaxError) as exc:
            failures.append(str(exc))
            continue
        subject = x509.load_pem_x509_certificate(cert_pem.encode("ascii")).subject.rfc4514_string()
        if cert is None:
            return SignatureCheck("valid_untrusted",
                                  "Chữ ký phong bì toàn vẹn nhưng chứng thư của bên ký chưa được cấu hình tin cậy.",
                                  "The envelope signature is intact, but the signer's certificate is not configured as trusted.",
                                  subject)
        return SignatureCheck("valid", "Chữ ký phong bì hợp lệ.", "The envelope signature is valid.", subject)
    return SignatureCheck("invalid", "Chữ ký phong bì không hợp lệ: gói tin đã bị sửa hoặc ký bằng khóa khác.",
                          "The envelope signature does not verify: the package was altered or signed with another key. "
                          + "; ".join(failures[:3]))


def _embedded_cert(signature: etree._Element) -> str:
    found = signature.find(f".//{{{XMLDSIG_NS}}}X509Certificate")
    if found is None or not (found.text or "").strip():
        raise ValueError("no X509Certificate in the signature")
    body = "".join(found.text.split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
