"""Read the vendored copy of the shared catalogue (Table 5 and the public-source details)."""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def rows() -> dict[str, dict[str, str]]:
    with open(DATA / "procedures.csv", encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def details() -> dict[str, dict[str, Any]]:
    with open(DATA / "procedures_detail.json", encoding="utf-8") as handle:
        return {entry["qt"]: entry for entry in json.load(handle)}


def level_2023(code: str) -> int:
    return int(rows()[code]["highest_level_2023"])


def name_vi(code: str) -> str:
    return rows()[code]["name_vi"].strip().rstrip(".")


def sources(code: str) -> list[dict[str, Any]]:
    entry = details().get(code)
    return list(entry["sources"]) if entry else []
