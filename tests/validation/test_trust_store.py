"""The shipped national trust store and an installation's additions/removals."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from signing.trust import (
    DuplicateCertificate,
    InstallationTrustStore,
    NameCollision,
    NotACertificate,
    NotACertificateAuthority,
    TrustStoreTampered,
    UnknownFingerprint,
    default_trust_store,
)
from signing.trust.certificates import load_certificate, loose_name_key
from signing.trust.shipped import load_shipped_entries

from . import pki

LOOKALIKES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "trust-lookalikes"
G1_ROOT = "f7bc89054cec7f12730d7b8cd3eb7955b163835087e5eb873edfb584763b3f90"
VNRCA = "bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7"
MIC_ROOT = "ca918d635bb130bec97639e6aabf7edbc4eb1310f8058b9419f467ae0230ad8c"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_default_store_holds_both_hierarchies_pinned_and_labelled():
    store = default_trust_store()
    assert len(store.anchors) == 10 and len(store.helpers) == 12
    g1 = store.get(G1_ROOT)
    assert g1.is_anchor and g1.hierarchy == "vgca" and "Ban Cơ yếu" in g1.hierarchy_label("vi")
    vnrca = store.get(VNRCA.upper())  # fingerprints are accepted in any case / with colons
    assert vnrca.hierarchy == "neac" and vnrca.summary.not_after.year == 2039
    assert store.get(":".join(G1_ROOT[i:i + 2] for i in range(0, 64, 2))) is g1


def test_edited_shipped_file_is_detected(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Path(str(resources.files("signing.trust") / "data")), data)
    target = data / "roots" / "neac_MIC-National-Root-CA_2008-2040.pem"
    target.write_bytes((LOOKALIKES / "UAT_MIC-National-Root-CA_2019-2029_mobile-id-demo.pem").read_bytes())
    with pytest.raises(TrustStoreTampered) as err:
        load_shipped_entries(data)
    assert err.value.details["expected_sha256"] == MIC_ROOT


def test_lookalike_roots_with_the_same_name_are_not_anchors():
    store = default_trust_store()
    lookalike_mic = load_certificate((LOOKALIKES / "UAT_MIC-National-Root-CA_2019-2029_mobile-id-demo.pem").read_bytes())
    assert loose_name_key(lookalike_mic.subject) == loose_name_key(store.get(MIC_ROOT).cert.subject)  # same name...
    assert store.anchor_for(lookalike_mic) is None  # ...but another key: not trusted
    own_lookalike = pki.issue(pki.VN_NATIONAL_ROOT_NAME).asn1
    assert loose_name_key(own_lookalike.subject) == loose_name_key(store.get(VNRCA).cert.subject)
    assert store.anchor_for(own_lookalike) is None
    assert store.anchor_for(store.get(VNRCA).cert).fingerprint == VNRCA


def test_add_then_reload_then_remove(tmp_path):
    installation = InstallationTrustStore(tmp_path)
    root = pki.issue(pki.name("Trường Đại học Thử nghiệm Root CA"))
    change = installation.add(root.pem, source_name="uni-root.pem")
    assert change.action == "added" and change.role == "root"
    reloaded = InstallationTrustStore(tmp_path).load()
    assert reloaded.anchor_for(root.asn1).source == "added"
    assert len(reloaded) == len(default_trust_store()) + 1
    removed = installation.remove(change.fingerprint)
    assert removed.action == "removed" and removed.source == "added"
    assert not installation.load().contains(change.fingerprint)
    assert not (tmp_path / "added" / f"{change.fingerprint}.pem").exists()


def test_intermediate_added_is_a_helper_not_an_anchor(tmp_path):
    root = pki.issue(pki.name("Root X"))
    sub = pki.issue(pki.name("Sub X"), root)
    change = InstallationTrustStore(tmp_path).add(sub.pem)
    store = InstallationTrustStore(tmp_path).load()
    assert change.role == "intermediate" and store.anchor_for(sub.asn1) is None


def test_removing_a_shipped_root_is_recorded_and_survives_reload(tmp_path):
    installation = InstallationTrustStore(tmp_path)
    change = installation.remove(MIC_ROOT)
    assert change.source == "shipped"
    assert not InstallationTrustStore(tmp_path).load().contains(MIC_ROOT)
    assert default_trust_store().contains(MIC_ROOT)  # shipped defaults themselves untouched
    installation.add(default_trust_store().get(MIC_ROOT).cert.dump())  # can be trusted again
    assert installation.load().contains(MIC_ROOT)


@pytest.mark.parametrize("make_input, error", [
    (lambda: b"%PDF-1.7 not a certificate", NotACertificate),
    (lambda: b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", NotACertificate),
    (lambda: pki.issue(pki.name("Leaf"), pki.issue(pki.name("R")), ca=False).pem, NotACertificateAuthority),
    (lambda: default_trust_store().get(G1_ROOT).cert.dump(), DuplicateCertificate),
    (lambda: (LOOKALIKES / "UAT_MIC-National-Root-CA_2019-2029_mobile-id-demo.pem").read_bytes(), NameCollision),
    (lambda: pki.issue(pki.VN_NATIONAL_ROOT_NAME).pem, NameCollision),
])
def test_bad_additions_are_refused_and_change_nothing(tmp_path, make_input, error):
    installation = InstallationTrustStore(tmp_path)
    installation.add(pki.issue(pki.name("Existing")).pem)
    before = snapshot(tmp_path)
    with pytest.raises(error) as err:
        installation.add(make_input())
    assert err.value.message_vi and err.value.message_en and err.value.code
    assert snapshot(tmp_path) == before


def test_name_collision_can_be_overridden_explicitly(tmp_path):
    lookalike = (LOOKALIKES / "UAT_MIC-National-Root-CA_2019-2029_mobile-id-demo.pem").read_bytes()
    change = InstallationTrustStore(tmp_path).add(lookalike, allow_name_collision=True)
    assert change.role == "root"


def test_removing_unknown_fingerprint_is_refused(tmp_path):
    with pytest.raises(UnknownFingerprint):
        InstallationTrustStore(tmp_path).remove("00" * 32)
    assert not (tmp_path / "store.json").exists()


@pytest.mark.parametrize("tamper", ["edit", "delete", "extra", "manifest"])
def test_store_changed_behind_the_application_is_detected(tmp_path, tamper):
    installation = InstallationTrustStore(tmp_path)
    change = installation.add(pki.issue(pki.name("Root T")).pem)
    added_file = tmp_path / "added" / f"{change.fingerprint}.pem"
    if tamper == "edit":
        added_file.write_bytes(pki.issue(pki.name("Root T")).pem)
    elif tamper == "delete":
        added_file.unlink()
    elif tamper == "extra":
        (tmp_path / "added" / "sneaky.pem").write_bytes(pki.issue(pki.name("Sneaky")).pem)
    else:
        (tmp_path / "store.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TrustStoreTampered):
        InstallationTrustStore(tmp_path).load()
    with pytest.raises(TrustStoreTampered):
        installation.add(pki.issue(pki.name("Another")).pem)
