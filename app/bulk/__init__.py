"""Bulk signing of case records: a leader's key or the organisation's seal on many cases at once.

What it is for: a school's digital records (học bạ, bảng điểm, quyết định) are produced case by case,
then signed in one sitting by the principal and sealed by the văn thư. ``quytrinh sign --batch --cases``
selects cases (:mod:`.selection`), signs each case's latest result document with the same code the
procedures use (``SigningOperators.apply_signature``), stores the signed PDF as a new case document and
appends ``signature_applied`` to the case's audit trail (:mod:`.signer`).

Why it can be interrupted and run again: each case is signed outside any transaction, then written in
one short transaction that re-checks, under the case's lock, that the document it signed is still the
latest and was not signed by the same role and signer meanwhile; document and audit event commit
together or not at all. A case already holding that signature is skipped, so no case is signed twice.
"""

from .selection import CaseFilter, parse_filter
from .signer import BulkReport, BulkSigner, BulkSigningError

__all__ = ["BulkReport", "BulkSigner", "BulkSigningError", "CaseFilter", "parse_filter"]
