"""The AsyncAPI 3.0 document of Vigie's topics, generated from the services' FastStream brokers.

Each service's broker is built through its own composition root, never started, and FastStream
writes the document (`faststream.specification.AsyncAPI`). What FastStream cannot see is declared
here, on the broker of the service that does it:

- the services publish with `broker.publish(topic=...)`, which leaves no trace in a broker, so
  the topic each one produces, and each dead-letter topic, is declared as a publisher with its
  payload schema (the events of `shared.events`);
- the guarded consumers take the raw bytes on purpose (a poison record must never fail inside
  FastStream), so FastStream knows no payload for them: each receive operation is pointed at the
  channel of its topic, where the producer's message is described, and the empty placeholder is
  dropped. The result has one channel per topic, with its send and receive operations;
- FastStream 0.7 writes no message headers: the dead-letter headers (shared.kafka.dead_letter_
  headers) are added to the dead-letter messages.

The document is committed (`docs/asyncapi.json`, and ingest's packaged copy that `/asyncapi`
serves); a unit test fails when either differs from a fresh generation.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.specification import KafkaSubscriberSpecification
from faststream.kafka.subscriber.usecase import LogicSubscriber
from faststream.specification import AsyncAPI
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic.json_schema import SkipJsonSchema

from ingest.bootstrap import bootstrap_runtime
from ingest.settings import IngestSettings
from matcher.bootstrap import bootstrap as bootstrap_matcher
from matcher.settings import MatcherSettings
from notifier.bootstrap import bootstrap as bootstrap_notifier
from notifier.settings import NotifierSettings
from shared.events import (
    DELIVERIES_TOPIC,
    ENTERPRISES_TOPIC,
    MATCHES_TOPIC,
    TENDERS_TOPIC,
    DeliveryEvent,
    EnterpriseChanged,
    MatchEvent,
    TenderEvent,
)
from shared.kafka import dead_letter_headers as dlh
from shared.kafka.topics import dlq_topic

TITLE = "Vigie events"
# The document's server: the address of DESIGN.md's default settings.
DEVELOPMENT_KAFKA = "127.0.0.1:9092"
# The notifier refuses to build without a signing key; the document needs none.
_GENERATION_ONLY_KEY = "generation-only-key-never-used-to-sign"

DESCRIPTION = """\
Vigie's Kafka topics: tenders accepted by ingest, matches found by the matcher, and the
notifier's delivery outcomes, plus the enterprise changes that keep the matcher's index current.
Every event is JSON (a pydantic model of `shared.events`) carrying `event_id` and `occurred_at`;
a breaking change is a new topic (`.v2`), never an edit of these.

