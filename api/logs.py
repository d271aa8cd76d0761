"""The gateway's logs: one JSON object a line (``log_format=json``, the default) or plain text.

Every record carries ``time`` (ISO 8601 UTC), ``level``, ``logger``, ``message`` and the
``request_id`` of the request it was written for (``X-Request-ID``, see :mod:`api.access`; absent
outside a request), plus the record's extra fields (the access log's ``method``, ``path``,
``route``, ``status``, ``duration_ms``, ``client``, ``principal``). The JSON rendering is
``python-json-logger``'s. uvicorn's own loggers go through the same handler; uvicorn's access log
is off (the access log is :mod:`api.access`'s).
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from api.access import REQUEST_ID

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the request being served, or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or None
        return True


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The :func:`logging.config.dictConfig` of the gateway (root, uvicorn and aeo_ledger loggers)."""
    formatter: dict[str, Any]
    if log_format == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 UTC of the record's creation
        }
    else:
        formatter = {"format": _TEXT_FORMAT}
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"gateway": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "gateway",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


def configure_logging(log_format: str, level: str) -> None:
    """Install :func:`logging_config` now (``aeo-ledger serve`` hands it to uvicorn instead)."""
    logging.config.dictConfig(logging_config(log_format, level))
