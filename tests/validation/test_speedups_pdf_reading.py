"""The PDF-reading replacements in signing.validation.speedups give exactly what pyHanko gives.

Each is compared with the original it stands for, on well-formed and hostile input: same value (and
type), same stream position, same exception type and message (the certificate and CMS replacements,
and the end-to-end report comparisons, are in test_speedups.py).
"""

from __future__ import annotations

import io
import random

import pytest
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils import misc as pdf_misc

from signing.validation import speedups


def _outcome(func, data: bytes, offset: int = 0):
    """What ``func`` makes of ``data`` read from ``offset``: value, type, encoding, position or error."""
    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        value = func(stream)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc), stream.tell())
    return ("value", type(value), bytes(value.original_bytes) if hasattr(value, "original_bytes") else value,
            str(value), getattr(value, "autodetected_encoding", None), stream.tell())


def _both(data: bytes, offset: int = 0):
    return _outcome(speedups.read_hex_string_from_stream, data, offset), \
        _outcome(speedups.ORIGINAL_READ_HEX_STRING, data, offset)


HEX_CASES = [
    b"<>", b"<0>", b"<00>", b"<abc>", b"<ABCDEF0123456789>", b"< 4 1 \n4\r2\t\f\x0043 >", b"<41424>",
    b"<feff00410042>", b"<FEFF0041>", b"<fffe4100>", b"<efbbbf41>", b"<80ff00>",  # BOMs, non-text bytes
    b"<41 % a comment\n42>", b"<41%c>\n42>", b"<4g>", b"<41 42", b"<", b"", b"<41<42>", b"<41>>",
    b"<41)>", b"<\x8041>", b"(41>", b"x41>", b"<41>trailing data <42>", b"<0 0 0 0 0>",
    b"<" + b"ab" * 300 + b">", b"<" + b"a" * 511 + b">", b"<" + b"a" * 512 + b">", b"<" + b"a" * 1535 + b">",
    b"<" + b"0" * 20000 + b">", b"<" + b"0" * 20000, b"<" + b"0 " * 5000 + b"%x\n>", b"<" + b"0" * 3000 + b"z>",
]


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_string_reader_matches_pyhanko(data):
    fast, original = _both(data)
    assert fast == original


def test_hex_string_reader_matches_pyhanko_inside_a_larger_stream():
    data = b"1 0 obj << /Contents <30 31\n32> /Name (x) >> endobj"
    offset = data.index(b"<30")
    fast, original = _both(data, offset)
    assert fast == original and fast[0] == "value" and fast[-1] == data.index(b" /Name")


def test_hex_string_reader_matches_pyhanko_on_random_input():
    rng = random.Random(20261125)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%<>()gz\x80\xff"
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        data = b"<" + body + (b">" if rng.random() < 0.8 else b"") + bytes(rng.choice(alphabet) for _ in range(3))
        fast, original = _both(data)
        assert fast == original, data


def test_hex_string_reader_needs_pyhanko_only_for_what_it_cannot_vouch_for(monkeypatch):
    calls = []
    monkeypatch.setattr(speedups, "ORIGINAL_READ_HEX_STRING", lambda stream: calls.append(stream.tell()))
    assert _outcome(speedups.read_hex_string_from_stream, b"x<" + b"4 1" * 4000 + b">", 1)[2] == b"A" * 4000
    assert calls == []
    speedups.read_hex_string_from_stream(io.BytesIO(b"x<41 %c\n>"))
    assert calls == [0]


def test_hex_string_reader_is_the_one_pyhanko_uses():
    assert pdf_generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
    parsed = pdf_generic.read_object(io.BytesIO(b"<3031>"), None)
    assert bytes(parsed.original_bytes) == b"01"


DELIMITING = pdf_misc.PDF_WHITESPACE + pdf_misc.PDF_DELIMITERS


def _until(func, class_chars, data: bytes, offset: int, maxchars=None):
    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        value = func(class_chars, stream, maxchars)
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc), str(exc), stream.tell())
    return ("value", value, stream.tell())


