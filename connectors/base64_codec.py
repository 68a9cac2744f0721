"""Base64 for packages on the wire, with pybase64's SIMD codec instead of the standard library's.

A received package is base64 twice over (the axis' getEdoc answer carries the whole package in base64,
and the package carries each attachment in base64): decoding 190 KB and then 140 KB with ``base64`` cost
about 0.8 ms of CPU per package, more than storing it; pybase64 (a maintained C extension over
libbase64) does the same in about 0.02 ms. The results are the standard library's: the same bytes for
valid input, and for invalid input a ``ValueError`` (``binascii.Error`` is one), which is all callers
catch. pybase64 is stricter in one corner (it refuses padding after a complete group, ``YWJj=``, which
the standard library accepts), so whatever it refuses is handed to the standard library, which then
decides. ``tests/connectors/test_base64_codec.py`` holds both to that.
"""

from __future__ import annotations

import base64

import pybase64


def b64decode_strict(data: str | bytes) -> bytes:
    """Decode standard base64 with no whitespace or stray characters allowed (``validate=True``)."""
    try:
        return pybase64.b64decode(data, validate=True)
    except ValueError:
        return base64.b64decode(data, validate=True)  # the standard library's verdict, lenient corners included


def b64encode(data: bytes) -> bytes:
    """Standard base64 (RFC 4648, with padding, no line breaks)."""
    return pybase64.b64encode(data)
