"""The replacements in signing.validation.speedups give exactly what pyHanko/asn1crypto give.

Each replacement is compared with the original it stands for, on well-formed and hostile input:
same value (and type), same exception type and message (the PDF-reading ones, with their stream
positions, are in test_speedups_pdf_reading.py). End to end, the reports of real and attacked PDFs
are identical with and without the replacements.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils import misc as pdf_misc

from signing.validation import speedups, validate_pdf

from .conftest import make_pdf, sign_pdf

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "signed-pdf-vn"


def _rdn(*pairs) -> x509.RelativeDistinguishedName:
    spec = x509.NameTypeAndValue._oid_specs
    return x509.RelativeDistinguishedName([
        x509.NameTypeAndValue({"type": t, "value": spec[t](v) if spec[t] is not x509.DirectoryString
                               else x509.DirectoryString(name="utf8_string", value=v)}) for t, v in pairs])


def _name(*rdns) -> x509.Name:
    """A Name parsed from DER, as certificates carry them (not a constructed, mutable one)."""
    return x509.Name.load(x509.Name(name="", value=x509.RDNSequence(list(rdns))).dump())


def _odd_name() -> x509.Name:
    """An attribute of unknown type whose value is an INTEGER: asn1crypto's comparison raises TypeError."""
    return x509.Name.load(bytes.fromhex("300c310a300806032a0304020101"))


NAMES = [
    lambda: _name(_rdn(("common_name", "Nguyễn Văn A"))),
    lambda: _name(_rdn(("common_name", "nguyễn  văn a"))),
    lambda: _name(_rdn(("common_name", "NGUYỄN VĂN A "))),
    lambda: _name(_rdn(("country_name", "VN")), _rdn(("organization_name", "Ban Cơ yếu Chính phủ"))),
    lambda: _name(_rdn(("organization_name", "Ban Cơ yếu Chính phủ")), _rdn(("country_name", "VN"))),
    lambda: _name(_rdn(("country_name", "VN"), ("organization_name", "BCY"))),
    lambda: _name(_rdn(("organization_name", "BCY"), ("country_name", "VN"))),
    lambda: _name(_rdn(("common_name", "private \ue000 use"))),  # prohibited: ValueError
    lambda: _name(_rdn(("common_name", "soft\u00adhyphen"))),
    lambda: _name(_rdn(("common_name", "softhyphen"))),
    lambda: _name(),
    _odd_name,
]


def _eq_outcome(func, left, right):
    try:
        return ("value", func(left, right))
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc), str(exc))


def test_name_comparison_matches_asn1crypto_on_every_pair():
    speedups.forget()
    for make_left in NAMES:
        for make_right in [*NAMES, lambda: "not a name", lambda: None]:
            expected = _eq_outcome(speedups.ORIGINAL_NAME_EQ, make_left(), make_right())
            for _ in range(2):  # the second time from memory, on fresh objects
                assert _eq_outcome(speedups.name_eq, make_left(), make_right()) == expected
                assert _eq_outcome(lambda a, b: a == b, make_left(), make_right()) == expected
                assert _eq_outcome(lambda a, b: a != b, make_left(), make_right()) == (
                    expected if expected[0] == "error" else ("value", not expected[1]))


def test_name_comparison_errors_are_raised_every_time():
    speedups.forget()
    for _ in range(3):
        with pytest.raises(ValueError):
            _ = NAMES[7]() == _name(_rdn(("common_name", "x")))
        with pytest.raises(TypeError):
            _ = _odd_name() == _odd_name()


@pytest.mark.parametrize("value", ["Nguyễn Văn A", " a\u00adb  c ", "\ue000", "\ufffd", "ｆｕｌｌ", "", "x" * 300])
def test_string_preparation_matches_asn1crypto(value):
    speedups.forget()
    ntv = _rdn(("common_name", "x"))[0]
    expected = _eq_outcome(lambda s, v: speedups.ORIGINAL_LDAP_STRING_PREP(s, v), ntv, value)
    for _ in range(2):
        assert _eq_outcome(speedups.ldap_string_prep, ntv, value) == expected


def test_string_preparation_of_non_strings_is_asn1crypto_s():
    ntv = _rdn(("common_name", "x"))[0]
    for value in (5, None, b"bytes"):
        assert _eq_outcome(speedups.ldap_string_prep, ntv, value) == \
            _eq_outcome(speedups.ORIGINAL_LDAP_STRING_PREP, ntv, value)


