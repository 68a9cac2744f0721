"""Building and checking a certificate chain to the trust store at one moment.

Thin layer over pyhanko_certvalidator that turns its exceptions into a small closed set of
problems the verdict logic reasons about, and that re-checks that the chain ends at an anchor of
*our* store by key (defence in depth against name-based look-alikes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko_certvalidator import errors as cv_errors

from signing.trust import TrustEntry, TrustStore
from signing.validation.memo import Memo
from signing.validation.policy import AlgorithmTable

if TYPE_CHECKING:
    from signing.validation.paths import PathCache

# Problems, from the most to the least specific.
NO_CHAIN = "NO_CHAIN"
REVOKED = "REVOKED"
REVOCATION_UNAVAILABLE = "REVOCATION_UNAVAILABLE"
EXPIRED = "EXPIRED"
NOT_YET_VALID = "NOT_YET_VALID"
WEAK_CERT_ALGORITHM = "WEAK_CERT_ALGORITHM"
CHAIN_CONSTRAINTS = "CHAIN_CONSTRAINTS"
CHAIN_GENERAL = "CHAIN_GENERAL"


@dataclass(frozen=True)
class RevocationMaterial:
    """CRLs and OCSP responses found in the document (DSS, CMS), usable without the network."""

    crls: tuple[asn1_crl.CertificateList, ...] = ()
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...] = ()


@dataclass
class ChainOutcome:
    moment: datetime
    trusted: bool
    path: list[x509.Certificate] = field(default_factory=list)  # signer first, anchor last
    anchor: TrustEntry | None = None
    problem: str | None = None
    message: str = ""
    revoked_at: datetime | None = None
    soft_failures: list[str] = field(default_factory=list)


_SOURCES: Memo[bytes, tuple[str, ...]] = Memo(1024)


def declared_revocation_sources(cert: x509.Certificate) -> list[str]:
    """URLs of the CRLs and OCSP responders a certificate names (empty: nothing to check).

    Remembered per certificate (SHA-256 of its DER): a signer's next document carries a freshly
    parsed copy of the same certificate, and parsing its extensions again cost ~5% of a validation.
    """
    key = cert.sha256
    known = _SOURCES.get(key)
    if known is not None:
        return list(known)
    urls = list(cert.ocsp_urls)
    urls.extend(point.url for point in cert.crl_distribution_points if point.url)
    _SOURCES.put(key, tuple(urls))
    return urls


def _issued_at(cert: x509.Certificate) -> datetime:
    return cert["tbs_certificate"]["validity"]["not_before"].native


def _weak_certificate(path: list[x509.Certificate], algorithms: AlgorithmTable) -> str | None:
    """A certificate's own signature is judged at its issuance time (its notBefore)."""
    for cert in path[:-1]:
        try:
            digest = cert["signature_algorithm"].hash_algo
        except ValueError:
            continue  # EdDSA and friends carry no separate digest
        judgement = algorithms.judge_digest(digest, _issued_at(cert))
        if not judgement.acceptable:
            return (f"certificate {cert.subject.human_friendly!r} is signed with {digest}, not acceptable "
                    f"for certificates issued {_issued_at(cert).date()} ({judgement.source})")
    return None


async def evaluate_chain(cert: x509.Certificate, *, paths: PathCache, probe: bool = True, **kwargs) -> ChainOutcome:
    """Is ``cert`` trusted at ``moment``? Never raises for chain problems: they are the outcome.

    When revocation data is missing under hard-fail, the chain is checked again without it so that
    a more fundamental problem (expired, revoked, no chain) is reported in its place. The candidate
    paths are searched once (``paths``) and only re-validated for each of these checks. ``probe=False``
    skips finding out what soft-fail let pass, for callers that only read ``trusted`` and the path.
    """
    outcome = await _evaluate_once(cert, paths, **kwargs)
    if outcome.problem == REVOCATION_UNAVAILABLE and kwargs.get("hard_fail"):
        relaxed = await _evaluate_once(cert, paths, **{**kwargs, "hard_fail": False})
        if not relaxed.trusted:
            return relaxed
        outcome.path, outcome.anchor = relaxed.path, relaxed.anchor  # the chain exists; only revinfo lacks
    elif outcome.problem == REVOCATION_UNAVAILABLE:
        # tolerant mode, but the data present is stale/unusable: tolerate it as "unavailable" too
        bare = await _evaluate_once(cert, paths, **{**kwargs, "revinfo": RevocationMaterial(), "fetch": False})
        if bare.trusted:
            bare.soft_failures.append(outcome.message)
            return bare
    elif probe and outcome.trusted and not kwargs.get("hard_fail") and not outcome.soft_failures:
        # soft-fail without fetching checks nothing silently: find out, so the report can say so
        probe = await _evaluate_once(cert, paths, **{**kwargs, "hard_fail": True})
        if probe.problem == REVOCATION_UNAVAILABLE:
            outcome.soft_failures.append(probe.message)
    return outcome


async def _evaluate_once(
    cert: x509.Certificate,
    paths: PathCache,
    *,
    store: TrustStore,
    moment: datetime,
    embedded_certs: list[x509.Certificate],
    revinfo: RevocationMaterial,
    algorithms: AlgorithmTable,
    hard_fail: bool,
    fetch: bool,
    extended_key_usage: set[str] | None = None,
) -> ChainOutcome:
    check = await paths.validate(cert, pool=embedded_certs, moment=moment, crls=list(revinfo.crls),
                                 ocsps=list(revinfo.ocsps), hard_fail=hard_fail, fetch=fetch,
                                 extended_key_usage=extended_key_usage)
    outcome = ChainOutcome(moment=moment, trusted=False)
    exc = check.error
    if isinstance(exc, cv_errors.PathBuildingError):
        outcome.problem, outcome.message = NO_CHAIN, str(exc)
    elif isinstance(exc, cv_errors.RevokedError):
        outcome.problem, outcome.message, outcome.revoked_at = REVOKED, str(exc), exc.revocation_dt
    elif isinstance(exc, cv_errors.InsufficientRevinfoError):
        outcome.problem, outcome.message = REVOCATION_UNAVAILABLE, str(exc)
    elif isinstance(exc, cv_errors.ExpiredError):
        outcome.problem, outcome.message = EXPIRED, str(exc)
    elif isinstance(exc, cv_errors.NotYetValidError):
        outcome.problem, outcome.message = NOT_YET_VALID, str(exc)
    elif isinstance(exc, cv_errors.InvalidCertificateError):
        outcome.problem, outcome.message = CHAIN_CONSTRAINTS, str(exc)
    elif exc is not None:
        outcome.problem, outcome.message = CHAIN_GENERAL, str(exc)
    else:
        assert check.path is not None
        certs = list(check.path.iter_certs(include_root=True))
        certs.reverse()
        outcome.path = certs
        outcome.anchor = store.anchor_for(certs[-1])
        weak = _weak_certificate(certs, algorithms)
        if outcome.anchor is None:  # cannot happen with certvalidator, but never trust by name
            outcome.problem, outcome.message = NO_CHAIN, "chain ends outside the trust store"
        elif weak:
            outcome.problem, outcome.message = WEAK_CERT_ALGORITHM, weak
        else:
            outcome.trusted = True
    outcome.soft_failures = check.soft_failures
    return outcome
