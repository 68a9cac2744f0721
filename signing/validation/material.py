"""Validation material already inside the document: DSS certificates/CRLs/OCSPs, CMS revocation archives.

This is what makes B-LT/B-LTA signatures checkable offline years later.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.validation.chain import RevocationMaterial


@dataclass(frozen=True)
class DocumentMaterial:
    certs: tuple[x509.Certificate, ...]
    revinfo: RevocationMaterial
    has_dss: bool

    @property
    def has_revocation_data(self) -> bool:
        return bool(self.revinfo.crls or self.revinfo.ocsps)


def read_document_material(reader: PdfFileReader) -> DocumentMaterial:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, KeyError):
        return DocumentMaterial((), RevocationMaterial(), False)
    except (PdfReadError, ValueError, TypeError):
        return DocumentMaterial((), RevocationMaterial(), True)  # unreadable DSS: use nothing from it
    try:
        certs = tuple(dss.load_certs())
    except (PdfReadError, ValueError, TypeError):
        certs = ()
    return DocumentMaterial(certs, _from_dss(dss), True)


def _from_dss(dss: DocumentSecurityStore) -> RevocationMaterial:
    crls = []
    for ref in dss.crls:
        try:
            crls.append(asn1_crl.CertificateList.load(ref.get_object().data))
        except (ValueError, TypeError, PdfReadError):
            continue
    ocsps = []
    for ref in dss.ocsps:
        try:
            ocsps.append(asn1_ocsp.OCSPResponse.load(ref.get_object().data))
        except (ValueError, TypeError, PdfReadError):
            continue
    return RevocationMaterial(tuple(crls), tuple(ocsps))


def signature_revinfo(sig: EmbeddedPdfSignature) -> RevocationMaterial:
    """Revocation data the signer put in the CMS (adbe-revocationInfoArchival)."""
    signed_attrs = sig.signer_info["signed_attrs"]
    crls: list[asn1_crl.CertificateList] = []
    ocsps: list[asn1_ocsp.OCSPResponse] = []
    for attr in signed_attrs or []:
        if attr["type"].native != "adobe_revocation_info_archival":
            continue
        for value in attr["values"]:
            crls.extend(value["crl"] or [])
            ocsps.extend(value["ocsp"] or [])
    return RevocationMaterial(tuple(crls), tuple(ocsps))


def merge(*materials: RevocationMaterial) -> RevocationMaterial:
    return RevocationMaterial(tuple(c for m in materials for c in m.crls),
                              tuple(o for m in materials for o in m.ocsps))