@pytest.fixture
def without_speedups(monkeypatch):
    """pyHanko and asn1crypto exactly as shipped, for the duration of one call."""
    def run(func, *args, **kwargs):
        with monkeypatch.context() as patch:
            patch.setattr(pdf_generic, "read_hex_string_from_stream", speedups.ORIGINAL_READ_HEX_STRING)
            patch.setattr(pdf_misc, "_read_until_class", speedups.ORIGINAL_READ_UNTIL_CLASS)
            patch.setattr(pdf_generic, "_decode_name", speedups.ORIGINAL_DECODE_NAME)
            patch.setattr(speedups.pdf_xref, "parse_xref_table", speedups.ORIGINAL_PARSE_XREF_TABLE)
            patch.setattr(pdf_misc, "read_non_whitespace", speedups.ORIGINAL_READ_NON_WHITESPACE)
            patch.setattr(pdf_generic, "read_non_whitespace", speedups.ORIGINAL_READ_NON_WHITESPACE)
            patch.setattr(speedups.generic_cms, "extract_certs_for_validation", speedups.ORIGINAL_EXTRACT_CERTS)
            patch.setattr(speedups.generic_cms, "_check_signing_certificate",
                          speedups.ORIGINAL_CHECK_SIGNING_CERTIFICATE)
            patch.setattr(speedups.generic_cms, "_enforce_algorithm_usage", speedups.ORIGINAL_ENFORCE_ALGORITHM_USAGE)
            patch.setattr(speedups.generic_cms, "validate_sig_integrity", speedups.ORIGINAL_VALIDATE_SIG_INTEGRITY)
            patch.setattr(speedups.cms.CMSAttributes, "untag", speedups.ORIGINAL_ATTRIBUTES_UNTAG)
            patch.setattr(speedups.cv_validate, "default_permitted_subtrees", speedups.ORIGINAL_DEFAULT_PERMITTED)
            patch.setattr(speedups.cv_validate, "default_excluded_subtrees", speedups.ORIGINAL_DEFAULT_EXCLUDED)
            patch.setattr(x509.NameTypeAndValue, "_ldap_string_prep", speedups.ORIGINAL_LDAP_STRING_PREP)
            patch.setattr(x509.Name, "__eq__", speedups.ORIGINAL_NAME_EQ)
            patch.setattr(speedups.asn1_core.ObjectIdentifier, "dotted", speedups.ORIGINAL_OID_DOTTED)
            return func(*args, **kwargs)
    return run


def _report(data: bytes, **kwargs) -> dict:
    return validate_pdf(data, offline=True, **kwargs).to_dict()


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.pdf")))
@pytest.mark.parametrize("policy", ["strict", "lenient"])
def test_real_pdf_reports_identical_with_and_without_speedups(name, policy, without_speedups):
    data = (FIXTURES / name).read_bytes()
    at = validate_pdf(data, offline=True).validation_time
    expected = without_speedups(_report, data, policy=policy, at=at)
    speedups.forget()
    assert _report(data, policy=policy, at=at) == expected  # cold
    assert _report(data, policy=policy, at=at) == expected  # warm


