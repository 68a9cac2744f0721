"""Attachment base64 is decoded as it always was: whitespace stripped, size checked first, ``None`` if not base64."""

from __future__ import annotations

import base64
import binascii
import random

import pytest

from connectors.base64_codec import b64decode_strict
from connectors.edxml import EdxmlError, Limits
from connectors.edxml.attachments import check_attachment_size, decode_base64


def strip_then_decode(name: str, text: str, limits: Limits) -> bytes | None:
    """The function before its fast path, verbatim: the reference."""
    compact = "".join(text.split())
    check_attachment_size(name, len(compact) * 3 // 4 - compact.count("="), limits)
    try:
        return b64decode_strict(compact)
    except (binascii.Error, ValueError):
        return None


def outcome(function, text: str, limits: Limits):  # type: ignore[no-untyped-def]
    try:
        return function("a.pdf", text, limits)
    except EdxmlError as exc:
        return exc.code, exc.details


def _texts(count: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for _ in range(count):
        encoded = base64.b64encode(rng.randbytes(rng.randint(0, 60))).decode()
        kind = rng.randrange(6)
        if kind == 1:  # line-wrapped, as MIME and some document systems write it
            width = rng.choice([4, 8, 76])
            encoded = "\r\n".join(encoded[i:i + width] for i in range(0, len(encoded), width))
        elif kind == 2:  # spaces and tabs around it
            encoded = " \t" + encoded + "\n  "
        elif kind == 3 and encoded:  # a character outside the alphabet
            at = rng.randrange(len(encoded))
            encoded = encoded[:at] + rng.choice("!-_.é\u00a0\u2003") + encoded[at + 1:]
        elif kind == 4:  # padding in odd places
            encoded = encoded.rstrip("=") + rng.choice(["", "=", "==", "===", "=A"])
        out.append(encoded)
    return out + ["", " ", "YWJj=", "YWJj\n=", "YWJ", "====", "Base64 của tệp ở đây", "\u2003YWJj\u2003"]


@pytest.mark.parametrize("limit", [7_000_000, 30, 3])
def test_decoding_matches_strip_then_decode(limit: int) -> None:
    limits = Limits(max_attachment_bytes=limit)
    texts = _texts(3000)
    outcomes = [outcome(strip_then_decode, text, limits) for text in texts]
    assert sum(isinstance(o, bytes) and len(o) > 0 for o in outcomes) > 10  # some decode
    assert any(o is None for o in outcomes)  # some are not base64
    for text, expected in zip(texts, outcomes, strict=True):
        assert outcome(decode_base64, text, limits) == expected, repr(text)


def test_whitespace_does_not_count_toward_the_size_limit() -> None:
    assert decode_base64("a.pdf", "YWJj\n\n\n\n\n\n", Limits(max_attachment_bytes=3)) == b"abc"
    with pytest.raises(EdxmlError) as caught:
        decode_base64("a.pdf", "YWJjZA==", Limits(max_attachment_bytes=3))
    assert caught.value.code == "attachment_too_large"


def test_wrapped_base64_is_decoded() -> None:
    data = bytes(range(256)) * 3
    wrapped = base64.encodebytes(data).decode()  # 76-character lines
    assert "\n" in wrapped
    assert decode_base64("a.pdf", wrapped, Limits()) == data
