"""Key sources: PKCS#12 files, PKCS#11 tokens, keys in memory, remote signing services.

Everything that signs takes a :class:`~signing.keys.base.KeySource`; see ``base.py`` for why.
"""
