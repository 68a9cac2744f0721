"""Certificate path search done once per certificate and validation run, reused at every time point.

Why: one signature is checked at several moments (now, the proven time, the claimed time, a
revocation probe) and its timestamp authority too. Finding the candidate paths to an anchor does not
depend on the moment or on revocation data, yet building a fresh pyHanko ``ValidationContext`` for
each check repeated it, together with indexing every trust-store certificate by name — most of the
validation time. Here the trust store's anchors are indexed once per store, the certificate pool
once per run and set of embedded certificates, the paths once per certificate; each check then only
runs the RFC 5280 validity and revocation checks on the paths found.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext, find_valid_path
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import AcceptAllAlgorithms
from pyhanko_certvalidator.registry import CertificateRegistry, PathBuilder, SimpleTrustManager
from pyhanko_certvalidator.sig_validate import DEFAULT_VALIDATION_CONTEXT, DefaultSignatureValidator
from pyhanko_certvalidator.util import CancelableAsyncIterator
from pyhanko_certvalidator.validate import validate_usage

from signing.trust import TrustStore

PATHS_REMEMBERED_PER_STORE = 1024
SIGNATURES_REMEMBERED = 4096


class _StoreIndex:
    """What a trust store contributes to every run: anchors and helpers indexed, paths found so far."""

    def __init__(self, store: TrustStore) -> None:
        self.trust = SimpleTrustManager.build(trust_roots=store.anchor_certificates())
        self.registry = CertificateRegistry.build(store.helper_certificates())
        self.registry.register_multiple(self.trust.iter_certs())
        self.paths: OrderedDict[tuple, list[ValidationPath] | cv_errors.PathBuildingError] = OrderedDict()
        self._pools: OrderedDict[tuple[bytes, ...], CertificateRegistry] = OrderedDict()
        self._pools_lock = threading.Lock()

    def pool_registry(self, pool_order: tuple[bytes, ...], pool: Iterable[x509.Certificate],
                      cert_fetcher) -> CertificateRegistry:
        """A fresh registry holding the store's certificates and ``pool``, registered in that order.

        Why: indexing a document's certificates by name (RFC 4518 string preparation of every
        subject) cost more than the path checks themselves, and documents from one signer embed the
        same certificates. The indexed registry is kept per ordered pool of certificate fingerprints
        and each run gets its own copy, as if it had registered them itself (revocation checking
        may add certificates to its copy; the kept one never changes).
        """
        with self._pools_lock:
            template = self._pools.get(pool_order)
            if template is not None:
                self._pools.move_to_end(pool_order)
        if template is None:
            template = _copy_registry(self.registry, None)
            template.register_multiple(pool)
            with self._pools_lock:
                self._pools[pool_order] = template
                if len(self._pools) > POOLS_REMEMBERED_PER_STORE:
                    self._pools.popitem(last=False)
        return _copy_registry(template, cert_fetcher)

    def remember(self, key: tuple, found: list[ValidationPath] | cv_errors.PathBuildingError) -> None:
        self.paths[key] = found
        if len(self.paths) > PATHS_REMEMBERED_PER_STORE:
            self.paths.popitem(last=False)


_REGISTRY_MAPS = ("_subject_map", "_key_identifier_map", "_key_hash_map")
POOLS_REMEMBERED_PER_STORE = 256


def _copy_registry(source: CertificateRegistry, cert_fetcher) -> CertificateRegistry:
    """A registry holding what ``source`` holds, in the same order, without indexing names again."""
    copy = CertificateRegistry(cert_fetcher=cert_fetcher)
    if all(hasattr(source, a) for a in ("certs", *_REGISTRY_MAPS)):
        copy.certs = dict(source.certs)
        for attr in _REGISTRY_MAPS:
            setattr(copy, attr, defaultdict(list, {k: list(v) for k, v in getattr(source, attr).items()}))
    else:  # a pyhanko-certvalidator whose internals moved: index again (slower, same result)
        copy.register_multiple(source)
    return copy
STORES_REMEMBERED = 8
_STORE_INDEXES: OrderedDict[tuple, _StoreIndex] = OrderedDict()
_INDEX_LOCK = threading.Lock()


def _store_key(store: TrustStore) -> tuple:
    """Trust stores are immutable values: two loads of the same installation store share one index."""
    return tuple(sorted((e.fingerprint, e.is_anchor) for e in store.entries))


def store_index(store: TrustStore) -> _StoreIndex:
    """Built once per trust store content and shared by all validation runs using it."""
    key = _store_key(store)
    with _INDEX_LOCK:
        index = _STORE_INDEXES.get(key)
        if index is None:
            index = _STORE_INDEXES[key] = _StoreIndex(store)
            if len(_STORE_INDEXES) > STORES_REMEMBERED:
                _STORE_INDEXES.popitem(last=False)
        _STORE_INDEXES.move_to_end(key)
        return index


class _RememberingSignatureValidator(DefaultSignatureValidator):
    """Certificate signatures verified once: a chain is checked at several moments and in many documents.

    Only successes are remembered, keyed by a digest of everything the verification depends on.
    """

    def __init__(self) -> None:
        self._good: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def validate_signature(self, signature, signed_data, public_key_info, signature_algorithm,
                           context=DEFAULT_VALIDATION_CONTEXT) -> None:
        if context is not DEFAULT_VALIDATION_CONTEXT:
            return super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        digest = hashlib.sha256()
        for part in (signature, signed_data, public_key_info.dump(), signature_algorithm.dump()):
            digest.update(len(part).to_bytes(4, "big") + part)
        key = digest.digest()
        with self._lock:
            if key in self._good:
                return None
        super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        with self._lock:
            self._good[key] = None
            if len(self._good) > SIGNATURES_REMEMBERED:
                self._good.popitem(last=False)
        return None


SIGNATURE_VALIDATOR = _RememberingSignatureValidator()


class _Replay(CancelableAsyncIterator[ValidationPath]):
    """Already-found paths as the async iterator ``find_valid_path`` expects (or the search's failure)."""

    def __init__(self, found: list[ValidationPath] | cv_errors.PathBuildingError) -> None:
        self._found = found
        self._index = 0

    def __aiter__(self) -> _Replay:
        return self

    async def __anext__(self) -> ValidationPath:
        if isinstance(self._found, cv_errors.PathBuildingError):
            raise self._found
        if self._index >= len(self._found):
            raise StopAsyncIteration
        self._index += 1
        return self._found[self._index - 1]

    async def cancel(self) -> None:
        return None


def _fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 of the DER; asn1crypto keeps it on the object, so asking again costs nothing."""
    return cert.sha256


def _material_key(items: list) -> tuple[bytes, ...]:
    """CRLs/OCSP responses by content, so equal material in two checks is recognised as equal."""
    return tuple(hashlib.sha256(item.dump()).digest() for item in items)


class PathCache:
    """Candidate paths per certificate for one validation run (one trust store, one fetch setting)."""

    def __init__(self, store: TrustStore, *, fetch: bool, fetch_timeout: float) -> None:
        self._index = store_index(store)
        self._fetch = fetch
        self._backend = RequestsFetcherBackend(per_request_timeout=fetch_timeout) if fetch else None
        self._registries: dict[frozenset[bytes], CertificateRegistry] = {}
        self._checks: dict[tuple, PathCheck] = {}

    def _registry(self, pool_key: frozenset[bytes], pool: list[x509.Certificate]) -> CertificateRegistry:
        """Store helpers + anchors + the given certificates, as each fresh context used to index them."""
        registry = self._registries.get(pool_key)
        if registry is None:
            fetcher = self._backend.get_fetchers().cert_fetcher if self._backend is not None else None
            pool_order = tuple(_fingerprint(c) for c in pool)
            registry = self._registries[pool_key] = self._index.pool_registry(pool_order, pool, fetcher)
        return registry

    async def _candidates(self, cert: x509.Certificate, pool_key: frozenset[bytes],
                          registry: CertificateRegistry) -> list[ValidationPath] | cv_errors.PathBuildingError:
        key = (_fingerprint(cert), pool_key, self._fetch)
        found = self._index.paths.get(key)
        if found is None:
            try:
                found = await PathBuilder(self._index.trust, registry).async_build_paths(cert)
            except cv_errors.PathBuildingError as exc:
                found = exc
            self._index.remember(key, found)
        return found

    async def validate(self, cert: x509.Certificate, *, pool: list[x509.Certificate], moment: datetime,
                       crls: list, ocsps: list, hard_fail: bool, fetch: bool,
                       extended_key_usage: set[str] | None) -> PathCheck:
        """Validate ``cert`` at ``moment`` on the cached paths (what ``CertificateValidator`` does)."""
        pool_key = frozenset(_fingerprint(c) for c in pool)
        fetching = fetch and self._fetch
        memo_key = (_fingerprint(cert), pool_key, moment, _material_key(crls), _material_key(ocsps), hard_fail,
                    fetching, frozenset(extended_key_usage or ()))
        remembered = self._checks.get(memo_key)
        if remembered is not None:  # the same check twice in one run (e.g. a TSA used by two timestamps)
            return PathCheck(remembered.path, remembered.error, list(remembered.soft_failures))
        registry = self._registry(pool_key, pool)
        found = await self._candidates(cert, pool_key, registry)
        context = ValidationContext(
            trust_manager=self._index.trust, certificate_registry=registry, moment=moment,
            allow_fetching=fetching, fetcher_backend=self._backend if fetching else None,
            crls=crls, ocsps=ocsps, revocation_mode="hard-fail" if hard_fail else "soft-fail",
            retroactive_revinfo=True, algorithm_usage_policy=AcceptAllAlgorithms(),
            signature_validator=SIGNATURE_VALIDATOR,
        )
        check = PathCheck()
        try:
            check.path = await find_valid_path(cert, _Replay(found), validation_context=context)
            validate_usage(_same_certificate(check.path, cert), set(), extended_key_usage or set(), False)
        except (cv_errors.PathBuildingError, cv_errors.PathValidationError, cv_errors.ValidationError,
                ValueError) as exc:
            check.path, check.error = None, exc
        check.soft_failures = [str(e) for e in context.soft_fail_exceptions]
        self._checks[memo_key] = PathCheck(check.path, check.error, list(check.soft_failures))
        return check


def _same_certificate(path: ValidationPath, cert: x509.Certificate) -> x509.Certificate:
    """The path's own copy of ``cert`` (same DER) when it has one, else ``cert``.

    Why: the remembered paths hold the copy parsed by an earlier run, whose extensions asn1crypto
    has already decoded; ``cert`` is usually a fresh parse from the current document. Both answer
    every question identically.
    """
    leaf = path.leaf
    return leaf if isinstance(leaf, x509.Certificate) and leaf.sha256 == cert.sha256 else cert


@dataclass
class PathCheck:
    """The valid path (or the error that prevented one) and what soft-fail mode let pass."""

    path: ValidationPath | None = None
    error: Exception | None = None
    soft_failures: list[str] = field(default_factory=list)


class _NoCertificates(CertificateRegistry):
    """A registry that keeps nothing: the crypto-only context never builds a chain."""

    def register(self, cert: x509.Certificate) -> bool:
        return False


class _NoPaths(PathBuilder):
    def async_build_paths_lazy(self, end_entity_cert: x509.Certificate) -> CancelableAsyncIterator[ValidationPath]:
        return _Replay(cv_errors.PathBuildingError("chains are built by signing.validation.chain, not here"))


def crypto_only_context() -> ValidationContext:
    """For pyHanko's integrity, timestamp-token and difference checks, whose chain we never read.

    Its path search fails at once instead of building (and indexing certificates for) a chain nobody
    uses: trust is decided in :mod:`signing.validation.chain`.
    """
    registry, trust = _NoCertificates(), SimpleTrustManager()
    context = ValidationContext(trust_manager=trust, certificate_registry=registry, allow_fetching=False,
                                revocation_mode="soft-fail", algorithm_usage_policy=AcceptAllAlgorithms(),
                                signature_validator=SIGNATURE_VALIDATOR)
    context.path_builder = _NoPaths(trust, registry)
    return context
