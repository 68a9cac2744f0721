"""Independent checks of signed PDFs: poppler's pdfsig, openssl cms over the byte range, qpdf --check."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader


def pdfsig_report(pdf: Path) -> list[str]:
    """One validation line per signature, as pdfsig prints it."""
    result = subprocess.run(["pdfsig", "-no-ocsp", str(pdf)], capture_output=True, text=True)
    return re.findall(r"Signature Validation: (.+)", result.stdout)


def assert_pdfsig_all_valid(pdf: Path, doc_timestamps: int = 0) -> None:
    lines = pdfsig_report(pdf)
    valid = [line for line in lines if line.startswith("Signature is Valid")]
    assert len(valid) == len(lines) - doc_timestamps and valid, lines


def assert_qpdf_ok(pdf: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def assert_openssl_verifies_every_signature(pdf_bytes: bytes, tmp_path: Path, root_pem: bytes) -> int:
    """Extract each CMS and its signed byte ranges; openssl must verify them (signature and chain)."""
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    (tmp_path / "root.pem").write_bytes(root_pem)
    checked = 0
    for index, sig in enumerate(reader.embedded_signatures):
        a, b, c, d = (int(v) for v in sig.sig_object["/ByteRange"])
        content = tmp_path / f"content{index}.bin"
        content.write_bytes(pdf_bytes[a:a + b] + pdf_bytes[c:c + d])
        cms = tmp_path / f"sig{index}.der"
        cms.write_bytes(sig.pkcs7_content)
        base = ["openssl", "cms", "-verify", "-binary", "-content", str(content), "-inform", "DER", "-in", str(cms),
                "-out", "/dev/null"]
        if sig.sig_object.get("/Type") == "/DocTimeStamp":
            # a document timestamp is an RFC 3161 token: its eContent is TSTInfo, check with openssl ts
            query_free = subprocess.run(
                ["openssl", "ts", "-verify", "-data", str(content), "-in", str(cms), "-token_in",
                 "-CAfile", str(tmp_path / "root.pem")], capture_output=True, text=True)
            assert "Verification: OK" in query_free.stdout, query_free.stdout + query_free.stderr
        else:
            for extra in (["-noverify"], ["-CAfile", str(tmp_path / "root.pem"), "-purpose", "any"]):
                result = subprocess.run(base + extra, capture_output=True, text=True)
                assert "Verification successful" in result.stderr, (extra, result.stderr)
        checked += 1
    return checked
