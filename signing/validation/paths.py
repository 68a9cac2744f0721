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
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from signing.validation.memo import Memo

PATHS_REMEMBERED_PER_STORE = 1024
CHECKS_REMEMBERED_PER_STORE = 2048
POOLS_REMEMBERED_PER_STORE = 256
SIGNATURES_REMEMBERED = 4096
TIME_TOLERANCE = timedelta(seconds=1)  # pyhanko-certvalidator's default, passed explicitly (see _moment_class)
REMEMBER_CHECKS = True  # tests switch the shared results off to compare against checks done afresh


class _StoreIndex:
    """What a trust store contributes to every run: anchors and helpers indexed, paths found so far."""

    def __init__(self, store: TrustStore) -> None:
        self.trust = SimpleTrustManager.build(trust_roots=store.anchor_certificates())
        self.registry = CertificateRegistry.build(store.helper_certificates())
        self.registry.register_multiple(self.trust.iter_certs())
        self.paths: Memo[tuple, _Candidates] = Memo(PATHS_REMEMBERED_PER_STORE)
        self.checks: Memo[tuple, PathCheck] = Memo(CHECKS_REMEMBERED_PER_STORE)
        self._pools: Memo[tuple[bytes, ...], CertificateRegistry] = Memo(POOLS_REMEMBERED_PER_STORE)

    def pool_registry(self, pool_order: tuple[bytes, ...], pool: Iterable[x509.Certificate],
                      cert_fetcher) -> CertificateRegistry:
        """A fresh registry holding the store's certificates and ``pool``, registered in that order.

        Why: indexing a document's certificates by name (RFC 4518 string preparation of every
        subject) cost more than the path checks themselves, and documents from one signer embed the
        same certificates. The indexed registry is kept per ordered pool of certificate fingerprints
        and each run gets its own copy, as if it had registered them itself (revocation checking
        may add certificates to its copy; the kept one never changes).
        """
        template = self._pools.get(pool_order)
        if template is None:
            template = _copy_registry(self.registry, None)
            template.register_multiple(pool)
            self._pools.put(pool_order, template)
        return _copy_registry(template, cert_fetcher)

    def remember(self, key: tuple, found: _Candidates) -> None:
        self.paths.put(key, found)

    def remembered_check(self, key: tuple) -> PathCheck | None:
        return self.checks.get(key)

    def remember_check(self, key: tuple, check: PathCheck) -> None:
        self.checks.put(key, check)


_REGISTRY_MAPS = ("_subject_map", "_key_identifier_map", "_key_hash_map")


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


_STORE_KEYS: weakref.WeakKeyDictionary[TrustStore, tuple] = weakref.WeakKeyDictionary()


def _store_key(store: TrustStore) -> tuple:
    """Trust stores are immutable values: two loads of the same installation store share one index.

    Computed once per store object (its entries are a tuple fixed at construction): sorting the
    fingerprints of the ~200 shipped certificates for every document cost ~1 % of a validation.
    """
    try:
        return _STORE_KEYS[store]
    except (KeyError, TypeError):
        pass
    key = tuple(sorted((e.fingerprint, e.is_anchor) for e in store.entries))
    try:
        _STORE_KEYS[store] = key
    except TypeError:  # a store that cannot be weakly referenced: computed every time
        pass
    return key


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
        self._good: Memo[bytes, bool] = Memo(SIGNATURES_REMEMBERED)

    def validate_signature(self, signature, signed_data, public_key_info, signature_algorithm,
                           context=DEFAULT_VALIDATION_CONTEXT) -> None:
        if context is not DEFAULT_VALIDATION_CONTEXT:
            return super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        digest = hashlib.sha256()
        for part in (signature, signed_data, public_key_info.dump(), signature_algorithm.dump()):
            digest.update(len(part).to_bytes(4, "big") + part)
        key = digest.digest()
        if self._good.get(key):
            return None
        super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        self._good.put(key, True)
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


@dataclass(frozen=True)
class _Candidates:
    """The paths found for a certificate (or why none was), and every validity window they hold."""

    found: list[ValidationPath] | cv_errors.PathBuildingError
    windows: tuple[tuple[datetime | None, datetime | None, timedelta], ...]


def _candidates_of(found: list[ValidationPath] | cv_errors.PathBuildingError) -> _Candidates:
    """Each candidate path's anchor qualifiers and each of its certificates' notBefore/notAfter.

    These are the only points in time a check without revocation data compares its moment with
    (``intl_validate_path``: the anchor's ``valid_from``/``valid_until`` exactly, every certificate's
    validity with the context's time tolerance).
    """
    windows: list[tuple[datetime | None, datetime | None, timedelta]] = []
    if not isinstance(found, cv_errors.PathBuildingError):
        for path in found:
            qualifiers = path.trust_anchor.trust_qualifiers
            windows.append((qualifiers.valid_from, qualifiers.valid_until, timedelta(0)))
            for cert in path.iter_certs(include_root=True):
                validity = cert["tbs_certificate"]["validity"]
                windows.append((validity["not_before"].native, validity["not_after"].native, TIME_TOLERANCE))
    return _Candidates(found, tuple(windows))


