"""The headers of a dead-lettered record: written by every dead-letter path, read by operators.

A record on `<topic>.dlq` carries where it came from (topic, partition, offset, so it can be
found and replayed), how many attempts were made, why it failed and when; a delivery that
failed in the outbox also names its delivery key. A replayed record names the dead letter it
came from. Values are strings; the error is cut to `MAX_ERROR_CHARS`.
"""

from __future__ import annotations

from shared.clock import utc_now

SOURCE_TOPIC = "x-vigie-source-topic"
SOURCE_PARTITION = "x-vigie-source-partition"
SOURCE_OFFSET = "x-vigie-source-offset"
ATTEMPTS = "x-vigie-attempts"
ERROR = "x-vigie-error"
FAILED_AT = "x-vigie-failed-at"
DELIVERY_KEY = "x-vigie-delivery-key"
REPLAYED_FROM = "x-vigie-replayed-from"
MAX_ERROR_CHARS = 2000


def dead_letter_headers(
    *,
    topic: str,
    partition: str,
    offset: str,
    attempts: int,
    error: str,
    delivery_key: str | None = None,
) -> dict[str, str]:
    """The headers of one dead letter, failed now."""
    headers = {
        SOURCE_TOPIC: topic,
        SOURCE_PARTITION: partition,
        SOURCE_OFFSET: offset,
        ATTEMPTS: str(attempts),
        ERROR: error[:MAX_ERROR_CHARS],
        FAILED_AT: utc_now().isoformat(),
    }
    if delivery_key is not None:
        headers[DELIVERY_KEY] = delivery_key
    return headers
