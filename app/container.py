"""The composed application: settings, database, engine, accounts and wired operators.

Both the Flask app and the CLI build one of these; nothing reaches for globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import ProcessEngine, ServiceRegistry, make_engine, make_session_factory

from .accounts import Accounts
from .config import Settings, load_settings


@dataclass
class Container:
    settings: Settings

    @classmethod
    def from_env(cls, **overrides: object) -> Container:
        return cls(load_settings(overrides=overrides or None))

    @cached_property
    def db(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.db)

    @cached_property
    def readers(self) -> sessionmaker[Session]:
        return make_session_factory(self.db, readonly=True)

    @cached_property
    def registry(self) -> ServiceRegistry:
        from .wiring import build_registry

        return build_registry(self)

    @cached_property
    def engine(self) -> ProcessEngine:
        return ProcessEngine(self.sessions, self.registry, self.readers)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.sessions)

    def dispose(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