Every consumer commits only after its effect is durable; a record that cannot be parsed, or
still fails after its retries, goes to `<topic>.dlq` unchanged, with headers saying where it came
from and why (`vigie dlq list` reads them). `vigie dlq replay` sends such a record back to its
topic, unchanged, with one header: `x-vigie-replayed-from` (`<dlq>:<partition>:<offset>`)."""


@dataclass(frozen=True)
class Topic:
    name: str
    event: type[BaseModel]
    description: str


TOPICS = {
    TENDERS_TOPIC: Topic(
        TENDERS_TOPIC,
        TenderEvent,
        "Tenders accepted by ingest (published, amended, cancelled), keyed by tender uid "
        "(`{source}:{source_id}`): every revision of one tender lands on one partition, in order. "
        "Produced by ingest; consumed by the matcher (group `vigie-matcher`).",
    ),
    MATCHES_TOPIC: Topic(
        MATCHES_TOPIC,
        MatchEvent,
        "One event per (tender uid, revision, enterprise) that fits one of the enterprise's "
        "alert profiles, keyed by enterprise id. Produced by the matcher; consumed by the "
        "notifier (group `vigie-notifier`), which records a delivery per channel.",
    ),
    DELIVERIES_TOPIC: Topic(
        DELIVERIES_TOPIC,
        DeliveryEvent,
        "The outcome of one message on one channel (sent, deferred, failed, suppressed), keyed "
        "by enterprise id. Produced by the notifier for operations and statistics.",
    ),
    ENTERPRISES_TOPIC: Topic(
        ENTERPRISES_TOPIC,
        EnterpriseChanged,
        "This enterprise was written (created, changed, paused or deleted), keyed by enterprise "
        "id; the document in MongoDB is the truth. Produced by the notifier's preference centre "
        "and `vigie enterprises import`; read by every matcher instance (no consumer group: each "
        "holds the whole profile index).",
    ),
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class DeadLetterHeaders(BaseModel):
    """The Kafka headers of a dead-lettered record (all values are strings)."""

    model_config = ConfigDict(title="DeadLetterHeaders")

    source_topic: str = Field(alias=dlh.SOURCE_TOPIC, description="The topic it was read from.")
    source_partition: str = Field(
        alias=dlh.SOURCE_PARTITION, description="Its partition there (empty if unknown)."
    )
    source_offset: str = Field(
        alias=dlh.SOURCE_OFFSET, description="Its offset there (empty if unknown)."
    )
    attempts: str = Field(alias=dlh.ATTEMPTS, description="Attempts made, as a decimal number.")
    error: str = Field(
        alias=dlh.ERROR,
        description=f"Why it failed, cut to {dlh.MAX_ERROR_CHARS} characters.",
    )
    failed_at: str = Field(alias=dlh.FAILED_AT, description="When it failed, ISO 8601 UTC.")
    # Absent unless a send failed in the outbox (a header is absent, never null).
    delivery_key: str | SkipJsonSchema[None] = Field(
        None,
        alias=dlh.DELIVERY_KEY,
        description="The delivery's idempotency key, when a send failed in the notifier's outbox.",
        json_schema_extra=_no_default,
    )


def _dead_letter_description(topic: Topic, writer: str) -> str:
    return (
        f"Records of `{topic.name}` that could not be parsed or still failed after their "
        f"retries, unchanged (so they can be replayed), with the dead-letter headers. {writer} "
        f"The payload is usually a `{topic.event.__name__}`; a poison record is whatever bytes "
        "it was."
    )


DEAD_LETTER_WRITERS = {
    TENDERS_TOPIC: "Written by the matcher.",
    MATCHES_TOPIC: "Written by the notifier: by its consumer, and by its outbox when a send "
    "fails for good (then with `x-vigie-delivery-key`; a digest's payload is "
    '`{"digest": key, "items": [...]}`).',
    DELIVERIES_TOPIC: "No Vigie service consumes the deliveries; the topic exists for "
    "consumers of the deliveries to use.",
    ENTERPRISES_TOPIC: "The matcher's change feed skips an unreadable change (its periodic "
    "full reload applies the enterprise anyway), so it writes nothing here today.",
}


def _declare_sends(broker: KafkaBroker, topics: list[str], dead_letters: list[str]) -> None:
    """Declare, for the document only, what this broker's service publishes."""
    for name in topics:
        topic = TOPICS[name]
        broker.publisher(name, title=name, description=topic.description, schema=topic.event)
    for name in dead_letters:
        topic = TOPICS[name]
        broker.publisher(
            dlq_topic(name),
            title=dlq_topic(name),
            description=_dead_letter_description(topic, DEAD_LETTER_WRITERS[name]),
            schema=topic.event,
        )


def service_brokers() -> list[KafkaBroker]:
    """The three services' brokers, built by their composition roots and never started, with
    what each publishes declared on it."""
    # `model_construct`: the defaults alone, never the environment's VIGIE_ variables, so a
    # generation gives the same document on every machine.
    common: dict[str, Any] = {"kafka_bootstrap": DEVELOPMENT_KAFKA, "topic_prefix": ""}
    ingest = bootstrap_runtime(IngestSettings.model_construct(**common)).broker
    matcher = bootstrap_matcher(MatcherSettings.model_construct(**common)).broker
    notifier = bootstrap_notifier(
        NotifierSettings.model_construct(
            **common,
            public_base_url="https://vigie.example",
            unsubscribe_signing_key=SecretStr(_GENERATION_ONLY_KEY),
        )
    ).broker
    _declare_sends(ingest, [TENDERS_TOPIC], [])
    _declare_sends(matcher, [MATCHES_TOPIC], [TENDERS_TOPIC])
    _declare_sends(
        notifier, [DELIVERIES_TOPIC, ENTERPRISES_TOPIC], [MATCHES_TOPIC, DELIVERIES_TOPIC]
    )
    # Nothing writes enterprises' dead letters (see DEAD_LETTER_WRITERS); the topic exists.
    _declare_sends(matcher, [], [ENTERPRISES_TOPIC])
    return [ingest, matcher, notifier]


