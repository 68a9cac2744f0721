"""Exactly-equivalent faster replacements for a few pyHanko and asn1crypto functions on the validation path.

Why: profiling the validation of a ~100 KB signed PDF (the exchange benchmark's attachment) showed
a third of the CPU in pyHanko reading the signature's ``/Contents`` hex string one byte at a time,
a fifth in asn1crypto's RFC 5280 name comparison (RFC 4518 string preparation of every attribute,
for every freshly parsed certificate, e.g. from pyHanko's ``match_issuer_serial`` looking for the
signer among the embedded certificates), and much of the rest of the PDF parsing in pyHanko reading
names and keywords one byte at a time. Each replacement computes the same pure function of its
input faster, so no outcome changes:

* :func:`read_hex_string_from_stream` takes the whole ``<...>`` body at once. When it holds only
  hex digits and PDF whitespace (every well-formed hex string), the original would have skipped the
  same whitespace, joined the same digits, padded an odd count with ``0`` and stopped after the
  same ``>``: the result and the stream position are the same. Anything else (a ``%`` comment, a
  bad byte, no ``>`` before the end) rewinds and calls pyHanko's own function, so malformed input
  fails with the very same exception.
* :func:`read_until_class` (pyHanko's ``misc._read_until_class``, behind ``read_until_delimiter``
  and ``read_until_whitespace``) searches a chunk for the stopping byte instead of reading byte by
  byte; same token, flag and position. Calls with a length limit go to the original.
* :func:`read_non_whitespace` (pyHanko's, behind every object, dictionary and cross-reference
  read: ~150 calls per document) skips a run of whitespace with one read and ``lstrip`` instead of
  one ``read(1)`` per byte; same byte, same position. A comment, the end of the stream or a stream
  other than a plain ``BytesIO`` go to the original.
* :func:`parse_xref_table` (pyHanko's) reads a cross-reference table that follows the standard
  layout exactly (numbers, whitespace, 20-byte ``nnnnnnnnnn ggggg n`` lines, ``trailer``) from the
  buffer with a few regular expressions instead of one ``read(20)``, split and two number parses per
  line: same entries, same types, same stream positions as each is yielded. Any deviation (comments,
  odd line ends, short tables, other markers, no ``trailer``) is decided before the first entry is
  yielded, and then pyHanko's own parser reads the table from its start.
* :func:`decode_name` (pyHanko's ``generic._decode_name``) returns plain ASCII names without the
  byte-by-byte escape decoding; names with ``#`` escapes or irregular bytes go to the original.
* :func:`extract_certs_for_validation` (pyHanko's, in ``sign.validation.generic_cms``) is computed
  once per ``SignedData`` object instead of twice per signature, and once per content of what it
  reads (certificates, signer identifier, signing-certificate attributes) across documents.
* :func:`check_signing_certificate` (pyHanko's ``_check_signing_certificate``) remembers a pass per
  certificate and signing-certificate attribute; failures are raised by pyHanko's function each time.
* :func:`validate_sig_integrity` (pyHanko's) lets the untagged copy of the signed attributes it
  makes (:func:`attributes_untag`) start from the attribute objects already decoded for the signer
  information, instead of decoding the same bytes once more for the algorithm-protection,
  signing-certificate and content-type checks (which read, and never change, that copy).
* :func:`enforce_algorithm_usage` (pyHanko's ``_enforce_algorithm_usage``) remembers a pass per
  signature/digest algorithm pair under the accept-all policy ``signing.validation`` gives it.
* :func:`default_permitted_subtrees` / :func:`default_excluded_subtrees` (pyhanko-certvalidator's,
  as used by its path validation) reuse the immutable universal subtrees instead of building them
  (frozen dataclasses, slow to construct) for every path validation.
* :func:`oid_dotted` (``asn1crypto.core.ObjectIdentifier.dotted``) remembers the dotted form per
  encoded contents: every type, algorithm and attribute of each document's CMS structure is a
  fresh object decoding the same few identifiers again, byte by byte.
* :func:`name_eq` (``asn1crypto.x509.Name.__eq__``) remembers the boolean answer per pair of DER
  encodings and :func:`ldap_string_prep` (``NameTypeAndValue._ldap_string_prep``) its answer per
  string. Both depend on nothing else; errors are never remembered (they are raised again by
  recomputing). What is remembered is about certificate names, never about a document.

:func:`install` puts them in place once; it is called when ``signing.validation`` is imported.
``benchmarks/validation.py`` measures pyHanko's reference in a process that never imports this
module, so its ratio compares against pyHanko as shipped.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import os
import re
import threading
import weakref
from typing import IO, Any

from asn1crypto import cms, x509
from asn1crypto import core as asn1_core
from pyhanko.pdf_utils import generic as pdf_generic
from pyhanko.pdf_utils import misc as pdf_misc
from pyhanko.pdf_utils import xref as pdf_xref
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation import utils as validation_utils
from pyhanko_certvalidator import name_trees as cv_name_trees
from pyhanko_certvalidator import validate as cv_validate
from pyhanko_certvalidator.policy_decl import AcceptAllAlgorithms

from signing.validation.memo import Memo

_PDF_WHITESPACE = b" \n\r\t\f\x00"  # pyhanko.pdf_utils.misc.PDF_WHITESPACE, without the empty token
_HEX_DIGITS = b"0123456789abcdefABCDEF"  # pyhanko.pdf_utils.generic.HEX_DIGITS
_FIRST_READ = 512  # most hex strings are short (/ID); a signature's /Contents takes a few doublings

ORIGINAL_READ_HEX_STRING = pdf_generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream: IO[bytes]) -> pdf_generic.ByteStringObject | pdf_generic.TextStringObject:
    """pyHanko's ``read_hex_string_from_stream`` for a stream positioned at ``<``, with one scan.

    Same result, same final position; input the fast path cannot vouch for goes to the original.
    """
    origin = stream.tell()
    stream.read(1)  # the '<', not checked (as the original)
    start = stream.tell()
    parts: list[bytes] = []
    size = _FIRST_READ
    while True:
        chunk = stream.read(size)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        if not chunk:  # no '>' before the end: let the original raise its own error
            stream.seek(origin)
            return ORIGINAL_READ_HEX_STRING(stream)
        parts.append(chunk)
        size *= 2
    body = b"".join(parts)
    digits = body.translate(None, _PDF_WHITESPACE)
    if digits.translate(None, _HEX_DIGITS):  # a comment or a stray byte: the original decides
        stream.seek(origin)
        return ORIGINAL_READ_HEX_STRING(stream)
    stream.seek(start + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return pdf_generic.pdf_string(binascii.unhexlify(digits))


ORIGINAL_READ_UNTIL_CLASS = pdf_misc._read_until_class
_CLASS_PATTERNS: dict[bytes, re.Pattern[bytes]] = {}
_TOKEN_READ = 64  # names, numbers and keywords are short; longer tokens take a few doublings


def read_until_class(class_chars: bytes, stream: IO[bytes], maxchars: int | None = None) -> tuple[bytes, bool]:
    """pyHanko's ``_read_until_class`` (bytes up to, and consuming, the first byte of ``class_chars``).

    The original reads one byte per call; this reads a chunk and searches it. Same bytes, same
    end-of-stream flag, same final position (just past the stopping byte, or at the end). Calls
    with a ``maxchars`` limit go to the original.
    """
    if maxchars is not None or type(class_chars) is not bytes:
        return ORIGINAL_READ_UNTIL_CLASS(class_chars, stream, maxchars)
    pattern = _CLASS_PATTERNS.get(class_chars)
    if pattern is None:
        pattern = _CLASS_PATTERNS[class_chars] = re.compile(
            b"[" + b"".join(re.escape(bytes([c])) for c in class_chars) + b"]" if class_chars else b"(?!)")
    start = stream.tell()
    parts: list[bytes] = []
    size = _TOKEN_READ
    while True:
        chunk = stream.read(size)
        if not chunk:
            return b"".join(parts), True
        found = pattern.search(chunk)
        if found is not None:
            index = found.start()
            parts.append(chunk[:index])
            token = b"".join(parts)
            stream.seek(start + len(token) + 1)
            return token, False
        parts.append(chunk)
        size *= 2


ORIGINAL_READ_NON_WHITESPACE = pdf_misc.read_non_whitespace
_WHITESPACE_READ = 16  # whitespace runs between PDF tokens are mostly one byte; padding takes a few reads


def read_non_whitespace(stream: IO[bytes], seek_back: bool = False, allow_eof: bool = False) -> bytes:
    """pyHanko's ``read_non_whitespace``: the first byte after PDF whitespace, read in chunks.

    The original reads one byte per call until a byte outside ``PDF_WHITESPACE``, then (with
    ``seek_back``) steps back over it. Here: one ``read`` and ``lstrip`` of the same whitespace
    set, then one ``seek`` to where the original would stand. When that byte is ``%`` (a comment,
    which the original skips) or the stream ends first (an error, or ``b''`` with ``allow_eof``),
    the stream is rewound and the original decides. Only for ``io.BytesIO`` (what pyHanko's reader
    parses from here): reading ahead and seeking back is free and exact there.
    """
    if type(stream) is not io.BytesIO:
        return ORIGINAL_READ_NON_WHITESPACE(stream, seek_back, allow_eof)
    chunk = stream.read(_WHITESPACE_READ)
    consumed = len(chunk)
    rest = chunk.lstrip(_PDF_WHITESPACE)
    while not rest and chunk:
        chunk = stream.read(_WHITESPACE_READ * 4)
        consumed += len(chunk)
        rest = chunk.lstrip(_PDF_WHITESPACE)
    token = rest[:1]
    if not token or token == b"%":
        stream.seek(-consumed, os.SEEK_CUR)
        return ORIGINAL_READ_NON_WHITESPACE(stream, seek_back, allow_eof)
    stream.seek(1 - len(rest) - (1 if seek_back else 0), os.SEEK_CUR)
    return token


ORIGINAL_PARSE_XREF_TABLE = pdf_xref.parse_xref_table
_WS = rb"[ \n\r\t\f\x00]"  # PDF_WHITESPACE
_XREF_HEAD = re.compile(_WS + rb"*([0-9]+)" + _WS + rb"+([0-9]+)" + _WS + rb"+")
_XREF_LINES = re.compile(rb"(?:[0-9]{10} [0-9]{5} [nf](?: \r| \n|\r\n))*")
_XREF_SPACE = re.compile(_WS + rb"*")


def parse_xref_table(stream: IO[bytes], strict: bool) -> Any:
    """pyHanko's ``parse_xref_table`` (a generator of ``XRefEntry``) for regular tables, from the buffer.

    The whole table is checked first (:func:`_regular_xref_table`); if it is regular, every line is
    one the original reads as exactly 20 bytes (no CR/LF to skip, no line bled into the next), split
    into a 10-digit offset, a 5-digit generation and an ``n``/``f`` marker: the same entries follow,
    with the first number of a subsection a ``NumberObject`` as the original's (``num += 1`` makes
    the others ``int``), and the stream stands where the original's would at each yield and at the
    end. Otherwise nothing has been yielded yet and the original parses from the same start.
    """
    layout = _regular_xref_table(stream) if type(stream) is io.BytesIO else None
    if layout is None:
        yield from ORIGINAL_PARSE_XREF_TABLE(stream, strict)
        return
    buffer, subsections, end = layout
    standard, free, entry = pdf_xref.XRefType.STANDARD, pdf_xref.XRefType.FREE, pdf_xref.XRefEntry
    for num, start, size in subsections:
        for line in range(start, start + 20 * size, 20):
            generation = int(buffer[line + 11:line + 16])
            stream.seek(line + 20)
            if buffer[line + 17] == 0x6E:  # n
                yield entry(xref_type=standard, location=int(buffer[line:line + 10]), idnum=num,
                            generation=generation)
            else:
                yield entry(xref_type=free, location=None, idnum=num, generation=generation)
            num += 1
    stream.seek(end)


def _regular_xref_table(stream: io.BytesIO) -> tuple[bytes, list[tuple[Any, int, int]], int] | None:
    """``(buffer, [(first number, first line, count)], position after trailer's whitespace)`` or None.

    Mirrors the original's reads: whitespace, a number, whitespace, a count, whitespace, the lines;
    then whitespace and either ``trailer`` (plus whitespace, before a byte that is not ``%``) or the
    next subsection. Numbers must end at whitespace (the original's number reader would otherwise
    take more characters), and nothing here skips a ``%`` comment: such tables go to the original.
    """
    buffer = stream.getvalue()
    position = stream.tell()
    subsections = []
    while True:
        head = _XREF_HEAD.match(buffer, position)
        if head is None:
            return None
        size = int(head.group(2))
        start = head.end()
        lines = _XREF_LINES.match(buffer, start, start + 20 * size)
        if lines is None or lines.end() != start + 20 * size:
            return None
        subsections.append((pdf_generic.NumberObject(head.group(1).decode("ascii")), start, size))
        position = _XREF_SPACE.match(buffer, lines.end()).end()
        if buffer.startswith(b"trailer", position):
            end = _XREF_SPACE.match(buffer, position + 7).end()
            if end >= len(buffer) or buffer[end] == 0x25:  # the end, or a comment: the original decides
                return None
            return buffer, subsections, end


ORIGINAL_DECODE_NAME = pdf_generic._decode_name
_PLAIN_NAME = re.compile(b"[" + b"".join(
    re.escape(bytes([c])) for c in range(0x21, 0x7F) if c != 0x23 and c not in pdf_misc.PDF_DELIMITERS) + b"]*")


def decode_name(name_bytes: bytes) -> pdf_generic.NameObject:
    """pyHanko's ``_decode_name`` for names without ``#`` escapes, in one step.

    A name made only of regular printable ASCII bytes decodes, in the original, to ``/`` followed by
    those same bytes (UTF-8 of ASCII); anything else (escapes, bytes that must be escaped, a
    non-bytes argument) goes to the original.
    """
    if type(name_bytes) is bytes and _PLAIN_NAME.fullmatch(name_bytes) is not None:
        return pdf_generic.NameObject("/" + name_bytes.decode("ascii"))
    return ORIGINAL_DECODE_NAME(name_bytes)


ORIGINAL_EXTRACT_CERTS = generic_cms.extract_certs_for_validation
_EXTRACTED: weakref.WeakKeyDictionary[cms.SignedData, generic_cms.SignedDataCerts] = weakref.WeakKeyDictionary()
_EXTRACTED_LOCK = threading.Lock()
_EXTRACTED_BY_CONTENT: Memo[bytes, generic_cms.SignedDataCerts] = Memo(256)


def extract_certs_for_validation(signed_data: cms.SignedData) -> generic_cms.SignedDataCerts:
    """pyHanko's ``extract_certs_for_validation``, done once per ``SignedData`` object and per content.

    pyHanko calls it twice for each signature on the very same object (``EmbeddedPdfSignature``
    to expose the signer, then ``cms_basic_validation``); each call copied every certificate and
    matched the signer again, so the second one re-decoded names and extensions the first had
    decoded. Kept per object (identity, weakly held: it goes with the signature), and per content
    (:func:`_extraction_key`: every input the function reads), since a signer's next document
    carries the same certificates: it then gets the certificate objects decoded for the previous
    one (same DER, so every answer about them is the same). A call that raised is not remembered.
    """
    with _EXTRACTED_LOCK:
        known = _EXTRACTED.get(signed_data)
    if known is not None:
        return known
    key = _extraction_key(signed_data)
    info = _EXTRACTED_BY_CONTENT.get(key) if key is not None else None
    if info is None:
        info = ORIGINAL_EXTRACT_CERTS(signed_data)
        if key is not None:
            _EXTRACTED_BY_CONTENT.put(key, info)
    with _EXTRACTED_LOCK:
        _EXTRACTED[signed_data] = info
    return info


_SIGNING_CERT_ATTRIBUTES = ("signing_certificate", "signing_certificate_v2")


def _extraction_key(signed_data: cms.SignedData) -> bytes | None:
    """SHA-256 over all that pyHanko's extraction reads, or ``None`` (not remembered) when unsure.

    It reads the ``certificates`` set, that there is exactly one ``SignerInfo``, that one's ``sid``
    (issuer and serial number; a subject key identifier makes pyHanko log a warning each time, so
    those are never remembered) and its signed ``signingCertificate``/``signingCertificateV2``
    attributes (selected, as pyHanko selects them, by the attribute type's name). The signature
    value, digest and other attributes do not enter the extraction and vary per document.
    """
    try:
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            return None
        signer_info = signer_infos[0]
        sid = signer_info["sid"]
        if sid.name != "issuer_and_serial_number":
            return None
        parts = [signed_data["certificates"].dump(), sid.dump()]
        for attr in signer_info["signed_attrs"] or ():
            if attr["type"].native in _SIGNING_CERT_ATTRIBUTES:
                parts.append(attr.dump())
    except Exception:  # noqa: BLE001 - malformed input: let pyHanko's own function decide, every time
        return None
    return _digest(parts)


ORIGINAL_CHECK_SIGNING_CERTIFICATE = generic_cms._check_signing_certificate
_SIGNING_CERTIFICATE_PASSED: Memo[bytes, bool] = Memo(256)


def check_signing_certificate(cert: x509.Certificate, signed_attrs: cms.CMSAttributes) -> None:
    """pyHanko's ``_check_signing_certificate``: passes once per content, raises (afresh) every time.

    It reads the certificate's DER and the ``signingCertificate(V2)`` attributes (selected by the
    type's name, as pyHanko does); a signer's documents carry the same certificate and attribute, and
    pyHanko checks them twice per signature (extraction, then integrity), hashing the certificate and
    comparing names each time. Only a pass is remembered, keyed by a SHA-256 over the certificate
    and every such attribute (all of them, in order, so that a duplicate still raises).
    """
    try:
        parts = [cert.dump()]
        for attr in signed_attrs or ():
            if attr["type"].native in _SIGNING_CERT_ATTRIBUTES:
                parts.append(attr.dump())
    except Exception:  # noqa: BLE001 - malformed input: pyHanko's own function decides
        return ORIGINAL_CHECK_SIGNING_CERTIFICATE(cert, signed_attrs)
    key = _digest(parts)
    if _SIGNING_CERTIFICATE_PASSED.get(key):
        return None
    ORIGINAL_CHECK_SIGNING_CERTIFICATE(cert, signed_attrs)
    _SIGNING_CERTIFICATE_PASSED.put(key, True)
    return None


def _digest(parts: list[bytes]) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


ORIGINAL_ENFORCE_ALGORITHM_USAGE = generic_cms._enforce_algorithm_usage
_DEFAULT_POLICY_MIXIN = validation_utils._DefaultPolicyMixin
_ALGORITHMS_PASSED: Memo[bytes, bool] = Memo(256)


def enforce_algorithm_usage(signer_info: cms.SignerInfo, cert: x509.Certificate, algorithm_usage_policy: Any,
                            time_indic: Any = None) -> None:
    """pyHanko's ``_enforce_algorithm_usage``; under an accept-all policy a pass is remembered.

    ``signing.validation`` hands pyHanko certvalidator's ``AcceptAllAlgorithms`` (algorithms are
    judged by the policy layer), which pyHanko lifts into its ``_DefaultPolicyMixin``. With exactly
    those two types nothing is refused by algorithm or time, and what remains (the digest must match
    the signature mechanism's) is a function of the signature and digest algorithm identifiers alone:
    a pass is remembered per pair of their DER encodings. Any other policy, a failure, or input that
    cannot be encoded goes to pyHanko's function every time.
    """
    policy_inner = getattr(algorithm_usage_policy, "_policy", None)
    if type(algorithm_usage_policy) is not _DEFAULT_POLICY_MIXIN or type(policy_inner) is not AcceptAllAlgorithms:
        return ORIGINAL_ENFORCE_ALGORITHM_USAGE(signer_info, cert, algorithm_usage_policy, time_indic)
    try:
        _ = cert.public_key  # read by the original (as an argument the accept-all policy ignores)
        key = _digest([signer_info["signature_algorithm"].dump(), signer_info["digest_algorithm"].dump()])
    except Exception:  # noqa: BLE001 - malformed input: pyHanko's own function decides
        return ORIGINAL_ENFORCE_ALGORITHM_USAGE(signer_info, cert, algorithm_usage_policy, time_indic)
    if _ALGORITHMS_PASSED.get(key):
        return None
    ORIGINAL_ENFORCE_ALGORITHM_USAGE(signer_info, cert, algorithm_usage_policy, time_indic)
    _ALGORITHMS_PASSED.put(key, True)
    return None


ORIGINAL_VALIDATE_SIG_INTEGRITY = generic_cms.validate_sig_integrity
ORIGINAL_ATTRIBUTES_UNTAG = cms.CMSAttributes.untag
_SHARED_ATTRIBUTES = threading.local()  # .attrs: the signed attributes whose untagged copy may share


def validate_sig_integrity(signer_info: cms.SignerInfo, cert: x509.Certificate, expected_content_type: str,
                           actual_digest: bytes, sig_validator: Any = None) -> tuple[bool, bool]:
    """pyHanko's ``validate_sig_integrity``, with the untagged signed attributes sharing decoded children.

    pyHanko's function starts with ``signer_info['signed_attrs'].untag()`` (the signature covers
    them with a SET OF tag) and asn1crypto's copy forgets the decoded attributes: the algorithm
    protection, signing-certificate and content-type checks then decode the same bytes again. While
    the original runs here, that one object's ``untag`` (:func:`attributes_untag`) hands the copy
    the attributes already decoded. The copy is only read (``dump`` for the signed bytes, lookups by
    type, ``.native``), so every check sees the same values. Nothing new is decoded to decide this:
    only an attribute set the signer information has already built is marked.
    """
    previous = getattr(_SHARED_ATTRIBUTES, "attrs", None)
    _SHARED_ATTRIBUTES.attrs = _built_signed_attrs(signer_info)
    try:
        return ORIGINAL_VALIDATE_SIG_INTEGRITY(signer_info, cert, expected_content_type, actual_digest, sig_validator)
    finally:
        _SHARED_ATTRIBUTES.attrs = previous


def _built_signed_attrs(signer_info: Any) -> cms.CMSAttributes | None:
    """The ``signed_attrs`` object ``signer_info`` has already built, or None (read without decoding)."""
    if type(signer_info) is not cms.SignerInfo:
        return None
    children, field_map = signer_info.children, signer_info._field_map
    if children is None or not field_map or "signed_attrs" not in field_map:
        return None
    index = field_map["signed_attrs"]
    child = children[index] if index < len(children) else None
    return child if type(child) is cms.CMSAttributes else None


def attributes_untag(self: cms.CMSAttributes) -> cms.CMSAttributes:
    """asn1crypto's ``untag``; for the attributes marked by :func:`validate_sig_integrity`, sharing children.

    The copy has the same class (same child type) and the same encoded contents, and asn1crypto
    leaves its children undecoded; they would decode from those bytes into what the original
    holds. So the copy gets a new list of the original's children, unless the original was changed
    after decoding (its children would no longer be its bytes) or the copy differs in contents.
    """
    copy = ORIGINAL_ATTRIBUTES_UNTAG(self)
    if (self is getattr(_SHARED_ATTRIBUTES, "attrs", None) and self.children is not None
            and copy.children is None and copy.contents == self.contents and not self._is_mutated()):
        copy.children = list(self.children)
    return copy


ORIGINAL_DEFAULT_PERMITTED = cv_validate.default_permitted_subtrees
ORIGINAL_DEFAULT_EXCLUDED = cv_validate.default_excluded_subtrees
_NAME_TYPES = tuple(cv_name_trees.GeneralNameType)
_UNIVERSAL = {t: cv_name_trees.NameSubtree.universal_tree(t) for t in _NAME_TYPES}


def default_permitted_subtrees() -> cv_name_trees.PKIXSubtrees:
    """pyhanko-certvalidator's initial permitted subtrees: fresh dict and sets, as the original.

    The universal ``NameSubtree`` values inside are frozen dataclasses (immutable, compared by
    value), built once instead of for every path validation.
    """
    return {t: {_UNIVERSAL[t]} for t in _NAME_TYPES}


def default_excluded_subtrees() -> cv_name_trees.PKIXSubtrees:
    """pyhanko-certvalidator's initial excluded subtrees (empty sets), without iterating the enum."""
    return {t: set() for t in _NAME_TYPES}


ORIGINAL_OID_DOTTED = asn1_core.ObjectIdentifier.dotted  # a property
_DOTTED: dict[bytes, str] = {}
_DOTTED_LIMIT = 4096  # distinct identifiers in a stream of documents are few; a hostile stream is bounded


def oid_dotted(self: asn1_core.ObjectIdentifier) -> str:
    """asn1crypto's ``ObjectIdentifier.dotted``, remembered per encoded contents across objects.

    A pure function of ``self.contents`` (the bytes), computed by the original the first time; as
    in the original, an object keeps the answer it computed first (``_dotted``). Contents that are
    not ``bytes`` go to the original (and its error). A plain dict (reads and writes are atomic
    under the GIL), emptied when it reaches its bound.
    """
    if self._dotted is None:
        contents = self.contents
        if type(contents) is not bytes:
            return ORIGINAL_OID_DOTTED.fget(self)
        known = _DOTTED.get(contents)
        if known is None:
            known = ORIGINAL_OID_DOTTED.fget(self)
            if len(_DOTTED) >= _DOTTED_LIMIT:
                _DOTTED.clear()
            _DOTTED[contents] = known
        else:
            self._dotted = known
    return self._dotted


_PREPARED: Memo[str, str] = Memo(8192)
ORIGINAL_LDAP_STRING_PREP = x509.NameTypeAndValue._ldap_string_prep


def ldap_string_prep(self: x509.NameTypeAndValue, string: Any) -> str:
    """asn1crypto's RFC 4518 preparation of a name attribute, remembered per input string.

    A pure function of ``string`` (``self`` is not read); strings that fail are not remembered, and
    anything other than a ``str`` goes straight to the original, so errors are raised unchanged.
    """
    if type(string) is not str:
        return ORIGINAL_LDAP_STRING_PREP(self, string)
    known = _PREPARED.get(string)
    if known is not None:
        return known
    prepared = ORIGINAL_LDAP_STRING_PREP(self, string)
    _PREPARED.put(string, prepared)
    return prepared


_NAME_PAIRS: Memo[tuple[bytes, bytes], bool] = Memo(4096)
ORIGINAL_NAME_EQ = x509.Name.__eq__


def name_eq(self: x509.Name, other: object) -> bool:
    """asn1crypto's RFC 5280 §7.1 ``Name`` comparison, remembered per pair of DER encodings.

    The comparison depends only on the two encodings. Pairs whose encoding cannot be produced, or
    whose comparison raised, are computed by the original every time (same result, same error).
    """
    if not isinstance(other, x509.Name):
        return False
    try:
        key = (self.dump(), other.dump())
    except Exception:  # noqa: BLE001 - a name the original may still compare (or fail on) its own way
        return ORIGINAL_NAME_EQ(self, other)
    known = _NAME_PAIRS.get(key)
    if known is not None:
        return known
    equal = ORIGINAL_NAME_EQ(self, other)
    if type(equal) is bool:
        _NAME_PAIRS.put(key, equal)
    return equal


def forget() -> None:
    """Drop everything remembered (tests compare cold and warm runs)."""
    _PREPARED.clear()
    _NAME_PAIRS.clear()
    _EXTRACTED_BY_CONTENT.clear()
    _SIGNING_CERTIFICATE_PASSED.clear()
    _ALGORITHMS_PASSED.clear()
    _DOTTED.clear()


_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Put the replacements in place in pyHanko's modules (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        pdf_generic.read_hex_string_from_stream = read_hex_string_from_stream
        pdf_misc._read_until_class = read_until_class
        pdf_generic._decode_name = decode_name
        pdf_xref.parse_xref_table = parse_xref_table  # as XRefBuilder._read_xref_table calls it
        pdf_misc.read_non_whitespace = read_non_whitespace
        pdf_generic.read_non_whitespace = read_non_whitespace  # imported there by name
        generic_cms.extract_certs_for_validation = extract_certs_for_validation
        generic_cms._check_signing_certificate = check_signing_certificate
        generic_cms._enforce_algorithm_usage = enforce_algorithm_usage
        generic_cms.validate_sig_integrity = validate_sig_integrity  # as cms_basic_validation calls it
        cms.CMSAttributes.untag = attributes_untag
        cv_validate.default_permitted_subtrees = default_permitted_subtrees
        cv_validate.default_excluded_subtrees = default_excluded_subtrees
        x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
        x509.Name.__eq__ = name_eq
        asn1_core.ObjectIdentifier.dotted = property(oid_dotted)
        _installed = True
