"""PDF signature validation against the national trust store, with ETSI-style verdicts.

Entry points: :func:`validate_pdf` (bytes in, :class:`DocumentReport` out), :func:`load_policy`,
:func:`render_text` (Vietnamese/English text), and :func:`extend_to_lta`.
"""

from signing.validation.document import async_validate_pdf, validate_pdf
from signing.validation.errors import ValidationInputError
from signing.validation.policy import ValidationPolicy, load_policy
from signing.validation.report import DocumentReport, Indication, SignatureReport

__all__ = ["DocumentReport", "Indication", "SignatureReport", "ValidationInputError", "ValidationPolicy",
           "async_validate_pdf", "load_policy", "validate_pdf"]
