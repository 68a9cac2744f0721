"""Per-store indexes in signing.validation.paths: what each run gets equals what it would build itself."""

from __future__ import annotations

from asn1crypto import x509
from pyhanko_certvalidator.registry import CertificateRegistry

from signing.testing import TestPKI
from signing.trust import default_trust_store
from signing.validation import paths


def _content(registry: CertificateRegistry) -> dict:
    """Everything a registry answers with, as DER, in registration order (candidate paths follow it)."""
    maps = {attr: {k: [c.dump() for c in v] for k, v in getattr(registry, attr).items() if v}
            for attr in paths._REGISTRY_MAPS}
    return {"certs": sorted(c.dump() for c in registry.certs.values()), **maps}


def _fresh(store, pool: list[x509.Certificate]) -> CertificateRegistry:
    """What a run registered itself before the pools were kept: store helpers, anchors, then the pool."""
    registry = CertificateRegistry.build(store.helper_certificates())
    registry.register_multiple(paths.store_index(store).trust.iter_certs())
    registry.register_multiple(pool)
    return registry


def _reparsed(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    return [x509.Certificate.load(c.dump()) for c in certs]


def test_kept_pool_registry_equals_a_freshly_built_one_and_each_run_gets_its_own_copy():
    pki = TestPKI()
    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    index = paths.store_index(store)
    pool = pki.organisation.asn1_chain
    order = tuple(paths._fingerprint(c) for c in pool)

    first = index.pool_registry(order, _reparsed(pool), None)
    assert _content(first) == _content(_fresh(store, pool))
    extra = pki.signer_ec.asn1_certificate
    first.register(extra)  # what revocation checking may do to its run's registry

    second = index.pool_registry(order, _reparsed(pool), None)
    assert second is not first
    assert _content(second) == _content(_fresh(store, pool))
    assert extra.dump() not in _content(second)["certs"]


def test_pool_registries_are_kept_per_ordered_pool():
    pki = TestPKI()
    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    index = paths.store_index(store)
    for pool in (pki.organisation.asn1_chain, pki.signer_ec.asn1_chain, list(reversed(pki.signer_ec.asn1_chain))):
        order = tuple(paths._fingerprint(c) for c in pool)
        registry = index.pool_registry(order, pool, None)
        assert _content(registry) == _content(_fresh(store, pool))
        assert registry is not index.pool_registry(order, pool, None)


def _sources_uncached(cert: x509.Certificate) -> list[str]:
    urls = list(cert.ocsp_urls)
    urls.extend(point.url for point in cert.crl_distribution_points if point.url)
    return urls


def test_declared_revocation_sources_remembered_per_certificate_equal_fresh_parsing():
    from signing.validation.chain import declared_revocation_sources

    pki = TestPKI()
    certs = [*pki.organisation.asn1_chain, *pki.signer_ec.asn1_chain, *default_trust_store().anchor_certificates()[:5]]
    for cert in certs:
        expected = _sources_uncached(x509.Certificate.load(cert.dump()))
        first = declared_revocation_sources(x509.Certificate.load(cert.dump()))
        first.append("mutated by a caller")
        assert declared_revocation_sources(x509.Certificate.load(cert.dump())) == expected
    assert any(_sources_uncached(c) for c in certs) and any(not _sources_uncached(c) for c in certs)


def _check(cache: paths.PathCache, cert: x509.Certificate, pool: list[x509.Certificate], eku: set[str] | None):
    import asyncio
    from datetime import UTC, datetime

    return asyncio.run(cache.validate(cert, pool=pool, moment=datetime.now(UTC), crls=[], ocsps=[], hard_fail=False,
                                      fetch=False, extended_key_usage=eku))


def test_key_usage_judged_the_same_on_a_remembered_path_as_on_the_fresh_certificate():
    """The second run checks usage on the path's earlier copy of the certificate: same verdicts."""
    pki = TestPKI()
    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    for identity, eku, accepted in ((pki.tsa, {"time_stamping"}, True), (pki.organisation, {"time_stamping"}, False),
                                    (pki.organisation, None, True)):
        outcomes = []
        for _ in range(2):  # fresh parses each time, as two documents carry them
            cert, *pool = _reparsed([identity.asn1_certificate, *identity.asn1_chain])
            check = _check(paths.PathCache(store, fetch=False, fetch_timeout=1), cert, pool, eku)
            if check.path is not None:
                assert paths._same_certificate(check.path, cert).dump() == cert.dump()
            outcomes.append((check.path is not None, type(check.error), str(check.error)))
        assert outcomes[0] == outcomes[1] and outcomes[0][0] is accepted, outcomes


def test_same_certificate_only_swaps_in_an_identical_copy():
    pki = TestPKI()
    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    cert = pki.organisation.asn1_certificate
    check = _check(paths.PathCache(store, fetch=False, fetch_timeout=1), cert, pki.organisation.asn1_chain, None)
    assert check.path is not None
    copy = x509.Certificate.load(cert.dump())
    assert paths._same_certificate(check.path, copy) is check.path.leaf
    other = pki.signer_ec.asn1_certificate
    assert paths._same_certificate(check.path, other) is other


def test_store_key_remembered_per_store_equals_a_fresh_one():
    pki = TestPKI()
    store = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())
    fresh = tuple(sorted((e.fingerprint, e.is_anchor) for e in store.entries))
    assert paths._store_key(store) == fresh and paths._store_key(store) is paths._store_key(store)
    other = default_trust_store().with_extra_anchors(pki.trust_roots_asn1())  # same content, another object
    assert paths._store_key(other) == fresh and paths.store_index(other) is paths.store_index(store)
    assert paths._store_key(default_trust_store()) != fresh
