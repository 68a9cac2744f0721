"""WSGI entry point: ``gunicorn -w 2 'app.wsgi:app'``.

Settings come from the environment (``QUYTRINH_*`` or ``QUYTRINH_SETTINGS_FILE``) and are validated
when the worker starts, so a bad value stops it with one clear line instead of failing per request.
With several workers set ``QUYTRINH_SECRET_KEY``: otherwise each worker signs session cookies with its
own random key and a browser session only works on the worker that created it (API tokens are fine).
"""

from __future__ import annotations

from .factory import create_app

app = create_app()
