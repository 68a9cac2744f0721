"""``quytrinh model check PATH``: validate a model package without deploying it."""

from __future__ import annotations

from pathlib import Path

import click

from .common import container, emit, json_option, reasons


def register(cli: click.Group) -> None:
    cli.add_command(model)


@click.group()
def model() -> None:
    """Mô hình quy trình / process models."""


@model.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@json_option
def check(path: Path, as_json: bool) -> None:
    """Kiểm tra mô hình, không triển khai / validate a model without deploying it."""
    from engine.modeling import load_model, read_package

    c = container()
    with reasons():
        loaded = load_model(read_package(path), known_operators=c.registry.names())
    out = {"code": loaded.code, "content_hash": loaded.content_hash, "process_id": loaded.process_id,
           "forms": sorted(loaded.forms), "warnings": [w.to_dict() for w in loaded.warnings]}

    def human(o: dict) -> None:
        click.echo(f"Hợp lệ / valid: {o['code']} ({o['process_id']}) {o['content_hash'][:12]}")
        for w in o["warnings"]:
            click.echo(f"  cảnh báo / warning [{w.get('element_id')}] {w.get('message_vi')}")
    emit(out, as_json, human)