def _attacks(signed: bytes) -> list[bytes]:
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    contents = signed[start:end]
    return [
        signed,
        signed[:start] + contents[:-2] + b"0 " + signed[end:],  # one digit replaced by whitespace
        signed[:start] + b"%" + contents[1:] + signed[end:],  # a comment inside the hex string
        signed[:start] + b"Z" + contents[1:] + signed[end:],  # a stray byte
        signed[:start] + contents[:len(contents) // 2] + b"\n" + contents[len(contents) // 2 + 1:] + signed[end:],
        signed + b"\n1 0 obj <41424>\nendobj\n",
    ]


def test_signed_and_attacked_pdfs_identical_with_and_without_speedups(signed_bb, test_store, without_speedups):
    at = validate_pdf(signed_bb, trust_store=test_store, offline=True).validation_time
    for data in _attacks(signed_bb):
        expected = without_speedups(_report, data, trust_store=test_store, at=at)
        speedups.forget()
        assert _report(data, trust_store=test_store, at=at) == expected


def test_default_subtrees_equal_certvalidator_s_and_are_fresh_containers():
    from pyhanko_certvalidator import validate as cv_validate

    assert cv_validate.default_permitted_subtrees is speedups.default_permitted_subtrees
    assert cv_validate.default_excluded_subtrees is speedups.default_excluded_subtrees
    for fast, original in ((speedups.default_permitted_subtrees, speedups.ORIGINAL_DEFAULT_PERMITTED),
                           (speedups.default_excluded_subtrees, speedups.ORIGINAL_DEFAULT_EXCLUDED)):
        first, second = fast(), fast()
        assert first == original() and list(first) == list(original())
        assert first is not second and all(first[t] is not second[t] for t in first)
        first[next(iter(first))].clear()  # what path validation may do to its own copy
        assert fast() == original()


def _signed_data(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].signed_data


def _certs_content(info) -> tuple:
    return (info.signer_cert.dump(), [c.dump() for c in info.other_certs], [c.dump() for c in info.attribute_certs])


def test_signer_certificates_extracted_once_per_signature_same_content(signed_bb, test_store, monkeypatch):
    calls = []
    original = speedups.ORIGINAL_EXTRACT_CERTS
    monkeypatch.setattr(speedups, "ORIGINAL_EXTRACT_CERTS", lambda sd: calls.append(sd) or original(sd))
    speedups.forget()
    sig = validate_pdf(signed_bb, trust_store=test_store).signatures[0]
    assert sig.indication.name == "PASSED" and len(calls) == 1
    signed_data = _signed_data(signed_bb)
    assert _certs_content(speedups.extract_certs_for_validation(signed_data)) == \
        _certs_content(original(_signed_data(signed_bb)))
    assert speedups.extract_certs_for_validation(signed_data) is speedups.extract_certs_for_validation(signed_data)
    assert len(calls) == 1  # the same content in another document: extracted before


def test_signer_certificates_remembered_by_content_only_for_the_same_inputs(signed_bb, pki_server):
    """Another signer, other certificates offered, a changed signing-certificate attribute: extracted afresh."""
    from asn1crypto import cms

    speedups.forget()
    first = speedups.extract_certs_for_validation(_signed_data(signed_bb))
    again = speedups.extract_certs_for_validation(_signed_data(sign_pdf(make_pdf("other text"), pki_server.pki.signer_rsa,
                                                                        server=pki_server)))
    assert again is first  # same signer, same certificates: nothing read differs
    other_signer = _signed_data(sign_pdf(make_pdf(), pki_server.pki.signer_ec, server=pki_server))
    assert _certs_content(speedups.extract_certs_for_validation(other_signer)) == \
        _certs_content(speedups.ORIGINAL_EXTRACT_CERTS(other_signer))
    assert speedups.extract_certs_for_validation(other_signer).signer_cert.dump() != first.signer_cert.dump()

    fewer = _signed_data(signed_bb).copy()
    fewer["certificates"] = cms.CertificateSet([c for c in fewer["certificates"]
                                                if c.chosen.dump() == first.signer_cert.dump()])
    fast, original = speedups.extract_certs_for_validation(fewer), speedups.ORIGINAL_EXTRACT_CERTS(fewer)
    assert _certs_content(fast) == _certs_content(original) and fast.other_certs == []

    wrong_attr = _signed_data(signed_bb).copy()  # the signing-certificate attribute names another certificate
    signer_info = wrong_attr["signer_infos"][0]
    for attr in signer_info["signed_attrs"]:
        if attr["type"].native == "signing_certificate_v2":
            attr["values"][0]["certs"][0]["cert_hash"] = b"\x00" * 32
    assert "does not match" in str(_raises_as_the_original_every_time(wrong_attr))


def test_signer_certificate_extraction_errors_are_raised_every_time(signed_bb):
    from asn1crypto import cms

    signed_data = _signed_data(signed_bb).copy()
    signed_data["certificates"] = cms.CertificateSet([])  # the signer's certificate is gone
    _raises_as_the_original_every_time(signed_data)


def _raises_as_the_original_every_time(signed_data) -> BaseException:  # type: ignore[no-untyped-def]
    """Extraction fails like pyHanko's own, and again on a second try (a failure is never remembered)."""
    for _ in range(2):
        with pytest.raises(Exception) as fast:
            speedups.extract_certs_for_validation(signed_data)
        with pytest.raises(Exception) as original:
            speedups.ORIGINAL_EXTRACT_CERTS(signed_data)
        assert (type(fast.value), str(fast.value)) == (type(original.value), str(original.value))
    return fast.value


def _check_outcome(func, cert, signed_attrs):
    try:
        return ("passed", func(cert, signed_attrs))
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc))


