"""PDF signature validation against the national trust store, with ETSI-style verdicts.

Entry points: :func:`validate_pdf` (bytes in, :class:`DocumentReport` out), :func:`load_policy`,
:func:`render_text` (Vietnamese/English text), and :func:`extend_to_lta`.
"""

from signing.validation import speedups
from signing.validation.document import async_validate_pdf, validate_pdf
from signing.validation.errors import ValidationInputError
from signing.validation.policy import ValidationPolicy, load_policy
from signing.validation.report import DocumentReport, Indication, SignatureReport

speedups.install()  # exact, faster pyHanko hex-string reading and signer lookup (see the module)

__all__ = ["DocumentReport", "Indication", "SignatureReport", "ValidationInputError", "ValidationPolicy",
           "async_validate_pdf", "load_policy", "validate_pdf"]
