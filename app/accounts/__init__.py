"""Users, roles within organisational units, passwords and API tokens."""

from .models import ApiToken, OrgUnit, User, UserRole
from .service import AccountError, Accounts

__all__ = ["AccountError", "Accounts", "ApiToken", "OrgUnit", "User", "UserRole"]
