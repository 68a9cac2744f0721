"""Policies read once are reused only while the files they came from are unchanged."""

from __future__ import annotations

import json
import os

import pytest

from signing.validation import ValidationInputError, load_policy
from signing.validation.policy import _builtin_dir


def _write(path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def _algorithms(sha1_not_after: str) -> dict:
    table = json.loads((_builtin_dir() / "algorithms.json").read_text(encoding="utf-8"))
    table["digests"]["sha1"]["not_after"] = sha1_not_after
    return table


def test_builtin_policies_are_read_once():
    assert load_policy("strict") is load_policy("strict")
    assert load_policy("lenient") is load_policy("lenient") and load_policy("lenient").name == "lenient"


def test_a_changed_policy_file_is_read_again(tmp_path):
    path = tmp_path / "mine.json"
    _write(path, {"name": "mine", "max_embedded_certificates": 5})
    first = load_policy(path)
    assert load_policy(path) is first and load_policy(str(path)) is first
    _write(path, {"name": "mine-2", "max_embedded_certificates": 7})
    os.utime(path, ns=(1, 1))  # a different time even on coarse clocks
    second = load_policy(path)
    assert (second.name, second.max_embedded_certificates) == ("mine-2", 7)


def test_the_algorithm_table_it_refers_to_is_watched_too(tmp_path):
    path = tmp_path / "mine.json"
    _write(path, {"name": "mine", "algorithms": "table.json"})
    builtin = load_policy(path).algorithms  # table.json absent: the built-in table
    assert builtin == load_policy("strict").algorithms
    _write(tmp_path / "table.json", _algorithms("2001-01-01"))
    own = load_policy(path).algorithms
    assert own != builtin and own.digests["sha1"].not_after.year == 2001
    _write(tmp_path / "table.json", _algorithms("2002-02-02"))
    os.utime(tmp_path / "table.json", ns=(2, 2))
    assert load_policy(path).algorithms.digests["sha1"].not_after.year == 2002
    (tmp_path / "table.json").unlink()
    assert load_policy(path).algorithms == builtin


def test_a_policy_file_gone_or_broken_after_being_read_is_an_error(tmp_path):
    path = tmp_path / "mine.json"
    _write(path, {"name": "mine"})
    load_policy(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValidationInputError):
        load_policy(path)
    path.unlink()
    with pytest.raises(ValidationInputError):
        load_policy(path)
