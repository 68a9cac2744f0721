"""Small helpers shared by the API tests."""

from __future__ import annotations

PASSWORD = "mat-khau-an-toan"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
