"""Keeping full client IPs out of the logs when IP anonymisation is on.

EventLayer's own log lines carry only anonymised addresses. uvicorn logs each WebSocket handshake at INFO as
``<host>:<port> - "WebSocket /ws" [accepted]`` (uvicorn 0.35-0.55, protocols/websockets/*_impl.py), with the
peer's full address, so ``AnonymizingFilter`` rewrites that argument.
"""

from __future__ import annotations

import logging

from eventlayer.enrich import anonymize_ip

# The logger uvicorn writes its WebSocket handshake lines to.
UVICORN_LOGGER = "uvicorn.error"


def anonymize_address(address: object) -> object:
    """Turn uvicorn's ``host:port`` client address (``"%s:%d" % client``, so an IPv6 host has no brackets)
    into the anonymised host without the port; return anything that is not an address unchanged."""
    if not isinstance(address, str) or ":" not in address:
        return address
    host = address.rsplit(":", 1)[0]
    try:
        return anonymize_ip(host)
    except ValueError:
        return address


class AnonymizingFilter(logging.Filter):
    """Anonymises the client address that uvicorn passes as the first argument of its WebSocket lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith('%s - "WebSocket') and record.args:
            args = tuple(record.args)
            record.args = (anonymize_address(args[0]), *args[1:])
        return True


def install_log_filter(anonymize: bool) -> None:
    """Add the filter to uvicorn's logger when ``anonymize`` is on; call it after uvicorn has set up logging."""
    if anonymize:
        logging.getLogger(UVICORN_LOGGER).addFilter(AnonymizingFilter())
