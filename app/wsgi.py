"""WSGI entry point: ``gunicorn -w <cores> -k gthread --threads 2 'app.wsgi:app'`` (``-w 1`` on SQLite).

Settings come from the environment (``QUYTRINH_*`` or ``QUYTRINH_SETTINGS_FILE``) and are validated
when the worker starts, so a bad value stops it with one clear line instead of failing per request.
Without ``QUYTRINH_SECRET_KEY`` the session key is made once in the data folder and shared by every
worker (app/factory.py), so a browser session works on any of them.

Sizing (benchmarks/http.py measures both databases; a step is Python-bound): ``gthread`` with two
threads per worker, so a worker keeps client connections alive and overlaps one request's database
wait with another's Python work. On PostgreSQL use one worker per core (on 2 cores: 2 workers served
223 completions/s, 4 workers 165/s: more processes than cores only share the same CPUs). On SQLite
use ONE worker: there is one writer at a time and further processes only queue on its lock (1 worker
224/s with p95 58 ms, 4 workers about 150/s with p95 over 110 ms); engine/db.py hands that lock over
by polling every millisecond rather than SQLite's sleeps of up to 100 ms. An API token is checked
once per process every 10 s (app/accounts/service.py), so a token revoked through another worker
keeps working there for at most that long.
"""

from __future__ import annotations

from .factory import create_app

app = create_app()
