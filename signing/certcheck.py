"""Checks the signer's certificate at signing time: trusted chain, validity period, not revoked.

Why before signing: Circular 15/2025/TT-BKHCN requires a revocation check (OCSP or CRL) when signing,
and a signature made with an expired or revoked certificate is worthless to the person receiving the
document. Messages say in Vietnamese what is wrong with the certificate.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from .errors import CertificateRejectedError, RevocationCheckError, SigningError
from .keys.base import KeySource, check_key_strength
from .services import SigningServices


def validation_context(key_source: KeySource, services: SigningServices, *, fetch: bool = True) -> ValidationContext:
    """A pyHanko validation context for the signer: the deployment's roots plus the key's chain."""
    return ValidationContext(
        trust_roots=list(services.trust_roots),
        other_certs=key_source.chain,
        allow_fetching=fetch,
        revocation_mode="require" if services.check_revocation else "soft-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=services.network_timeout),
    )


def check_signer_certificate(key_source: KeySource, services: SigningServices) -> list[str]:
    """Raise a :class:`SigningError` if this key may not sign now; return warnings otherwise."""
    cert = key_source.certificate
    check_key_strength(cert)
    _check_validity_period(key_source)
    if not services.check_revocation:
        return ["Không kiểm tra thu hồi chứng thư số (chế độ ngoại tuyến) / revocation not checked (offline mode)"]
    if services.check_cache.is_fresh(key_source.fingerprint_sha256):
        return []
    if not services.trust_roots:
        raise CertificateRejectedError(
            "Chưa cấu hình chứng thư số gốc tin cậy nên không kiểm tra được chứng thư của người ký.",
            "No trust roots configured: the signer's certificate cannot be checked.",
            code="no_trust_roots",
        )
    context = validation_context(key_source, services)
    validator = CertificateValidator(cert, intermediate_certs=key_source.chain, validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped to a precise error below
        raise translate_validation_error(exc, key_source) from None
    services.check_cache.remember(key_source.fingerprint_sha256, services.check_cache_seconds)
    return []


def _check_validity_period(key_source: KeySource) -> None:
    validity = key_source.certificate["tbs_certificate"]["validity"]
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now > not_after:
        raise _expired(key_source, not_after)
    if now < not_before:
        raise _not_yet_valid(key_source, not_before)


def _who(key_source: KeySource) -> dict[str, object]:
    cert = key_source.certificate
    return {"subject": cert.subject.human_friendly, "serial": cert.serial_number}


def _expired(key_source: KeySource, not_after: dt.datetime) -> CertificateRejectedError:
    return CertificateRejectedError(
        f"Chứng thư số của người ký đã hết hạn từ {not_after.isoformat()}; không thể ký.",
        f"The signer's certificate expired on {not_after.isoformat()}; cannot sign.",
        code="certificate_expired", details={**_who(key_source), "not_after": not_after.isoformat()},
    )


def _not_yet_valid(key_source: KeySource, not_before: dt.datetime) -> CertificateRejectedError:
    return CertificateRejectedError(
        f"Chứng thư số của người ký chưa có hiệu lực (từ {not_before.isoformat()}); không thể ký.",
        f"The signer's certificate is not valid before {not_before.isoformat()}; cannot sign.",
        code="certificate_not_yet_valid", details={**_who(key_source), "not_before": not_before.isoformat()},
    )


def translate_validation_error(exc: BaseException, key_source: KeySource) -> SigningError:
    """Turn a pyhanko-certvalidator error into our error with a Vietnamese message."""
    details = {**_who(key_source), "reason": str(exc)}
    if isinstance(exc, RevokedError):
        return CertificateRejectedError(
            "Chứng thư số của người ký đã bị thu hồi; không thể ký.",
            f"The signer's certificate has been revoked; cannot sign ({exc}).",
            code="certificate_revoked", details=details,
        )
    if isinstance(exc, ExpiredError):
        return CertificateRejectedError(
            "Chứng thư số trong chuỗi chứng thực đã hết hạn; không thể ký.",
            f"A certificate in the chain has expired; cannot sign ({exc}).",
            code="certificate_expired", details=details,
        )
    if isinstance(exc, NotYetValidError):
        return CertificateRejectedError(
            "Chứng thư số trong chuỗi chứng thực chưa có hiệu lực; không thể ký.",
            f"A certificate in the chain is not yet valid; cannot sign ({exc}).",
            code="certificate_not_yet_valid", details=details,
        )
    if isinstance(exc, InsufficientRevinfoError):
        return RevocationCheckError(
            "Không kiểm tra được tình trạng thu hồi của chứng thư số (OCSP/CRL không trả lời); chưa ký.",
            f"Could not establish the certificate's revocation status (no OCSP/CRL answer); nothing signed ({exc}).",
            details=details,
        )
    if isinstance(exc, PathBuildingError):
        return CertificateRejectedError(
            "Chứng thư số của người ký không thuộc tổ chức cung cấp dịch vụ tin cậy nào đã cấu hình.",
            f"The signer's certificate does not chain to a configured trust root ({exc}).",
            code="certificate_untrusted", details=details,
        )
    if isinstance(exc, PathValidationError):
        return CertificateRejectedError(
            "Chứng thư số của người ký không hợp lệ để ký.",
            f"The signer's certificate is not valid for signing ({exc}).",
            code="certificate_invalid", details=details,
        )
    return CertificateRejectedError(
        "Không kiểm tra được chứng thư số của người ký.",
        f"The signer's certificate could not be checked ({type(exc).__name__}: {exc}).",
        code="certificate_check_failed", details=details,
    )
