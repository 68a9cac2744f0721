"""WSGI entry point: ``gunicorn -w 4 -k gthread --threads 2 'app.wsgi:app'``.

Settings come from the environment (``QUYTRINH_*`` or ``QUYTRINH_SETTINGS_FILE``) and are validated
when the worker starts, so a bad value stops it with one clear line instead of failing per request.
With several workers set ``QUYTRINH_SECRET_KEY``: otherwise each worker signs session cookies with its
own random key and a browser session only works on the worker that created it (API tokens are fine).

Sizing (benchmarks/http.py measures both databases): about two workers per core, ``gthread`` with two
threads each, so a worker keeps client connections alive and overlaps one request's database wait
with another's Python work. On PostgreSQL the workers write in parallel (each holds at most
``threads`` pooled connections, well inside the pool of 10 + 10 per process). On SQLite there is one
writer at a time: more workers only queue on the write lock, which engine/db.py hands over by
polling every millisecond rather than SQLite's sleeps of up to 100 ms. An API token is checked once
per process every 10 s (app/accounts/service.py), so a token revoked through another worker keeps
working there for at most that long.
"""

from __future__ import annotations

from .factory import create_app

app = create_app()
