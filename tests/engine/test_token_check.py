"""The per-request token check (app/accounts/service.py): one query, then a short per-process cache.

Every API request asks ``Accounts.actor_for_token``; the answer is kept for ``actor_ttl`` seconds.
Revoking in the same process takes effect at once; a change made elsewhere (another worker, the
CLI) is seen once the entry expires.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event, update

from app.accounts import AccountError, Accounts
from app.accounts.models import User, UserRole
from engine import transaction


def count_queries(container, work) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.split()[0].upper() == "SELECT":
            seen.append(statement)

    event.listen(container.db, "before_cursor_execute", log)
    try:
        work()
    finally:
        event.remove(container.db, "before_cursor_execute", log)
    return len(seen)


def test_a_token_is_checked_with_one_query_then_answered_from_the_cache(container):
    acc = container.accounts
    acc.create_user("cv9", "mat-khau-dai", [("clerk", "PDT"), ("leader", "BGH")], full_name="Chuyên viên 9")
    token = acc.issue_token("cv9")
    actors = []
    assert count_queries(container, lambda: actors.append(acc.actor_for_token(token))) == 1
    assert count_queries(container, lambda: actors.append(acc.actor_for_token(token))) == 0
    assert actors[0] == actors[1]
    assert (actors[0].user_id, actors[0].roles, actors[0].units, actors[0].display_name) == (
        "cv9", frozenset({"clerk", "leader"}), frozenset({"PDT", "BGH"}), "Chuyên viên 9")


def test_revoking_in_this_process_refuses_the_token_at_once(container):
    acc = container.accounts
    acc.create_user("cv9", "mat-khau-dai", [("clerk", "PDT")])
    token = acc.issue_token("cv9")
    acc.actor_for_token(token)
    acc.revoke_token(token)
    with pytest.raises(AccountError) as refused:
        acc.actor_for_token(token)
    assert refused.value.code == "bad_token"
    with pytest.raises(AccountError):
        acc.actor_for_token("qt_never-issued")


def test_changes_made_by_another_process_are_seen_once_the_entry_expires(container):
    acc = Accounts(container.sessions, actor_ttl=0.3)
    acc.create_user("cv9", "mat-khau-dai", [("clerk", "PDT")])
    user_token, other_token = acc.issue_token("cv9"), acc.issue_token("cv9")
    assert acc.actor_for_token(user_token).roles == {"clerk"}
    elsewhere = Accounts(container.sessions)  # e.g. the other gunicorn worker, or the CLI
    elsewhere.revoke_token(other_token)
    with transaction(container.sessions) as s:
        s.add(UserRole(user_id="cv9", role="leader", unit=None))
    assert acc.actor_for_token(user_token).roles == {"clerk"}  # still the cached answer
    time.sleep(0.35)
    assert acc.actor_for_token(user_token).roles == {"clerk", "leader"}
    with pytest.raises(AccountError):
        acc.actor_for_token(other_token)  # never checked here before: the database says revoked
    with transaction(container.sessions) as s:
        s.execute(update(User).where(User.id == "cv9").values(active=False))
    time.sleep(0.35)
    with pytest.raises(AccountError):
        acc.actor_for_token(user_token)
    with pytest.raises(AccountError):
        acc.actor("cv9")


def test_a_user_without_roles_is_an_actor_with_none(container):
    acc = container.accounts
    acc.create_user("nobody", "mat-khau-dai", [])
    assert acc.actor("nobody").roles == frozenset()
    assert acc.actor_for_token(acc.issue_token("nobody")).roles == frozenset()