def test_signing_certificate_check_matches_pyhanko_and_remembers_only_passes(signed_bb, pki_server, monkeypatch):
    from asn1crypto import cms

    calls = []
    original = speedups.ORIGINAL_CHECK_SIGNING_CERTIFICATE
    monkeypatch.setattr(speedups, "ORIGINAL_CHECK_SIGNING_CERTIFICATE",
                        lambda cert, attrs: calls.append(1) or original(cert, attrs))
    assert speedups.generic_cms._check_signing_certificate is speedups.check_signing_certificate
    speedups.forget()
    signed_data = _signed_data(signed_bb)
    signer = speedups.ORIGINAL_EXTRACT_CERTS(signed_data).signer_cert
    attrs = signed_data["signer_infos"][0]["signed_attrs"]
    other_doc = _signed_data(sign_pdf(make_pdf("another letter"), pki_server.pki.signer_rsa, server=pki_server))
    other_attrs = other_doc["signer_infos"][0]["signed_attrs"]
    for cert, signed_attrs in ((signer, attrs), (signer, other_attrs), (signer, attrs)):
        assert _check_outcome(speedups.check_signing_certificate, cert, signed_attrs) == ("passed", None)
    assert len(calls) == 1  # same certificate and attribute in another document

    wrong_cert = pki_server.pki.signer_ec.asn1_certificate  # the attribute names the RSA signer
    duplicated = cms.CMSAttributes([*attrs, *(a for a in attrs if a["type"].native == "signing_certificate_v2")])
    wrong_hash = attrs.copy()
    for attr in wrong_hash:
        if attr["type"].native == "signing_certificate_v2":
            attr["values"][0]["certs"][0]["cert_hash"] = b"\x01" * 32
    no_attribute = cms.CMSAttributes([a for a in attrs if not a["type"].native.startswith("signing_certificate")])
    for cert, signed_attrs in ((wrong_cert, attrs), (signer, duplicated), (signer, wrong_hash), (signer, no_attribute),
                               (signer, None)):
        expected = _check_outcome(original, cert, signed_attrs)
        calls.clear()
        for _ in range(2):
            assert _check_outcome(speedups.check_signing_certificate, cert, signed_attrs) == expected
        if expected[0] == "passed":
            assert len(calls) <= 1  # no attribute at all and an empty set pass alike (one key)
        else:
            assert len(calls) == 2  # failures are never remembered
    assert _check_outcome(original, wrong_cert, attrs)[0] == "error"
    assert _check_outcome(original, signer, duplicated)[0] == "error"


def test_algorithm_usage_pass_remembered_only_under_the_accept_all_policy(signed_bb, pki_server, test_store,
                                                                         monkeypatch):
    from pyhanko.sign.validation.utils import DEFAULT_ALGORITHM_USAGE_POLICY, CMSAlgorithmUsagePolicy
    from pyhanko_certvalidator.policy_decl import AcceptAllAlgorithms

    calls = []
    original = speedups.ORIGINAL_ENFORCE_ALGORITHM_USAGE
    monkeypatch.setattr(speedups, "ORIGINAL_ENFORCE_ALGORITHM_USAGE",
                        lambda *args: calls.append(args[2]) or original(*args))
    assert speedups.generic_cms._enforce_algorithm_usage is speedups.enforce_algorithm_usage
    speedups.forget()
    accept_all = CMSAlgorithmUsagePolicy.lift_policy(AcceptAllAlgorithms())
    signed_data = _signed_data(signed_bb)
    signer_info = signed_data["signer_infos"][0]
    signer = speedups.ORIGINAL_EXTRACT_CERTS(signed_data).signer_cert
    other = _signed_data(sign_pdf(make_pdf("yet another"), pki_server.pki.signer_rsa, server=pki_server))
    for info in (signer_info, other["signer_infos"][0], signer_info):
        assert _check_outcome(lambda c, i: speedups.enforce_algorithm_usage(i, c, accept_all), signer, info) == \
            ("passed", None)
    assert len(calls) == 1
    validate_pdf(signed_bb, trust_store=test_store, offline=True)  # what signing.validation hands pyHanko
    assert len(calls) == 1

    mismatched = signer_info.copy()  # SHA-256 with RSA over a SHA-1 message digest: refused, every time
    mismatched["digest_algorithm"] = {"algorithm": "sha1"}
    for policy in (accept_all, DEFAULT_ALGORITHM_USAGE_POLICY):
        for info in (mismatched, signer_info):
            expected = _check_outcome(lambda c, i, p=policy: original(i, c, p), signer, info)
            calls.clear()
            for _ in range(2):
                assert _check_outcome(lambda c, i, p=policy: speedups.enforce_algorithm_usage(i, c, p), signer,
                                      info) == expected
            remembered = policy is accept_all and expected[0] == "passed"
            assert len(calls) == (0 if remembered else 2)
    assert _check_outcome(lambda c, i: original(i, c, accept_all), signer, mismatched)[0] == "error"


