"""``quytrinh sign`` trusts the installation trust store by default and extends signed PDFs (``--extend``)."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from checks import assert_pdfsig_all_valid
from click.testing import CliRunner
from pdfs import make_pdf
from pyhanko.pdf_utils.reader import PdfFileReader

from app.cli.cmd_sign import sign
from signing.testing import PKIServer
from signing.trust import InstallationTrustStore, TrustEntry, TrustStore
from signing.validation import Indication, validate_pdf


@pytest.fixture()
def env(tmp_path: Path, pki_server: PKIServer) -> dict[str, str]:
    """A PKCS#12 key and a TSA; the installation trust store ($QUYTRINH_TRUST_DIR) trusts the test root."""
    p12 = tmp_path / "an.p12"
    p12.write_bytes(pki_server.pki.signer_rsa.to_pkcs12(b"bi-mat"))
    trust_dir = tmp_path / "trust"
    InstallationTrustStore(trust_dir).add(pki_server.pki.root_pem(), source_name="test-root.pem")
    return {"QT_PW": "bi-mat", "QUYTRINH_TRUST_DIR": str(trust_dir), "QUYTRINH_TSA_URL": pki_server.tsa_url,
            "QUYTRINH_KEYSTORE": str(tmp_path / "keys"), "P12": str(p12)}


def _sign(env: dict[str, str], source: Path, out: Path, *extra: str):
    return CliRunner(env=env).invoke(sign, [str(source), "--key", env["P12"], "--password-env", "QT_PW",
                                            "-o", str(out), "--json", *extra])


def _test_store(pki_server: PKIServer) -> TrustStore:
    return TrustStore([TrustEntry(cert=pki_server.pki.trust_roots_asn1()[0], role="root", hierarchy="local",
                                  source="added", file="")])


def test_sign_checks_the_signer_against_the_installation_trust_store(env: dict[str, str], tmp_path: Path,
                                                                     pki_server: PKIServer) -> None:
    source = tmp_path / "qd.pdf"
    source.write_bytes(make_pdf())
    trusted = _sign(env, source, tmp_path / "ok.pdf", "--level", "B-T")
    assert trusted.exit_code == 0, trusted.output
    assert json.loads(trusted.output)["level"] == "B-T"

    empty = {**env, "QUYTRINH_TRUST_DIR": str(tmp_path / "empty-store")}  # shipped roots only
    refused = _sign(empty, source, tmp_path / "no.pdf", "--level", "B-T")
    assert refused.exit_code != 0 and "certificate_untrusted" in refused.output
    assert not (tmp_path / "no.pdf").exists()

    root = tmp_path / "root.pem"
    root.write_bytes(pki_server.pki.root_pem())
    extra = _sign(empty, source, tmp_path / "extra.pdf", "--level", "B-T", "--trust", str(root))
    assert extra.exit_code == 0, extra.output


def test_extend_b_t_to_b_lta_through_sign(env: dict[str, str], tmp_path: Path, pki_server: PKIServer) -> None:
    source, bt, lta = tmp_path / "qd.pdf", tmp_path / "bt.pdf", tmp_path / "lta.pdf"
    source.write_bytes(make_pdf())
    assert _sign(env, source, bt, "--level", "B-T").exit_code == 0

    result = CliRunner(env=env).invoke(sign, ["--extend", "B-LTA", str(bt), "-o", str(lta), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["level"] == "B-LTA"
    assert lta.read_bytes().startswith(bt.read_bytes()), "the signed bytes are kept"
    assert_pdfsig_all_valid(lta, doc_timestamps=1)
    report = validate_pdf(lta.read_bytes(), trust_store=_test_store(pki_server), offline=True)
    assert report.signatures[0].indication is Indication.PASSED
    assert report.signatures[0].pades_level == "B-LTA" and report.document_timestamps[0].trusted


def test_extend_to_b_lt_adds_validation_data_only(env: dict[str, str], tmp_path: Path) -> None:
    source, bt, lt = tmp_path / "qd.pdf", tmp_path / "bt.pdf", tmp_path / "lt.pdf"
    source.write_bytes(make_pdf())
    assert _sign(env, source, bt, "--level", "B-T").exit_code == 0
    no_tsa = {k: v for k, v in env.items() if k != "QUYTRINH_TSA_URL"}
    result = CliRunner(env=no_tsa).invoke(sign, ["--extend", "B-LT", str(bt), "-o", str(lt)])
    assert result.exit_code == 0, result.output
    reader = PdfFileReader(BytesIO(lt.read_bytes()), strict=False)
    dss = reader.root["/DSS"].get_object()
    assert len(dss["/Certs"]) >= 3 and len(dss["/OCSPs"]) >= 1
    assert len(reader.embedded_signatures) == 1, "B-LT adds no document timestamp"


def test_extend_refusals_are_one_line(env: dict[str, str], tmp_path: Path) -> None:
    unsigned = tmp_path / "blank.pdf"
    unsigned.write_bytes(make_pdf())
    runner = CliRunner(env=env)
    not_signed = runner.invoke(sign, ["--extend", "B-LTA", str(unsigned), "-o", str(tmp_path / "x.pdf")])
    assert not_signed.exit_code != 0 and "no_signature" in not_signed.output
    no_tsa = CliRunner(env={k: v for k, v in env.items() if k != "QUYTRINH_TSA_URL"}).invoke(
        sign, ["--extend", "B-LTA", str(unsigned), "-o", str(tmp_path / "y.pdf")])
    assert no_tsa.exit_code != 0 and "--tsa-url" in no_tsa.output
    batch = runner.invoke(sign, ["--extend", "B-LTA", "--batch", str(tmp_path), "-o", str(tmp_path / "z")])
    assert batch.exit_code != 0 and "--extend" in batch.output
    assert not any((tmp_path / name).exists() for name in ("x.pdf", "y.pdf", "z"))
