"""Vigie's local dev stack: real Kafka, FerretDB (MongoDB wire protocol) and a mail sink,
started as plain processes (no Docker) with everything under one stack dir.

From a pytest fixture::

    from vigie_stack import StackConfig, ensure_up

    ensure_up()  # or ensure_up(["kafka", "mongo"])
    cfg = StackConfig.from_env()  # cfg.kafka_bootstrap, cfg.mongo_url, cfg.mail_api_url
"""

from .config import StackConfig
from .stack import (
    NAMES,
    ComponentStatus,
    DownResult,
    StackError,
    UpResult,
    down,
    ensure_up,
    status,
    up,
    wait_ready,
    with_extras,
)

__all__ = [
    "NAMES",
    "ComponentStatus",
    "DownResult",
    "StackConfig",
    "StackError",
    "UpResult",
    "down",
    "ensure_up",
    "status",
    "up",
    "wait_ready",
    "with_extras",
]
