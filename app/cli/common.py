"""Helpers shared by the CLI commands: the container, the acting user, output and errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from engine import Actor, EngineError

from ..accounts import AccountError
from ..config import SettingsError
from ..container import Container


def container() -> Container:
    try:
        return Container.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def actor(c: Container, user: str) -> Actor:
    try:
        return c.accounts.actor(user)
    except AccountError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None


@contextmanager
def reasons() -> Iterator[None]:
    """Turn expected failures into a one-line reason and a non-zero exit."""
    try:
        yield
    except EngineError as exc:
        raise click.ClickException(describe(exc)) from None
    except AccountError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from None


def describe(exc: EngineError) -> str:
    """One line for the error, then one line per located problem of a refused model."""
    details = exc.details
    if isinstance(details, list) and details and hasattr(details[0], "to_dict"):
        lines = [f"{exc.message_vi} / {exc.message_en}"]
        for p in (d.to_dict() for d in details):
            where = f"{p.get('file') or ''}:{p.get('line') or ''} [{p.get('element_id') or '-'}]"
            lines.append(f"  {where} {p.get('message_vi')} / {p.get('message_en')}")
        return "\n".join(lines)
    detail = f" {json.dumps(details, ensure_ascii=False, default=str)}" if details else ""
    return f"{exc.message_vi} / {exc.message_en}{detail}"


def parse_json(value: str | None, what: str = "--data") -> dict[str, Any]:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError as exc:
        raise click.BadParameter(f"JSON không hợp lệ / invalid JSON: {exc}", param_hint=what) from None
    if not isinstance(data, dict):
        raise click.BadParameter("phải là một đối tượng JSON / must be a JSON object", param_hint=what)
    return data


def emit(value: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    if as_json:
        click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    else:
        human(value)


json_option = click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON / print JSON")
as_option = click.option("--as", "as_user", required=True, metavar="USER", help="Người thực hiện / acting user")
