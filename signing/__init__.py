"""PAdES signing and validation. Bytes and settings in, bytes and a report out.

Signing API (no engine, no Flask, no database):

* ``signing.pades.sign_pdf(pdf_bytes, key_source, SignatureRequest(...), SigningServices(...))``
  → ``SignedResult(pdf_bytes, info, warnings)``; levels B-B, B-T, B-LT, B-LTA; raises
  ``signing.errors.SigningError`` subclasses (code, message_vi, message_en, details).
* ``signing.settings``: ``SignatureRequest``, ``SignatureLevel``, ``Appearance``/``AppearanceKind``
  (Decree 30/2020 person / seal / attachment), ``Box``, ``DocMdp``, ``SignatureInfo``.
* ``signing.services.SigningServices``: trust roots, TSA URL (or in-process timestamper), revocation
  check, timeouts, size limit.
* ``signing.keys``: ``pkcs12.Pkcs12KeySource``, ``pkcs11.Pkcs11KeySource``, ``memory.InMemoryKeySource``,
  ``remote.RemoteKeySource`` + ``RemoteSigningService`` (all ``KeySource``).
* ``signing.ltv.extend_to_lta(pdf_bytes, services, level)``: validation data for every signature + document
  timestamp (the one implementation; ``signing.validation.extend.extend_to_lta`` adapts it to a trust store).
* ``signing.fields.prepare_signature_fields``: empty fields for later signers; ``signing.batch.sign_folder``:
  resumable folder signing.
* ``signing.testing``: the test PKI and loopback OCSP/CRL/TSA server (see its docstring).

Validation lives in ``signing.validation`` and trust stores in ``signing.trust``.
"""
