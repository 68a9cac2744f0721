"""The fast base64 codec answers exactly as the standard library does, on valid and on hostile input."""

from __future__ import annotations

import base64
import os
import random

import pytest

from connectors.base64_codec import b64decode_strict, b64encode


def _std(data: str | bytes) -> bytes | type:
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        return ValueError


def _fast(data: str | bytes) -> bytes | type:
    try:
        return b64decode_strict(data)
    except ValueError:
        return ValueError


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 57, 76, 1000, 104_503, 1_048_577])
def test_encoding_and_decoding_equal_the_standard_library(size: int) -> None:
    data = os.urandom(size)
    encoded = base64.b64encode(data)
    assert b64encode(data) == encoded
    assert b64decode_strict(encoded) == data == b64decode_strict(encoded.decode("ascii"))


HOSTILE = ["", "=", "==", "YQ", "YQ=", "YQ==", "YQ===", "YWJj", "YWJj\n", " YWJj", "YW Jj", "YWJj=", "YQ==YQ==",
           "Y===", "YWJ=j", "-_-_", "YWJj\x00", "YWJjé", "ＹＷＪｊ", "YWJj\r\n", "+/+/", "////", "AAAA" * 1000 + "!",
           "QUJD\tRA==", "QUJDRA=\n="]


@pytest.mark.parametrize("text", HOSTILE)
def test_malformed_or_odd_input_gets_the_standard_librarys_answer(text: str) -> None:
    assert _fast(text) == _std(text)
    if text.isascii():
        assert _fast(text.encode("ascii")) == _std(text.encode("ascii"))


def test_random_corruptions_of_real_base64_get_the_standard_librarys_answer() -> None:
    rng = random.Random(20261207)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_.\x00\xff"
    for _ in range(3000):
        encoded = bytearray(base64.b64encode(os.urandom(rng.randrange(0, 64))))
        for _ in range(rng.randrange(0, 3)):
            op = rng.randrange(3)
            at = rng.randrange(len(encoded) + 1)
            if op == 0:
                encoded.insert(at, rng.choice(alphabet))
            elif op == 1 and encoded:
                del encoded[min(at, len(encoded) - 1)]
            elif encoded:
                encoded[min(at, len(encoded) - 1)] = rng.choice(alphabet)
        assert _fast(bytes(encoded)) == _std(bytes(encoded)), bytes(encoded)
