"""Agency identifiers ("mã định danh") in the two layouts found on the axis.

* QCVN 102 / Decision 20/2020/QĐ-TTg four-level form ``AAA.BB.CC.Xnn`` read right to left: ``Xnn``
  is the level-1 body (G = ministries and central bodies, H = provinces, ...), ``CC`` level 2,
  ``BB`` level 3, ``AAA`` level 4; ``000.00.00.G22`` is the Government Office itself.
* The short level-1 form Decision 20/2020 uses in its tables, e.g. ``G03`` for the Ministry of
  Education and Training; it is the same agency as ``000.00.00.G03``.

Both spell the same agency, so comparisons and routing use :attr:`AgencyId.canonical`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import AxisError

_FULL = re.compile(r"^(?P<l4>\d{3})\.(?P<l3>\d{2})\.(?P<l2>\d{2})\.(?P<l1>[A-Z]\d{2})$")
_SHORT = re.compile(r"^(?P<l1>[A-Z]\d{2})$")


@dataclass(frozen=True)
class AgencyId:
    level1: str
    level2: str = "00"
    level3: str = "00"
    level4: str = "000"

    @classmethod
    def parse(cls, text: str) -> AgencyId:
        value = (text or "").strip().upper()
        match = _FULL.match(value)
        if match:
            return cls(match["l1"], match["l2"], match["l3"], match["l4"])
        match = _SHORT.match(value)
        if match:
            return cls(match["l1"])
        raise AxisError("agency_id_invalid", f"Mã định danh cơ quan không hợp lệ: '{text}'.",
                        f"Invalid agency identifier '{text}' (expected 000.00.00.G22 or G03).",
                        {"agency_id": text})

    @property
    def canonical(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"

    @property
    def is_level1(self) -> bool:
        return (self.level2, self.level3, self.level4) == ("00", "00", "000")

    @property
    def short(self) -> str:
        """The Decision 20 short form when the agency is a level-1 body, else the full form."""
        return self.level1 if self.is_level1 else self.canonical

    def __str__(self) -> str:
        return self.canonical


def is_valid_agency_id(text: str) -> bool:
    try:
        AgencyId.parse(text)
    except AxisError:
        return False
    return True


def routing_key(text: str) -> str:
    """The key a hub routes on: the canonical form, or the text itself for legacy codes."""
    try:
        return AgencyId.parse(text).canonical
    except AxisError:
        return (text or "").strip().upper()