@pytest.mark.parametrize("data", [b"", b"/Name", b"/Name ", b"/Na#20me/Next", b"true]", b"12 0 R", b"x" * 5000,
                                  b"x" * 63 + b" ", b"x" * 64 + b" ", b"x" * 65 + b"(", b"\x00\x00", b"a%b", b"ab\n"])
@pytest.mark.parametrize("class_chars", [DELIMITING, pdf_misc.PDF_WHITESPACE, b"", b"]", b"\\^-[", bytearray(b" ")])
@pytest.mark.parametrize("maxchars", [None, 0, 3])
def test_read_until_class_matches_pyhanko(data, class_chars, maxchars):
    for offset in sorted({0, 1, len(data) // 2, len(data)}):
        assert _until(speedups.read_until_class, class_chars, data, offset, maxchars) == \
            _until(speedups.ORIGINAL_READ_UNTIL_CLASS, class_chars, data, offset, maxchars)


def test_read_until_class_matches_pyhanko_on_random_input():
    rng = random.Random(5280)
    alphabet = b"abc/ \n\r\t\x00()<>[]{}%#019"
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        offset = rng.randint(0, len(data))
        for class_chars in (DELIMITING, pdf_misc.PDF_WHITESPACE):
            assert _until(speedups.read_until_class, class_chars, data, offset) == \
                _until(speedups.ORIGINAL_READ_UNTIL_CLASS, class_chars, data, offset), (data, offset)


def test_pyhanko_readers_use_the_replacement():
    assert pdf_misc._read_until_class is speedups.read_until_class
    stream = io.BytesIO(b"/Type/Catalog ")
    stream.read(1)
    assert pdf_misc.read_until_delimiter(stream) == b"Type" and stream.tell() == 5


def _skip(func, data: bytes, offset: int, seek_back: bool, allow_eof: bool, stream_type=io.BytesIO):
    """What ``read_non_whitespace`` makes of ``data`` from ``offset``: byte or error, and the position."""
    stream = stream_type(data)
    stream.seek(offset)
    try:
        value = func(stream, seek_back, allow_eof)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc), str(exc), stream.tell())
    return ("value", type(value), value, stream.tell())


class _OtherStream(io.BytesIO):
    """Not a plain BytesIO: the replacement leaves it to the original."""


WHITESPACE_CASES = [b"", b" ", b"x", b" x", b"\n\r\t\f\x00x", b"  % comment\n  x", b"%c\r\nx", b"% only",
                    b" " * 15 + b"x", b" " * 16 + b"x", b" " * 17 + b"x", b" " * 80 + b"x", b" " * 200,
                    b" " * 16, b"\x00" * 40 + b"%\n>", b"<< /Type", b">>", b" \x80", b"\x0b x"]