def _moment_class(moment: datetime, windows: tuple[tuple[datetime | None, datetime | None, timedelta], ...]
                  ) -> tuple[bool, ...]:
    """Where ``moment`` falls against every window, with the very comparisons certvalidator makes.

    Two moments in the same class pass or fail every validity test of every candidate path alike.
    """
    position: list[bool] = []
    for start, end, tolerance in windows:
        position.append(start is not None and moment + tolerance < start)
        position.append(end is not None and moment - tolerance > end)
    return tuple(position)


class PathCache:
    """Candidate paths per certificate for one validation run (one trust store, one fetch setting).

    Checks are also shared between runs (on the store's index) when nothing but the moment can make
    them differ: no revocation data given, no fetching. Then a check's outcome is a function of the
    certificate, the certificates offered, the store, the revocation mode, the key usage asked and
    where the moment falls against the candidate paths' validity windows (``_moment_class``): with
    no CRL or OCSP response there is nothing else in time to compare against. Every other check
    (revocation data present, or fetching, whose answers depend on freshness and the network) is
    done afresh in each run. The policy does not enter these checks (all algorithms are accepted here
    and judged by the caller; the fetch timeout only matters when fetching).
    """

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
                          pool: list[x509.Certificate]) -> _Candidates:
        key = (_fingerprint(cert), pool_key, self._fetch)
        candidates = self._index.paths.get(key)
        if candidates is None:
            registry = self._registry(pool_key, pool)
            try:
                found: list[ValidationPath] | cv_errors.PathBuildingError = \
                    await PathBuilder(self._index.trust, registry).async_build_paths(cert)
            except cv_errors.PathBuildingError as exc:
                found = exc
            candidates = _candidates_of(found)
            self._index.remember(key, candidates)
        return candidates

    async def validate(self, cert: x509.Certificate, *, pool: list[x509.Certificate], moment: datetime,
                       crls: list, ocsps: list, hard_fail: bool, fetch: bool,
                       extended_key_usage: set[str] | None) -> PathCheck:
        """Validate ``cert`` at ``moment`` on the cached paths (what ``CertificateValidator`` does)."""
        pool_key = frozenset(_fingerprint(c) for c in pool)
        fetching = fetch and self._fetch
        usage = frozenset(extended_key_usage or ())
        memo_key = (_fingerprint(cert), pool_key, moment, _material_key(crls), _material_key(ocsps), hard_fail,
                    fetching, usage)
        remembered = self._checks.get(memo_key)
        if remembered is not None:  # the same check twice in one run (e.g. a TSA used by two timestamps)
            return _copy(remembered)
        candidates = await self._candidates(cert, pool_key, pool)
        shared_key = None
        if REMEMBER_CHECKS and not crls and not ocsps and not fetching:
            shared_key = (_fingerprint(cert), pool_key, hard_fail, usage, _moment_class(moment, candidates.windows))
            shared = self._index.remembered_check(shared_key)
            if shared is not None:
                self._checks[memo_key] = shared
                return _copy(shared)
        check = await self._check(cert, candidates.found, self._registry(pool_key, pool), moment=moment,
                                  crls=crls, ocsps=ocsps, hard_fail=hard_fail, fetching=fetching,
                                  extended_key_usage=extended_key_usage)
        kept = _copy(check)
        if kept.error is not None:
            kept.error.__traceback__ = None  # its frames would keep the run's context and registry alive
        self._checks[memo_key] = kept
        if shared_key is not None:
            self._index.remember_check(shared_key, kept)
        return check

    async def _check(self, cert: x509.Certificate, found: list[ValidationPath] | cv_errors.PathBuildingError,
                     registry: CertificateRegistry, *, moment: datetime, crls: list, ocsps: list, hard_fail: bool,
                     fetching: bool, extended_key_usage: set[str] | None) -> PathCheck:
        context = ValidationContext(
            trust_manager=self._index.trust, certificate_registry=registry, moment=moment,
            allow_fetching=fetching, fetcher_backend=self._backend if fetching else None,
            crls=crls, ocsps=ocsps, revocation_mode="hard-fail" if hard_fail else "soft-fail",
            retroactive_revinfo=True, algorithm_usage_policy=AcceptAllAlgorithms(),
            signature_validator=SIGNATURE_VALIDATOR, time_tolerance=TIME_TOLERANCE,
        )
        check = PathCheck()
        try:
            check.path = await find_valid_path(cert, _Replay(found), validation_context=context)
            validate_usage(_same_certificate(check.path, cert), set(), extended_key_usage or set(), False)
        except (cv_errors.PathBuildingError, cv_errors.PathValidationError, cv_errors.ValidationError,
                ValueError) as exc:
            check.path, check.error = None, exc
        check.soft_failures = [str(e) for e in context.soft_fail_exceptions]
        return check


def _copy(check: PathCheck) -> PathCheck:
    """Callers may change a check's list of soft failures; what is remembered must not change."""
    return PathCheck(check.path, check.error, list(check.soft_failures))


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
