"""Account operations: create users, check passwords (argon2), issue and check API tokens.

Every API request checks its token, so that check is one read-only query (token, user and roles
joined; on SQLite it does not queue behind writers) and its answer is kept in this process for
``ACTOR_TTL_SECONDS`` (10 s). Revoking a token here drops it from this process's cache at once;
another process (a second gunicorn worker) keeps accepting a revoked token, or a user's old roles,
for at most that long. Unknown and revoked tokens are never cached.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterable
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import ROLES, Actor
from engine.db import transaction

from .models import ApiToken, OrgUnit, User, UserRole

_hasher = PasswordHasher()

#: How long (seconds) a process trusts a token it checked: see the module docstring.
ACTOR_TTL_SECONDS = 10.0
#: Bound on cached tokens per process; expired entries are dropped when it is reached.
ACTOR_CACHE_SIZE = 10_000

_ACTOR_BY_TOKEN = (select(User.id, User.active, User.full_name, ApiToken.revoked, UserRole.role, UserRole.unit)
                   .join(ApiToken, ApiToken.user_id == User.id)
                   .outerjoin(UserRole, UserRole.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("digest")))
_ACTOR_BY_ID = (select(User.id, User.active, User.full_name, UserRole.role, UserRole.unit)
                .outerjoin(UserRole, UserRole.user_id == User.id)
                .where(User.id == bindparam("user_id")))


class AccountError(ValueError):
    def __init__(self, message_vi: str, message_en: str, code: str = "account_error") -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en, self.code = message_vi, message_en, code


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _actor_from_rows(rows: list) -> Actor | None:
    """An Actor from (user, role, unit) rows of one user; None for a missing or disabled user."""
    if not rows or not rows[0].active:
        return None
    roles = frozenset(r.role for r in rows if r.role)
    units = frozenset(r.unit for r in rows if r.unit)
    return Actor(rows[0].id, roles, units, rows[0].full_name)


class Accounts:
    def __init__(self, sessions: sessionmaker[Session], *, actor_ttl: float = ACTOR_TTL_SECONDS) -> None:
        self.sessions = sessions
        self.actor_ttl = actor_ttl
        self._actors: dict[str, tuple[float, Actor]] = {}
        self._actors_lock = threading.Lock()
        self._revocations = 0  # a check that started before a revocation must not cache its answer

    @cached_property
    def _reader(self) -> Engine:
        """The sessions' engine for reads that must not take SQLite's write lock."""
        bind = self.sessions.kw["bind"]
        return bind.execution_options(quytrinh_readonly=True)

    def ensure_unit(self, code: str, name_vi: str, name_en: str = "") -> None:
        with transaction(self.sessions) as s:
            if s.get(OrgUnit, code) is None:
                s.add(OrgUnit(code=code, name_vi=name_vi, name_en=name_en))

    def create_user(self, user_id: str, password: str, roles: Iterable[tuple[str, str | None]],
                    full_name: str = "", email: str = "") -> None:
        roles = list(roles)
        for role, _unit in roles:
            if role not in ROLES:
                raise AccountError(f"Vai trò không hợp lệ: {role}", f"Unknown role: {role}", "bad_role")
        if len(password) < 8:
            raise AccountError("Mật khẩu phải có ít nhất 8 ký tự", "Password must have at least 8 characters",
                               "weak_password")
        with transaction(self.sessions) as s:
            if s.get(User, user_id) is not None:
                raise AccountError(f"Tài khoản {user_id} đã tồn tại", f"User {user_id} already exists", "exists")
            s.add(User(id=user_id, full_name=full_name, email=email, password_hash=_hasher.hash(password)))
            s.flush()
            for role, unit in roles:
                if unit is not None and s.get(OrgUnit, unit) is None:
                    s.add(OrgUnit(code=unit, name_vi=unit))
                    s.flush()
                s.add(UserRole(user_id=user_id, role=role, unit=unit))

    def exists(self, user_id: str) -> bool:
        with transaction(self.sessions) as s:
            return s.get(User, user_id) is not None

    def actor(self, user_id: str) -> Actor:
        """The engine's view of a user: roles and units. Unknown or disabled users are refused."""
        with self._reader.connect() as conn:
            actor = _actor_from_rows(conn.execute(_ACTOR_BY_ID, {"user_id": user_id}).all())
        if actor is None:
            raise AccountError(f"Không có tài khoản '{user_id}'", f"No such user '{user_id}'", "no_user")
        return actor

    def authenticate(self, user_id: str, password: str) -> Actor:
        with transaction(self.sessions) as s:
            user = s.get(User, user_id)
            stored = user.password_hash if user is not None and user.active else None
        try:
            if stored is None:
                _hasher.hash(password)  # same cost whether or not the user exists
                raise VerificationError()
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise AccountError("Sai tên đăng nhập hoặc mật khẩu", "Wrong user name or password",
                               "bad_credentials") from None
        return self.actor(user_id)

    def issue_token(self, user_id: str, name: str = "") -> str:
        token = "qt_" + secrets.token_urlsafe(32)
        with transaction(self.sessions) as s:
            s.add(ApiToken(user_id=user_id, name=name, token_hash=_token_digest(token)))
        return token

    def actor_for_token(self, token: str) -> Actor:
        """Who holds ``token``: from this process's cache (see ``ACTOR_TTL_SECONDS``), else one query."""
        digest = _token_digest(token)
        now = time.monotonic()
        cached = self._actors.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        revocations = self._revocations
        with self._reader.connect() as conn:
            rows = conn.execute(_ACTOR_BY_TOKEN, {"digest": digest}).all()
        actor = None if not rows or rows[0].revoked else _actor_from_rows(rows)
        if actor is None:
            self._actors.pop(digest, None)
            raise AccountError("Mã truy cập không hợp lệ", "Invalid API token", "bad_token")
        if self.actor_ttl > 0:
            self._remember(digest, actor, now + self.actor_ttl, revocations)
        return actor

    def _remember(self, digest: str, actor: Actor, expires: float, revocations: int) -> None:
        with self._actors_lock:
            if revocations != self._revocations:
                return
            if len(self._actors) >= ACTOR_CACHE_SIZE:
                now = time.monotonic()
                for key in [k for k, (until, _) in self._actors.items() if until <= now]:
                    del self._actors[key]
                if len(self._actors) >= ACTOR_CACHE_SIZE:
                    self._actors.clear()
            self._actors[digest] = (expires, actor)

    def forget_cached_actors(self) -> None:
        """Drop every cached token check of this process (after changing users or roles)."""
        with self._actors_lock:
            self._revocations += 1
            self._actors.clear()

    def revoke_token(self, token: str) -> None:
        digest = _token_digest(token)
        with transaction(self.sessions) as s:
            row = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
            if row is not None:
                row.revoked = True
        with self._actors_lock:
            self._revocations += 1
            self._actors.pop(digest, None)