def _last(ref: dict[str, str]) -> str:
    return ref["$ref"].rsplit("/", 1)[1]


def _merge_receives(doc: dict[str, Any]) -> None:
    """Point every receive operation at its topic's channel, where the producer declared the
    message, and drop the payload-less channel FastStream made for the raw-bytes consumer."""
    channels = doc["channels"]
    messages = doc["components"]["messages"]
    schemas = doc["components"]["schemas"]
    operations = doc["operations"]
    for key, operation in list(operations.items()):
        own_key = _last(operation["channel"])
        address = channels[own_key]["address"]
        if operation["action"] != "receive" or own_key == address or address not in channels:
            continue
        for message_ref in channels[own_key]["messages"].values():
            message = messages.pop(_last(message_ref))
            schemas.pop(_last(message["payload"]), None)
        del channels[own_key]
        operation["channel"] = {"$ref": f"#/channels/{address}"}
        operation["messages"] = [
            {"$ref": f"#/channels/{address}/messages/{name}"}
            for name in channels[address]["messages"]
        ]
        operations[f"{address}:receive"] = operations.pop(key)


def _consumer_groups(brokers: list[KafkaBroker]) -> dict[str, str]:
    """Each consumed topic's consumer group, as the subscribers were built."""
    groups: dict[str, str] = {}
    for broker in brokers:
        for subscriber in broker.subscribers:
            spec = subscriber.specification
            if isinstance(subscriber, LogicSubscriber) and subscriber.group_id:
                assert isinstance(spec, KafkaSubscriberSpecification)
                groups |= dict.fromkeys(spec.topics, subscriber.group_id)
    return groups


def _name_consumer_groups(doc: dict[str, Any], groups: dict[str, str]) -> None:
    """FastStream 0.7 leaves a receive operation's Kafka binding out: give it its group."""
    for operation in doc["operations"].values():
        address = _last(operation["channel"])
        if operation["action"] == "receive" and address in groups:
            operation["bindings"] = {
                "kafka": {
                    "groupId": {"type": "string", "enum": [groups[address]]},
                    "bindingVersion": "0.4.0",
                }
            }


def _describe_dead_letter_headers(doc: dict[str, Any]) -> None:
    headers = DeadLetterHeaders.model_json_schema(by_alias=True)
    for channel in doc["channels"].values():
        if not channel["address"].endswith(dlq_topic("")):
            continue
        for message_ref in channel["messages"].values():
            doc["components"]["messages"][_last(message_ref)]["headers"] = headers


def _sorted(doc: dict[str, Any]) -> dict[str, Any]:
    """FastStream keeps a broker's publishers in a WeakSet: order them by name, so that two
    generations give the same text."""
    for section in (doc, doc["components"]):
        for name in ("channels", "operations", "messages", "schemas"):
            if name in section:
                section[name] = dict(sorted(section[name].items()))
    return doc


def asyncapi_document() -> dict[str, Any]:
    """The document, as JSON-ready data."""
    brokers = service_brokers()
    spec = AsyncAPI(
        *brokers,
        title=TITLE,
        version="1.0.0",
        description=DESCRIPTION,
        schema_version="3.0.0",
    )
    with warnings.catch_warnings():
        # The raw-bytes consumers' placeholder payloads share one name; _merge_receives drops them.
        warnings.filterwarnings("ignore", "Overwriting the message schema", RuntimeWarning)
        doc: dict[str, Any] = spec.to_specification().to_jsonable()
    _merge_receives(doc)
    _name_consumer_groups(doc, _consumer_groups(brokers))
    _describe_dead_letter_headers(doc)
    return _sorted(doc)


def asyncapi_json() -> str:
    """The document as committed: indented JSON, one trailing newline."""
    return json.dumps(asyncapi_document(), indent=2, ensure_ascii=False) + "\n"


def committed_copies(checkout: Path) -> list[Path]:
    """Where a source checkout keeps the document: docs/, and ingest's package (the wheel ships
    that one and `/asyncapi.json` serves it)."""
    return [
        checkout / "docs" / "asyncapi.json",
        checkout / "services" / "ingest" / "asyncapi_site" / "asyncapi.json",
    ]