def _integrity_outcome(func, signer_info, cert, digest: bytes):
    try:
        return ("value", func(signer_info, cert, "data", digest))
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc), getattr(exc, "ades_subindication", None))


def _signer_info_variants(signed_bb: bytes) -> list:
    """The signer information of a real signature, and copies with each signed-attribute check broken."""
    from asn1crypto import cms

    info = _signed_data(signed_bb)["signer_infos"][0]
    attrs = list(info["signed_attrs"])

    def with_attrs(new_attrs) -> cms.SignerInfo:
        changed = info.copy()
        changed["signed_attrs"] = cms.CMSAttributes(new_attrs)
        return cms.SignerInfo.load(changed.dump(force=True))  # a fresh, unchanged object, as parsed from a PDF

    def replaced(kind: str, value) -> list:
        out = []
        for attr in attrs:
            attr = attr.copy()
            if attr["type"].native == kind:
                attr["values"] = [value]
            out.append(attr)
        return out

    def protection(digest: str) -> cms.CMSAttribute:
        return cms.CMSAttribute({"type": "cms_algorithm_protection", "values": [cms.CMSAlgorithmProtection({
            "digest_algorithm": {"algorithm": digest}, "signature_algorithm": info["signature_algorithm"]})]})

    content_type = next(a for a in attrs if a["type"].native == "content_type")
    assert {"content_type", "message_digest"} <= {a["type"].native for a in attrs}
    return [
        cms.SignerInfo.load(info.dump()),
        with_attrs(replaced("content_type", "signed_data")),  # wrong content type
        with_attrs([*attrs, protection("sha256")]),  # the protected algorithms are the claimed ones
        with_attrs([*attrs, protection("sha1")]),  # digest algorithm not the protected one
        with_attrs([*attrs, protection("sha256"), protection("sha256")]),  # two protection attributes
        with_attrs([*attrs, content_type]),  # two content types
        with_attrs([a for a in attrs if a["type"].native != "content_type"]),  # none
        with_attrs(list(reversed(attrs))),  # another order: another signed encoding, a broken signature
    ]


def test_signature_integrity_matches_pyhanko_with_shared_attributes(signed_bb, monkeypatch):
    from pyhanko.sign.general import find_unique_cms_attribute

    assert speedups.generic_cms.validate_sig_integrity is speedups.validate_sig_integrity
    copies = []

    def untag(attrs, original=speedups.ORIGINAL_ATTRIBUTES_UNTAG):
        copies.append((attrs, original(attrs)))
        return copies[-1][1]

    monkeypatch.setattr(speedups, "ORIGINAL_ATTRIBUTES_UNTAG", untag)
    signed_data = _signed_data(signed_bb)
    signer = speedups.ORIGINAL_EXTRACT_CERTS(signed_data).signer_cert
    digest = find_unique_cms_attribute(signed_data["signer_infos"][0]["signed_attrs"], "message_digest").native
    outcomes, sharing = set(), 0
    for variant_index in range(len(_signer_info_variants(signed_bb))):
        for actual_digest in (digest, b"\0" * 32):
            for warm in (False, True):
                make = _signer_info_variants(signed_bb)[variant_index].copy
                fast_info, original_info = make(), make()
                if warm:  # decoded first, as pyHanko's signer selection does before the integrity check
                    for info in (fast_info, original_info):
                        _ = [a["type"].native for a in info["signed_attrs"] or ()]
                copies.clear()
                fast = _integrity_outcome(speedups.validate_sig_integrity, fast_info, signer, actual_digest)
                source, copy = copies[0]
                shares = bool(copy.children and source.children and copy.children[0] is source.children[0])
                assert shares == warm  # decoded attributes shared, never decoded just for this
                sharing += shares
                expected = _integrity_outcome(speedups.ORIGINAL_VALIDATE_SIG_INTEGRITY, original_info, signer,
                                              actual_digest)
                assert fast == expected, (variant_index, warm)
                outcomes.add(fast[:2] if fast[0] == "error" else fast)
    assert sharing == len(_signer_info_variants(signed_bb)) * 2
    assert ("value", (True, True)) in outcomes and ("value", (False, True)) in outcomes
    assert len([o for o in outcomes if o[0] == "error"]) >= 1 and ("value", (True, False)) in outcomes


