"""Every table of the application, gathered on one metadata for Alembic and the agreement test."""

from engine import models as _engine_models  # noqa: F401 - registers the engine's tables
from engine.db import Base

from .accounts import models as _account_models  # noqa: F401 - registers the account tables
from .exchange import models as _exchange_models  # noqa: F401 - registers the exchange tables

metadata = Base.metadata
