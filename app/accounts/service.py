"""Account operations: create users, check passwords (argon2), issue and check API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import ROLES, Actor
from engine.db import transaction

from .models import ApiToken, OrgUnit, User, UserRole

_hasher = PasswordHasher()


class AccountError(ValueError):
    def __init__(self, message_vi: str, message_en: str, code: str = "account_error") -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en, self.code = message_vi, message_en, code


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

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
        with transaction(self.sessions) as s:
            user = s.get(User, user_id)
            if user is None or not user.active:
                raise AccountError(f"Không có tài khoản '{user_id}'", f"No such user '{user_id}'", "no_user")
            rows = s.scalars(select(UserRole).where(UserRole.user_id == user_id)).all()
            roles = frozenset(r.role for r in rows)
            units = frozenset(r.unit for r in rows if r.unit)
            return Actor(user.id, roles, units, user.full_name)

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
        with transaction(self.sessions) as s:
            row = s.scalars(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).first()
            user_id = row.user_id if row is not None and not row.revoked else None
        if user_id is None:
            raise AccountError("Mã truy cập không hợp lệ", "Invalid API token", "bad_token")
        return self.actor(user_id)

    def revoke_token(self, token: str) -> None:
        with transaction(self.sessions) as s:
            row = s.scalars(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).first()
            if row is not None:
                row.revoked = True