def test_untagged_attributes_share_children_only_inside_the_integrity_check(signed_bb):
    from asn1crypto import cms

    info = _signed_data(signed_bb)["signer_infos"][0]
    attrs = info["signed_attrs"]
    _ = [a["type"].native for a in attrs]
    assert attrs.untag().children is None  # asn1crypto's own copy elsewhere (decoded again when read)
    copies = []
    original_untag = cms.CMSAttributes.untag

    def spy(self):
        copies.append(original_untag(self))
        return copies[-1]

    cms.CMSAttributes.untag = spy
    try:
        speedups.validate_sig_integrity(info, speedups.ORIGINAL_EXTRACT_CERTS(_signed_data(signed_bb)).signer_cert,
                                        "data", b"\0" * 32)
        changed = info.copy()
        _ = [a["type"].native for a in changed["signed_attrs"]]
        changed["signed_attrs"][0]["values"] = ["signed_data"]  # changed after decoding: decoded afresh
        speedups.validate_sig_integrity(changed, None, "data", b"\0" * 32)
    except Exception:  # noqa: BLE001, S110 - the second call fails on purpose; only the copies matter
        pass
    finally:
        cms.CMSAttributes.untag = original_untag
    assert len(copies) == 2
    assert [c is o for c, o in zip(copies[0].children, attrs.children, strict=True)] == [True] * len(attrs)
    assert copies[0].contents == attrs.contents and copies[0].dump() == attrs.untag().dump()
    changed_attrs = changed["signed_attrs"]
    assert not any(c is o for c, o in zip(copies[1].children or [], changed_attrs.children, strict=False))
    assert speedups._SHARED_ATTRIBUTES.attrs is None


def _dotted_outcome(make, dotted):
    oid = make()
    try:
        return ("value", dotted(oid), dotted(oid), oid._dotted)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc))


def test_oid_dotted_matches_asn1crypto_on_random_and_odd_contents():
    from asn1crypto import algos, cms
    from asn1crypto import core as asn1_core

    assert isinstance(asn1_core.ObjectIdentifier.__dict__["dotted"], property)
    original = speedups.ORIGINAL_OID_DOTTED.fget
    rng = random.Random(5652)
    contents = [b"", b"\x2a", b"\x2a\x86\x48", b"\x80", b"\xff\xff", b"\x50", b"\x28", b"\x7f\x80\x01",
                bytes.fromhex("2a864886f70d010905"), bytes.fromhex("2a864886f70d01091002 2f".replace(" ", ""))]
    contents += [bytes(rng.choice((0, 1, 39, 40, 79, 80, 127, 128, 129, 255)) for _ in range(rng.randint(0, 12)))
                 for _ in range(2000)]
    speedups.forget()
    for data in contents:
        for cls in (asn1_core.ObjectIdentifier, algos.DigestAlgorithmId, cms.CMSAttributeType):
            for _ in range(2):  # first computed, then remembered
                assert _dotted_outcome(lambda c=cls, d=data: c(contents=d), speedups.oid_dotted) == \
                    _dotted_outcome(lambda c=cls, d=data: c(contents=d), original)
    for value in ("1.2.840.113549.1.9.4", "sha256", "2.999.1"):  # built from a value, not decoded
        cls = algos.DigestAlgorithmId if value == "sha256" else asn1_core.ObjectIdentifier
        assert _dotted_outcome(lambda c=cls, v=value: c(v), speedups.oid_dotted) == \
            _dotted_outcome(lambda c=cls, v=value: c(v), original)
    assert _dotted_outcome(asn1_core.ObjectIdentifier, speedups.oid_dotted) == \
        _dotted_outcome(asn1_core.ObjectIdentifier, original)  # no contents: the original's error
    oid = asn1_core.ObjectIdentifier("1.2.3")
    assert oid.dotted == "1.2.3" and cms.CMSAttributeType(contents=oid.contents).native == "1.2.3"
    oid.set("1.2.4")  # asn1crypto keeps the first answer an object computed; so does the replacement
    assert oid.dotted == original(oid) == "1.2.3"
