"""The trust anchors shipped with quytrinh: Vietnam's NEAC (public) and VGCA (government) hierarchies.

The files under ``data/`` are copies of /work/shared/trust/vn (see ``data/SOURCE-README.md`` and
``data/provenance.tsv`` for where each came from). Each is pinned here, in code, by the SHA-256 of its
DER bytes: a file edited or swapped on disk is detected at load time and the store refuses to load,
instead of silently trusting a new key.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from signing.trust.certificates import load_certificate, sha256_fingerprint
from signing.trust.entries import TrustEntry, role_for_path
from signing.trust.errors import TrustStoreTampered


@dataclass(frozen=True)
class ShippedFile:
    path: str
    sha256: str
    hierarchy: str


SHIPPED_FILES: tuple[ShippedFile, ...] = (
    ShippedFile("intermediates/fastca_FastCA-SHA-256_2020-2025.pem",
                "bce53bfc017dc917ccac7f314bcddf257c53ec8ffc0165f33a80558deded01f1", "neac"),
    ShippedFile("intermediates/misa_MISA-CA_2019-2024.pem",
                "c8b3186a611dd6a9445924cdc6a950d1592777935310983e6e56861ac8c92337", "neac"),
    ShippedFile("intermediates/neac_VIETNAM-NATIONAL-CA-ERD_under-EMA.pem",
                "ddb4d0266e266eb7bc6d98b071d78ce3020bc508ae08ee549a077a0e9496a040", "neac"),
    ShippedFile("intermediates/neac_VIETNAM-NATIONAL-CA-LTA_under-EMA.pem",
                "12a70606d2e04f9754481738800a87b1ff7d08736ae8f1c9344fef51470b3d1d", "neac"),
    ShippedFile("intermediates/softdreams_EASYCA_2020-2025.pem",
                "226ff88e9b3bc23bc756425e6a5236895f04ad72fb48d1a3242f4389259ce487", "neac"),
    ShippedFile("intermediates/vgca_CA-phuc-vu-cac-co-quan-Dang-G2.pem",
                "e4b402e3cb4cacc0a20d21fa49bce76beb4eb47ba7ffb7a8f71c554dbe561a81", "vgca"),
    ShippedFile("intermediates/vgca_CA-phuc-vu-cac-co-quan-Nha-nuoc-G2.pem",
                "d8cab7a4aef92e6bb2509d7c61cee7b44f3731b2d21074963530277b366fae4b", "vgca"),
    ShippedFile("intermediates/vgca_Co-quan-chung-thuc-so-Chinh-phu_G1-sub_2010-2030.pem",
                "75e969c07ba35c29c72bbc1bfb880f20f3891a619b00b77eb02ca6160736a1fe", "vgca"),
    ShippedFile("intermediates/viettel_Viettel-CA-RS_2022-2027.pem",
                "860bcbe22fdc6757fe03b4597f7c61ca7f36e13ceb74a78cbefc9c5b267b8662", "neac"),
    ShippedFile("intermediates/vnpt_VNPT-CA-SHA2_2024-2029.pem",
                "7d6ba5245317f9ed5d8bc765a4634d26ac6340d36b9f584df3b52d9c4a81a306", "neac"),
    ShippedFile("roots/neac_MIC-National-Root-CA_2008-2040.pem",
                "ca918d635bb130bec97639e6aabf7edbc4eb1310f8058b9419f467ae0230ad8c", "neac"),
    ShippedFile("roots/neac_VIETNAM-NATIONAL-ROOT-CA-EMA_2026-2051.pem",
                "0d765aedfe7b12c7d11c7b5737507f24db22f8afe24be140eb5801cb0853a8f9", "neac"),
    ShippedFile("roots/neac_VIETNAM-NATIONAL-ROOT-CA-MOBILEPKI_2025-2050.pem",
                "c75535d65c0ff7480a3d6f393d56da5f7c92ddcc071f4e9166c3f8d660ef836c", "neac"),
    ShippedFile("roots/neac_VIETNAM-NATIONAL-ROOT-CA-RS_2025-2050.pem",
                "12afeba2545f6fc0f31ec130f31bf2d16184a2b5b7cebcb43cfd1ba35dd4ea46", "neac"),
    ShippedFile("roots/neac_VIETNAM-NATIONAL-ROOT-CA-TSA_2025-2050.pem",
                "d343b3c5132f7d1676c3560025aefef036fceec073c33f18e075b3a21c8f8552", "neac"),
    ShippedFile("roots/neac_VIETNAM-NATIONAL-ROOT-CA-USBTOKEN_2025-2050.pem",
                "41803135f13a6359866e7e6f76dafd598d496836944a52dd1fad66b3bf2ee63b", "neac"),
    ShippedFile("roots/neac_Vietnam-National-Root-CA-G3_2024-2049.pem",
                "7b3269e7d79aebbfae5095f45bbb7074771e690cb7df02b441062b12f7690ece", "neac"),
    ShippedFile("roots/neac_Vietnam-National-Root-CA_vnrca256_2014-2039.pem",
                "bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7", "neac"),
    ShippedFile("roots/vgca_RootCA-G1_Co-quan-chung-thuc-so-chuyen-dung-Chinh-phu_2010-2030.pem",
                "f7bc89054cec7f12730d7b8cd3eb7955b163835087e5eb873edfb584763b3f90", "vgca"),
    ShippedFile("roots/vgca_RootCA-chuyen-dung-Chinh-phu-G2_2018-2048.pem",
                "f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8", "vgca"),
    ShippedFile("tsa/vgca_May-chu-cap-dau-thoi-gian-01_G1_2018-2028.pem",
                "da00db89a849fe8b00882707224c6b291bded54469e1a7532744f96ecae79d39", "vgca"),
    ShippedFile("tsa/vgca_May-chu-cap-dau-thoi-gian_G1_2013-2018.pem",
                "fb2889047796a588378a57d47ceb563efefa39af95b94d8f493830b5ff1634bc", "vgca"),
)


def load_shipped_entries(data_dir: Traversable | Path | None = None) -> tuple[TrustEntry, ...]:
    """Load and verify every shipped certificate; raise :class:`TrustStoreTampered` on any mismatch.

    ``data_dir`` defaults to the packaged ``data/`` folder (tests pass a copy to prove tampering is caught).
    """
    if data_dir is None:
        data_dir = resources.files("signing.trust") / "data"
    entries = []
    for shipped in SHIPPED_FILES:
        resource = data_dir / shipped.path
        try:
            raw = resource.read_bytes()
        except FileNotFoundError as exc:
            raise TrustStoreTampered(
                f"Thiếu tệp chứng thư gốc đi kèm: {shipped.path}.",
                f"Shipped trust file is missing: {shipped.path}.",
                details={"file": shipped.path, "expected_sha256": shipped.sha256},
            ) from exc
        cert = load_certificate(raw, source=shipped.path)
        actual = sha256_fingerprint(cert)
        if actual != shipped.sha256:
            raise TrustStoreTampered(
                f"Tệp chứng thư đi kèm {shipped.path} đã bị thay đổi (dấu vân tay không khớp).",
                f"Shipped trust file {shipped.path} was changed (fingerprint mismatch).",
                details={"file": shipped.path, "expected_sha256": shipped.sha256, "actual_sha256": actual},
            )
        entries.append(TrustEntry(cert=cert, role=role_for_path(shipped.path),
                                  hierarchy=shipped.hierarchy, source="shipped", file=shipped.path))
    return tuple(entries)