@pytest.mark.parametrize("data", WHITESPACE_CASES)
@pytest.mark.parametrize("seek_back", [False, True])
@pytest.mark.parametrize("allow_eof", [False, True])
def test_read_non_whitespace_matches_pyhanko(data, seek_back, allow_eof):
    for offset in sorted({0, 1, len(data) // 2, len(data)}):
        for stream_type in (io.BytesIO, _OtherStream):
            assert _skip(speedups.read_non_whitespace, data, offset, seek_back, allow_eof, stream_type) == \
                _skip(speedups.ORIGINAL_READ_NON_WHITESPACE, data, offset, seek_back, allow_eof, stream_type)


def test_read_non_whitespace_matches_pyhanko_on_random_input():
    rng = random.Random(3200)
    alphabet = b"   \n\r\t\f\x00%/<>x1"
    for _ in range(5000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        offset = rng.randint(0, len(data))
        seek_back, allow_eof = rng.random() < 0.5, rng.random() < 0.5
        assert _skip(speedups.read_non_whitespace, data, offset, seek_back, allow_eof) == \
            _skip(speedups.ORIGINAL_READ_NON_WHITESPACE, data, offset, seek_back, allow_eof), (data, offset)


def test_pyhanko_parsers_use_the_whitespace_replacement(monkeypatch):
    assert pdf_misc.read_non_whitespace is speedups.read_non_whitespace
    assert pdf_generic.read_non_whitespace is speedups.read_non_whitespace
    calls = []
    original = speedups.ORIGINAL_READ_NON_WHITESPACE
    monkeypatch.setattr(speedups, "ORIGINAL_READ_NON_WHITESPACE", lambda *a: calls.append(a) or original(*a))
    value = pdf_generic.read_object(io.BytesIO(b"[ /A  1\n [ 2 ]\r\n (x) ]"), None)
    assert value == ["/A", 1, [2], "x"] and calls == []


NAME_CASES = [b"", b"Type", b"Catalog", b"A;B:C@D!\"$&'*+,-.:;=?@^_`|~", b"Na#20me", b"Na#2", b"Na#zz", b"N/a",
              b"N a", b"N\x00", b"N\x7f", b"N\x80", "Caf\u00e9".encode(), b"%", b"(x)", b"x" * 300, b"#41#42"]


@pytest.mark.parametrize("name", NAME_CASES)
def test_decode_name_matches_pyhanko(name):
    def outcome(func):
        try:
            value = func(name)
        except Exception as exc:  # noqa: BLE001
            return ("error", type(exc), str(exc))
        return ("value", type(value), str(value))
    assert outcome(speedups.decode_name) == outcome(speedups.ORIGINAL_DECODE_NAME)


def test_decode_name_matches_pyhanko_on_random_input():
    rng = random.Random(32000)
    for _ in range(3000):
        name = bytes(rng.randrange(256) if rng.random() < 0.1 else rng.randrange(0x21, 0x7F)
                     for _ in range(rng.randint(0, 12)))
        try:
            expected = ("value", str(speedups.ORIGINAL_DECODE_NAME(name)))
        except Exception as exc:  # noqa: BLE001
            expected = ("error", type(exc), str(exc))
        try:
            got = ("value", str(speedups.decode_name(name)))
        except Exception as exc:  # noqa: BLE001
            got = ("error", type(exc), str(exc))
        assert got == expected, name


class _EndlessRead(Exception):
    """pyHanko's own table parser can step back and forth for ever on some broken line ends."""


class _CountingStream(io.BytesIO):
    def read(self, size=-1):  # type: ignore[no-untyped-def]
        self.reads = getattr(self, "reads", 0) + 1
        if self.reads > 100_000:
            raise _EndlessRead
        return super().read(size)


def _xref_outcome(func, data: bytes, strict: bool, stream_type=io.BytesIO):
    """Every entry ``func`` yields from ``data`` (with its exact types), the position at each, then the end."""
    stream = stream_type(data)
    seen = []
    try:
        for entry in func(stream, strict):
            seen.append((entry, type(entry.idnum), type(entry.location), type(entry.generation), stream.tell()))
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", seen, type(exc), str(exc), stream.tell())
    return ("value", seen, stream.tell())


def _xref_line(rng: random.Random, regular: bool) -> bytes:
    offset, generation = rng.randint(0, 10**10 - 1), rng.choice((0, 0, 1, 65535, 99999))
    ends = (b" \n", b"\r\n", b" \r") + (() if regular else (b"\n", b"\r\r", b"\n\n", b"  "))
    marker = rng.choice(b"nnnf" if regular else b"nnnfx").to_bytes(1, "big")
    return b"%010d %05d %s%s" % (offset, generation, marker, rng.choice(ends))


def _xref_table(rng: random.Random) -> bytes:
    """A cross-reference table, half of them in the regular layout, the others with any oddity."""
    regular = rng.random() < 0.5
    spaces = (b"\n", b" ", b"\r\n", b"  \n", b"\t", b"\x00") + (() if regular else (b"", b" % note\n"))
    parts = [rng.choice(spaces[:3])]
    for _ in range(rng.randint(1, 4)):
        first, size = rng.randint(0, 50), rng.randint(0, 6)
        count = size + (0 if regular or not size else rng.choice((0, 0, -1, 1)))
        lines = [_xref_line(rng, regular) for _ in range(count)]
        parts += [str(first).encode(), rng.choice(spaces), str(size).encode(), rng.choice(spaces), *lines]
        parts.append(rng.choice(spaces) if not regular else rng.choice(spaces + (b"",)))
    parts += [b"trailer" if regular else rng.choice((b"trailer", b"trail", b"")), rng.choice(spaces),
              b"<< /Size 3 >>" if regular else rng.choice((b"<< /Size 3 >>", b"", b"%x", b"<<"))]
    return b"".join(parts)


def test_xref_table_parser_matches_pyhanko_on_random_tables():
    rng = random.Random(19112)
    fast_tables = endless = 0
    for _ in range(4000):
        data = _xref_table(rng)
        regular = speedups._regular_xref_table(io.BytesIO(data)) is not None
        for strict in (False, True):
            expected = _xref_outcome(speedups.ORIGINAL_PARSE_XREF_TABLE, data, strict, _CountingStream)
            if expected[0] == "error" and expected[2] is _EndlessRead:
                assert not regular  # such tables go to pyHanko's parser, endless as it is
                endless += 1
                continue
            assert _xref_outcome(speedups.parse_xref_table, data, strict) == expected, (data, strict)
        fast_tables += regular
    assert fast_tables > 300 and endless < 400  # the regular layout is well covered, not only the fallback


@pytest.mark.parametrize("data", [
    b"0 3\n0000000000 65535 f \n0000000015 00000 n \n0000000163 00000 n \ntrailer\n<< >>",
    b"0 1\r\n0000000000 65535 f\r\n2 2\r\n0000094027 00000 n\r\n0000094256 00000 n\r\ntrailer << >>",
    b"\n0 0\ntrailer\n<<",
    b"0 1\n0000000000 65535 f \ntrailer",  # nothing after trailer: the original's error
    b"0 1\n0000000000 65535 f \ntrailer   %c\n<<",  # a comment after trailer
    b"0 1\n0000000000 65535 f \n% c\ntrailer\n<<",  # a comment before it
    b"0 1\n0000000000 65535 f \r\r\ntrailer\n<<",  # 21-byte line
    b"0 1\n000000000 65535 f \ntrailer\n<<",  # 19-byte line
    b"0 2\n0000000000 65535 f \ntrailer\n<<",  # fewer lines than declared
    b"0 1\n0000000000 65535 n \n1 1\n0000000000 70000 n \ntrailer\n<<",
    b"0.5 1\n0000000000 65535 f \ntrailer\n<<", b"+1 1\n0000000000 65535 f \ntrailer\n<<",
    b"0 1+\n0000000000 65535 f \ntrailer\n<<", b"", b"trailer\n<<", b"0 -1\ntrailer\n<<",
    b"1 2\n0000000010 00000 n \n0000000020 00001 n \ntrailerX",
])
@pytest.mark.parametrize("strict", [False, True])
def test_xref_table_parser_matches_pyhanko(data, strict):
    assert _xref_outcome(speedups.parse_xref_table, data, strict) == \
        _xref_outcome(speedups.ORIGINAL_PARSE_XREF_TABLE, data, strict)
    assert _xref_outcome(speedups.parse_xref_table, data, strict) == \
        _xref_outcome(speedups.parse_xref_table, data, strict)


def test_xref_table_parser_is_used_and_fast_on_a_regular_table(monkeypatch):
    from pyhanko.pdf_utils import xref as pdf_xref

    assert pdf_xref.parse_xref_table is speedups.parse_xref_table
    calls = []
    monkeypatch.setattr(speedups, "ORIGINAL_PARSE_XREF_TABLE", lambda *a: calls.append(a) or iter(()))
    data = b"0 2\n0000000000 65535 f \n0000000015 00000 n \ntrailer\n<<"
    outcome = _xref_outcome(speedups.parse_xref_table, data, True)
    assert calls == [] and [e[0].location for e in outcome[1]] == [None, 15] and outcome[2] == data.index(b"<<")
