"""The hub's header view answers as Werkzeug's ``EnvironHeaders`` answers, on ordinary and odd environs."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import EnvironHeaders

from connectors.axis.hub import RequestHeaders

ENVIRONS = [
    {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "12", "HTTP_XROADVNPT_SYSTEMID": "ctu",
     "HTTP_XROADVNPT_HASH_HEADER": "ab", "HTTP_USER_AGENT": "x", "REQUEST_METHOD": "POST", "wsgi.input": None},
    {"CONTENT_TYPE": "", "CONTENT_LENGTH": "", "HTTP_CONTENT_TYPE": "text/plain", "HTTP_CONTENT_LENGTH": "3",
     "HTTP_X_ODD-NAME": "v", "HTTP_xroadvnpt_lower": "w", "HTTP_": "empty", "HTTP_\u00dfNAME": "sharp"},
    {},
]
NAMES = ["XroadVnpt-systemid", "xroadvnpt-hash-header", "XROADVNPT_SYSTEMID", "Content-Type", "content-length",
         "Content_Type", "User-Agent", "X-Odd-Name", "X_ODD-NAME", "xroadvnpt-lower", "", "Missing", "\u00dfname"]


@pytest.mark.parametrize("environ", ENVIRONS)
def test_get_and_keys_are_werkzeugs(environ: dict) -> None:
    ours, theirs = RequestHeaders(environ), EnvironHeaders(environ)
    for name in NAMES:
        assert ours.get(name) == theirs.get(name)
        assert ours.get(name, "default") == theirs.get(name, "default")
    assert list(ours.keys()) == list(theirs.keys())


def test_keys_are_werkzeugs_on_many_random_environs() -> None:
    """Random environs (HTTP_ keys, body keys empty or not, other keys, odd characters), each read twice:
    the second read takes the names from the kept ones."""
    import random

    rng = random.Random(7)
    alphabet = "ABCxyz_-09\u00df\u0130 "
    fixed = ["CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_XROADVNPT_SIGN_HEADER",
             "REQUEST_METHOD", "wsgi.input", "HTTP_", "SERVER_NAME", "HTTP_USER_AGENT"]
    for _ in range(400):
        environ = {}
        for _ in range(rng.randint(0, 25)):
            if rng.random() < 0.4:
                key = rng.choice(fixed)
            else:
                key = rng.choice(["HTTP_", "", "CONTENT_", "X"]) + "".join(rng.choices(alphabet, k=rng.randint(0, 8)))
            environ[key] = rng.choice(["", "v", "application/json"])
        ours, theirs = RequestHeaders(environ), EnvironHeaders(environ)
        assert ours.keys() == list(theirs.keys()) == ours.keys()
