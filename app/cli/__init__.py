"""The ``quytrinh`` command line.

Commands live in modules named ``cmd_*.py`` beside this file; each defines ``register(group)``.
They are discovered here so that signing, exchange and engine commands can be added without
editing a shared file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="quytrinh")
def cli() -> None:
    """quytrinh: quy trình BPMN với chữ ký số / BPMN procedures with digital signatures."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(cli)


_register_commands()


def main() -> None:
    """Console-script entry point; turns expected errors into a one-line reason and exit 1."""
    import logging

    # Libraries chat at INFO/WARNING about things the commands already report in their own words.
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    cli.main(prog_name="quytrinh", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
