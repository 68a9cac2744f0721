"""Regenerate every procedure package under processes/.

Usage (from the repository root)::

    .venv/bin/python -m processes._build.generate            # all procedures
    .venv/bin/python -m processes._build.generate QT13 QT74  # only these

Hand-tuned specs live in ``specs/``; every other procedure of the catalogue comes from ``generic``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path

from . import catalogue
from .package import Procedure, write_package

PROCESSES_ROOT = Path(__file__).resolve().parent.parent
HAND_TUNED = ("QT13", "QT74")


def builders() -> dict[str, Callable[[], Procedure]]:
    """Procedure code → function that builds it; hand-tuned specs win over the generic template."""
    found: dict[str, Callable[[], Procedure]] = {}
    for code in HAND_TUNED:
        try:
            module = importlib.import_module(f"{__package__}.specs.{code.lower()}")
        except ModuleNotFoundError:
            continue
        found[code] = module.build
    try:
        detailed = importlib.import_module(f"{__package__}.specs.detailed")
        for code, build in detailed.BUILDERS.items():
            found.setdefault(code, build)
    except ModuleNotFoundError:
        pass
    try:
        generic = importlib.import_module(f"{__package__}.generic")
        for code in catalogue.rows():
            if code in generic.TABLE:
                found.setdefault(code, lambda code=code: generic.build(code))
    except ModuleNotFoundError:
        pass
    return dict(sorted(found.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codes", nargs="*", help="procedure codes (default: all)")
    parser.add_argument("--out", type=Path, default=PROCESSES_ROOT, help="output folder")
    args = parser.parse_args(argv)
    available = builders()
    codes = args.codes or list(available)
    unknown = [code for code in codes if code not in available]
    if unknown:
        parser.error(f"no spec for {', '.join(unknown)}")
    for code in codes:
        folder = write_package(available[code](), args.out)
        print(f"{code}: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
