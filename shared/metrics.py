"""Vigie's domain metrics (Prometheus), defined once and shared by the three services.

Every series lives in prometheus-client's default registry, the one `shared.kafka.broker` gives
FastStream's `KafkaPrometheusMiddleware`, so one `GET /metrics` (`exposition`) shows the
`faststream_*` series and these together. Each service process has its own registry; a test
that runs several services in one process sees their series summed, as Prometheus would after a
`sum by` over instances.

Label values are bounded: sources, outcomes, kinds, channels and statuses are enums of the
contracts; a rejection's reason is one word of `RejectionReason`, never the free text a client
sent; a topic is one of the topics Vigie creates.

The names are the contract of issue 10 (alert rules and the dashboard read them):
- `vigie_tenders_total{source,outcome,reason}`: tenders ingest answered, by outcome.
- `vigie_matches_total{kind}`: match events the matcher published.
- `vigie_matcher_index_profiles`, `vigie_matcher_index_build_seconds`,
  `vigie_matcher_index_refreshed_timestamp_seconds`: the profile index's size, how long its last
  full build took, and when that build ended (unix time; `time() - x` is the refresh age).
- `vigie_deliveries_total{channel,status}`: delivery outcomes the notifier published.
- `vigie_dead_letters_total{topic}`: messages sent to `<topic>.dlq`.
- `vigie_provider_call_seconds{channel}`: one call to the SMTP server or the SMS provider.
- `vigie_end_to_end_seconds{channel}`: a tender accepted at ingest → an alert about it accepted
  by the SMTP server or SMS provider.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "DEAD_LETTERS",
    "DELIVERIES",
    "END_TO_END_SECONDS",
    "INDEX_BUILD_SECONDS",
    "INDEX_PROFILES",
    "INDEX_REFRESHED",
    "MATCHES",
    "PROVIDER_CALL_SECONDS",
    "REGISTRY",
    "TENDERS",
    "RejectionReason",
    "TenderSource",
    "count_tender",
    "exposition",
    "observe_end_to_end",
    "rejection_reason",
]


class TenderSource(StrEnum):
    """Where a tender came in: the publishers' API, a notice file, a watched feed."""

    API = "api"
    FILE = "file"
    FEED = "feed"


class RejectionReason(StrEnum):
    """Why a tender was refused, in a few words an alert can group by."""

    INVALID = "invalid"  # not a tender (or OCDS document) of the contract
    TEXT = "text"  # control characters or escape sequences in a text
    CODE = "code"  # a classification code that cannot exist in its scheme
    TERRITORY = "territory"  # a territory code Vigie does not know
    DEADLINE = "deadline"  # passed, or not after the publication date
    SCOPE = "scope"  # outside the API key's sources or buyers
    CANCELLED = "cancelled"  # the tender was cancelled: it takes no more changes


# The `type` of each refusal the API's door raises (ingest.api._refusals) → its reason.
_REFUSAL_TYPES = {
    "control_character": RejectionReason.TEXT,
    "code": RejectionReason.CODE,
    "territory": RejectionReason.TERRITORY,
    "deadline_passed": RejectionReason.DEADLINE,
    "deadline_before_publication": RejectionReason.DEADLINE,
}


def rejection_reason(error_types: Iterable[str]) -> RejectionReason:
    """The reason of a 422: the first refusal of the door among the errors, else `invalid`."""
    for error_type in error_types:
        if error_type in _REFUSAL_TYPES:
            return _REFUSAL_TYPES[error_type]
    return RejectionReason.INVALID


TENDERS = Counter(
    "vigie_tenders",
    "Tenders ingest answered, by source, outcome (accepted, amended, unchanged, cancelled, "
    "rejected) and, for a rejection, its reason",
    ["source", "outcome", "reason"],
)
MATCHES = Counter("vigie_matches", "Match events the matcher published, by kind", ["kind"])
INDEX_PROFILES = Gauge("vigie_matcher_index_profiles", "Alert profiles in the matcher's index")
INDEX_BUILD_SECONDS = Gauge(
    "vigie_matcher_index_build_seconds", "How long the last full build of the profile index took"
)
INDEX_REFRESHED = Gauge(
    "vigie_matcher_index_refreshed_timestamp_seconds",
    "Unix time the last full build of the profile index ended",
)
DELIVERIES = Counter(
    "vigie_deliveries",
    "Delivery outcomes the notifier published, by channel and status",
    ["channel", "status"],
)
DEAD_LETTERS = Counter(
    "vigie_dead_letters",
    "Messages sent to a dead-letter topic, by the topic they came from",
    ["topic"],
)
PROVIDER_CALL_SECONDS = Histogram(
    "vigie_provider_call_seconds",
    "One call to the SMTP server or the SMS provider (success or failure)",
    ["channel"],
)
END_TO_END_SECONDS = Histogram(
    "vigie_end_to_end_seconds",
    "A tender accepted at ingest to an alert about it accepted by the SMTP server or SMS provider",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 4 * 3600, 24 * 3600),
)


def count_tender(source: TenderSource, outcome: str, reason: RejectionReason | None = None) -> None:
    TENDERS.labels(source.value, outcome, reason.value if reason else "").inc()


def index_built(profiles: int, seconds: float) -> None:
    """A full build of the profile index ended now."""
    INDEX_PROFILES.set(profiles)
    INDEX_BUILD_SECONDS.set(seconds)
    INDEX_REFRESHED.set(time.time())


def observe_end_to_end(channel: str, accepted_at: datetime | None, now: datetime) -> None:
    """Observe the time from ingest's acceptance to `now`; nothing for a match that does not
    carry it (an event written before it was carried). Clocks of two machines: a negative
    difference (skew) counts as zero."""
    if accepted_at is None:
        return
    END_TO_END_SECONDS.labels(channel).observe(max(0.0, (now - accepted_at).total_seconds()))


def exposition(registry: CollectorRegistry = REGISTRY) -> tuple[bytes, str]:
    """The registry in Prometheus's text format, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
