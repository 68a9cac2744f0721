"""Exchange rounds from the installation's settings: for the worker, ``quytrinh axis sync`` and tests.

``exchange_from_settings(container)`` builds the :class:`Exchange` the settings describe (endpoint,
system id, secret, the organisation's envelope key, the trust store for attachments), or returns
``None`` when ``axis_endpoint`` is empty, so a worker can call it unconditionally.

``python -m app.exchange.runner [--once] [--interval S]`` runs rounds in a loop with the settings
from the environment (``QUYTRINH_DATABASE_URL``, ``QUYTRINH_AXIS_ENDPOINT`` ...). Every round is safe to
cut anywhere: the fault test kills this process with SIGKILL at random moments.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from connectors.axis import AxisClient

from .security import (
    OrganisationEnvelope,
    attachment_validation_pool,
    attachment_validator,
    trusted_envelope_certs,
)
from .service import Exchange, RoundReport, round_trip

log = logging.getLogger(__name__)


def exchange_from_settings(container: Any, *, validate_attachments: bool = True,
                           validation_processes: int | None = None,
                           receiver_share: tuple[int, int] = (0, 1)) -> Exchange | None:
    """The installation's Exchange, or ``None`` when no axis endpoint is configured.

    ``validation_processes`` (default ``extra.axis_validation_processes``, else 1): worker processes
    validating PDF attachments beside the receiver; 0 validates in the receiver's own process.
    """
    s = container.settings
    if not s.axis_endpoint:
        return None
    client = AxisClient(s.axis_endpoint, s.axis_system_id, s.axis_secret, s.agency_code)
    envelope = OrganisationEnvelope(s)

    def sign(package: bytes) -> bytes:
        signer = envelope.signer()
        return signer(package) if signer is not None else package

    processes = validation_processes
    if processes is None:
        processes = int(s.extra.get("axis_validation_processes", 1))
    validator: Any = None
    if validate_attachments:
        validator = (attachment_validation_pool(container, processes=processes) if processes > 0
                     else attachment_validator(container))
    return Exchange(container, client, validator, sign=sign, trusted_certs=trusted_envelope_certs(s),
                    receiver_share=receiver_share)


def run_rounds(exchange: Exchange, *, once: bool = False, interval: float = 1.0,
               report: Callable[[RoundReport], None] | None = None,
               should_stop: Callable[[], bool] = lambda: False) -> RoundReport:
    """Send and receive until stopped; sleep ``interval`` after a round that moved nothing."""
    total = RoundReport()
    while True:
        got = round_trip(exchange)
        total.sent += got.sent
        total.received += got.received
        total.duplicates += got.duplicates
        total.refused += got.refused
        total.errors.extend(got.errors[-5:])
        if report is not None and (got.sent or got.received or got.duplicates or got.refused or got.errors):
            report(got)
        if once or should_stop():
            return total
        if not (got.sent or got.received or got.duplicates or got.refused):
            time.sleep(interval)


def _share(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': cần dạng I/N, ví dụ 0/2 / expected I/N, e.g. 0/2") from None
    if count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"'{text}': cần 0 <= I < N / expected 0 <= I < N")
    return index, count


def main(argv: list[str] | None = None) -> int:
    from ..container import Container

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument("--interval", type=float, default=None, help="seconds between idle rounds")
    parser.add_argument("--no-validate", action="store_true", help="do not validate PDF attachments")
    parser.add_argument("--share", type=_share, default=(0, 1), metavar="I/N",
                        help="receive only share I of N of the waiting DocIds (several receivers, see claims)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    container = Container.from_env()
    exchange = exchange_from_settings(container, validate_attachments=not args.no_validate,
                                      receiver_share=args.share)
    if exchange is None:
        print("QUYTRINH_AXIS_ENDPOINT chưa đặt / not set", file=sys.stderr)
        return 2
    interval = args.interval if args.interval is not None else container.settings.worker_interval
    run_rounds(exchange, once=args.once, interval=interval,
               report=lambda r: print(json.dumps(r.to_dict(), ensure_ascii=False), flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
