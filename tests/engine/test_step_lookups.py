"""The stepper's look-up for pending messages, with one bound parameter per name and key, against the
expanding statement it replaces, on a set of messages of every status, name and key."""

from __future__ import annotations

import itertools
from typing import Any

from engine import transaction
from engine.models import InboxMessage
from engine.runtime.stepper import _ANY_PENDING_MESSAGE, _pending_message_query

NAMES = ["paid", "reply", "axis_document_changed", "Thông báo"]
KEYS = ["1", "2", "17", "doc-1", "", "hồ sơ"]


def test_the_fixed_parameter_look_up_answers_as_the_expanding_one(container: Any) -> None:
    with transaction(container.sessions) as s:
        for i, (name, key, status) in enumerate(itertools.product(NAMES[:3], KEYS[:4],
                                                                  ["pending", "delivered", "expired"])):
            if i % 4 != 1:  # leave some combinations without any message
                s.add(InboxMessage(name=name, correlation_key=key, status=status, payload={}))
    with transaction(container.sessions) as s:
        conn = s.connection()
        compared = 0
        for n, k in itertools.product(range(1, 4), range(1, 4)):
            for names in itertools.combinations(NAMES, n):
                for keys in itertools.combinations(KEYS, k):
                    statement, params = _pending_message_query(sorted(names), sorted(keys))
                    assert statement is not _ANY_PENDING_MESSAGE
                    expected = conn.execute(_ANY_PENDING_MESSAGE, {"names": sorted(names),
                                                                   "keys": sorted(keys)}).first()
                    assert (conn.execute(statement, params).first() is None) == (expected is None), (names, keys)
                    compared += 1
        assert compared > 200
        many = [f"k{i}" for i in range(20)] + ["1"]
        statement, params = _pending_message_query(["paid"], sorted(many))
        assert statement is _ANY_PENDING_MESSAGE  # more than a few keys: the expanding statement
        assert conn.execute(statement, params).first() is not None
