"""Validation policies: which revocation, modification and algorithm rules decide a verdict.

Policies are JSON files (``policies/strict.json``, ``policies/lenient.json`` or a caller's own file)
so that an institution can read, cite and change them without touching code. Algorithm cut-off
dates live in ``policies/algorithms.json``, each with the source it comes from.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from signing.validation.errors import ValidationInputError

BUILTIN_POLICIES = ("strict", "lenient")


@dataclass(frozen=True)
class Cutoff:
    not_after: datetime | None
    source: str


@dataclass(frozen=True)
class AlgorithmJudgement:
    acceptable: bool
    algorithm: str
    cutoff: datetime | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"acceptable": self.acceptable, "algorithm": self.algorithm,
                "cutoff": self.cutoff.isoformat() if self.cutoff else None, "source": self.source}


@dataclass(frozen=True)
class AlgorithmTable:
    digests: dict[str, Cutoff]
    rsa_min_bits: tuple[tuple[int, Cutoff], ...]
    ec_min_bits: tuple[tuple[int, Cutoff], ...]

    def judge_digest(self, name: str, moment: datetime) -> AlgorithmJudgement:
        cutoff = self.digests.get(name)
        if cutoff is None:
            return AlgorithmJudgement(False, name, None, "not listed in the policy: unknown algorithms are refused")
        ok = cutoff.not_after is None or moment < cutoff.not_after
        return AlgorithmJudgement(ok, name, cutoff.not_after, cutoff.source)

    def judge_key(self, kind: str, bits: int, moment: datetime) -> AlgorithmJudgement:
        """A key is acceptable while some listed size at or below its own has not reached its cut-off."""
        table = self.rsa_min_bits if kind == "rsa" else self.ec_min_bits
        label = f"{kind}-{bits}"
        if kind not in ("rsa", "ec"):
            return AlgorithmJudgement(False, label, None, "key type not listed in the policy")
        fitting = [cutoff for size, cutoff in table if bits >= size]
        if not fitting:
            return AlgorithmJudgement(False, label, None, table[0][1].source if table else "")
        best = max(fitting, key=lambda c: c.not_after or datetime.max.replace(tzinfo=UTC))
        ok = best.not_after is None or moment < best.not_after
        return AlgorithmJudgement(ok, label, best.not_after, best.source)


@dataclass(frozen=True)
class ValidationPolicy:
    name: str
    description_vi: str
    description_en: str
    revocation_unreachable: str  # "indeterminate" | "note"
    past_validation_requires_revocation_data: bool
    allowed_modifications: frozenset[str]
    fetch_timeout_seconds: float
    max_embedded_certificates: int
    max_pdf_bytes: int
    algorithms: AlgorithmTable

    @property
    def strict_revocation(self) -> bool:
        return self.revocation_unreachable == "indeterminate"


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _cutoff(raw: dict[str, Any]) -> Cutoff:
    return Cutoff(_date(raw.get("not_after")), raw["source"])


def _load_algorithms(raw: dict[str, Any]) -> AlgorithmTable:
    return AlgorithmTable(
        digests={k: _cutoff(v) for k, v in raw["digests"].items()},
        rsa_min_bits=tuple((e["bits"], _cutoff(e)) for e in raw["rsa_min_bits"]),
        ec_min_bits=tuple((e["bits"], _cutoff(e)) for e in raw["ec_min_bits"]),
    )


POLICIES_REMEMBERED = 32
_LOADED: dict[str, tuple[tuple[tuple[Any, tuple[int, int, int] | None], ...], ValidationPolicy]] = {}
_LOADED_LOCK = threading.Lock()


@functools.cache
def _builtin_dir() -> Any:
    return resources.files("signing.validation") / "policies"


@functools.cache
def _builtin_file(name: str) -> Any:
    """A built-in policy's file; its stamp is still checked at every load."""
    return _builtin_dir() / f"{name}.json"


def _stamp(path: Any) -> tuple[int, int, int] | None:
    """Size, modification time and inode of a file on disk; None when absent or not a plain path."""
    if not isinstance(path, Path):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def load_policy(choice: str | Path = "strict") -> ValidationPolicy:
    """Load a built-in policy by name (``strict``/``lenient``) or a policy JSON file by path.

    A policy read before is returned again while none of the files it was read from (policy,
    referenced algorithm table, the table actually used) has changed size, time or identity: every
    validation names its policy, and reading and parsing the JSON again cost about 5% of one.
    """
    builtin_dir = _builtin_dir()
    try:
        builtin = str(choice) in BUILTIN_POLICIES
        policy_file: Any = _builtin_file(str(choice)) if builtin else Path(choice)
        known = _LOADED.get(str(policy_file))
        if known is not None and all(_stamp(f) == stamp for f, stamp in known[0]):
            return known[1]
        stamps = [(policy_file, _stamp(policy_file))]
        raw = json.loads(policy_file.read_text(encoding="utf-8"))
        base_dir: Any = builtin_dir if builtin else Path(choice).parent
        algorithms_ref = raw.get("algorithms", "algorithms.json")
        algo_file = base_dir / algorithms_ref
        stamps.append((algo_file, _stamp(algo_file)))
        if not algo_file.is_file():
            algo_file = builtin_dir / "algorithms.json"
            stamps.append((algo_file, _stamp(algo_file)))
        algorithms = _load_algorithms(json.loads(algo_file.read_text(encoding="utf-8")))
        policy = ValidationPolicy(
            name=raw["name"],
            description_vi=raw.get("description_vi", ""),
            description_en=raw.get("description_en", ""),
            revocation_unreachable=raw.get("revocation_unreachable", "indeterminate"),
            past_validation_requires_revocation_data=bool(raw.get("past_validation_requires_revocation_data", True)),
            allowed_modifications=frozenset(raw.get("allowed_modifications", ["NONE", "LTA_UPDATES", "FORM_FILLING"])),
            fetch_timeout_seconds=float(raw.get("fetch_timeout_seconds", 3)),
            max_embedded_certificates=int(raw.get("max_embedded_certificates", 20)),
            max_pdf_bytes=int(raw.get("max_pdf_bytes", 200 * 1024 * 1024)),
            algorithms=algorithms,
        )
        if all(stamp is not None or f is stamps[1][0] for f, stamp in stamps):  # files on disk, all seen
            with _LOADED_LOCK:
                _LOADED[str(policy_file)] = (tuple(stamps), policy)
                if len(_LOADED) > POLICIES_REMEMBERED:
                    _LOADED.pop(next(iter(_LOADED)))
        return policy
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationInputError(
            "Không đọc được chính sách kiểm tra chữ ký.", "The validation policy could not be read.",
            code="policy_unreadable", details={"policy": str(choice), "reason": str(exc)[:200]},
        ) from exc
