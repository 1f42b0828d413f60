"""Delivery against a real SMTP server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.events import (
    DELIVERIES_TOPIC,
    MATCHES_TOPIC,
    DeliveryEvent,
    MatchEvent,
)
from shared.kafka.topics import dlq_topic
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import RunningNotifier, running_notifier
from tests.integration.notifier.smtp_server import (
    Script,
    ScriptedHandler,
    accept_all,
    scripted_smtp,
)
from tests.stack_clients import StackEndpoints, free_port, read_all, read_topic, wait_until_consumed
from vigie.dead_letters import replay_dead_letters
from vigie.enterprise_store import upsert_enterprises

FAST: dict[str, Any] = {
    "delivery_retry_base_seconds": 0.05,
    "delivery_retry_cap_seconds": 0.3,
    "delivery_poll_seconds": 0.05,
}


def _match(enterprise: Enterprise, title: str = "Entretien") -> MatchEvent:
    return make_match(enterprise, make_tender(title=title), at=datetime.now(UTC))


async def _until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def _delivery(db: AsyncDatabase[Document], match: MatchEvent, **where: Any) -> Document:
    """The match's delivery record once it is as `where` says (20 s at most)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = await db["deliveries"].find_one({"match_id": match.match_id, **where})
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no delivery {where} for {match.match_id}")


async def _stored_match(db: AsyncDatabase[Document]) -> tuple[Enterprise, MatchEvent]:
    """An enterprise in the store, and a match of a tender for it."""
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    return enterprise, _match(enterprise)


@asynccontextmanager
async def _notifier_behind(
    stack: StackEndpoints, namespace: str, script: Script = accept_all, **settings: Any
) -> AsyncIterator[tuple[ScriptedHandler, RunningNotifier]]:
    """A notifier (fast retries, no pages) that sends through an SMTP server run by `script`."""
    port = free_port()
    with scripted_smtp(port, script) as smtp:
        async with running_notifier(
            stack, namespace, serve=False, smtp_port=port, **FAST, **settings
        ) as notifier:
            yield smtp, notifier


def _fails_twice(recipient: str, attempt: int) -> str | None:
    return "451 4.3.0 Try again later" if attempt <= 2 else None


async def test_server_failing_twice_then_accepting_gets_exactly_one_message(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise, match = await _stored_match(db)
    async with _notifier_behind(stack, namespace, _fails_twice) as (smtp, n):
        await n.send_match(match)
        sent = await _delivery(db, match, status="sent")
        await n.send_match(match)  # redelivered by Kafka: still one message
        deliveries = n.settings.topic(DELIVERIES_TOPIC)
        await read_topic(stack.kafka_bootstrap, deliveries, 1)  # the send's outcome is out
        # The redelivery handled and its effects durable: what it could publish, it has.
        await wait_until_consumed(
            stack.kafka_bootstrap, n.settings.notifier_group_id, n.settings.topic(MATCHES_TOPIC)
        )
        events = await read_all(stack.kafka_bootstrap, deliveries)

    address = str(enterprise.contacts.email)
    assert smtp.tries[address] == 3
    assert len(smtp.accepted_for(address)) == 1
    assert sent["attempts"] == 3
    assert sent["last_error"].startswith("recipient deferred: [451]")
    assert [DeliveryEvent.model_validate_json(e.value).status for e in events] == ["sent"]


async def test_one_enterprise_failing_does_not_hold_back_the_others(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    slow, other = make_enterprise(), make_enterprise()
    await upsert_enterprises(db, [slow, other])
    slow_address, other_address = str(slow.contacts.email), str(other.contacts.email)
    handler: ScriptedHandler

    def defer_slow_until_other_is_in(recipient: str, attempt: int) -> str | None:
        waiting = recipient == slow_address and not handler.accepted_for(other_address)
        return "421 4.7.0 Busy" if waiting else None

    async with _notifier_behind(stack, namespace, defer_slow_until_other_is_in) as (handler, n):
        await n.send_match(_match(slow, "Lent"))
        await _until(lambda: handler.tries.get(slow_address, 0) >= 2)  # already retrying
        await n.send_match(_match(other, "Autre"))
        await _until(lambda: len(handler.accepted) == 2)

    assert [m["to"] for m in handler.accepted] == [[other_address], [slow_address]]
    assert handler.tries[other_address] == 1


async def test_permanent_refusal_is_failed_and_dead_lettered(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise, match = await _stored_match(db)

    def refuse(recipient: str, attempt: int) -> str | None:
        return "550 5.1.1 No such mailbox"

    async with _notifier_behind(stack, namespace, refuse) as (smtp, n):
        await n.send_match(match)
        failed = await _delivery(db, match, status="failed")
        matches = n.settings.topic(MATCHES_TOPIC)
        [dead] = await read_topic(stack.kafka_bootstrap, dlq_topic(matches), 1, within=20)
        events = await read_topic(stack.kafka_bootstrap, n.settings.topic(DELIVERIES_TOPIC), 1)

    assert smtp.tries[str(enterprise.contacts.email)] == 1  # never retried
    assert failed["detail"] == "recipient refused: [550]"
    headers = {key: value.decode() for key, value in dead.headers}
    assert headers["x-vigie-source-topic"] == matches
    assert headers["x-vigie-source-offset"].isdigit()
    assert headers["x-vigie-error"] == "recipient refused: [550]"
    assert MatchEvent.model_validate_json(dead.value).match_id == match.match_id
    [event] = [DeliveryEvent.model_validate_json(e.value) for e in events]
    assert (event.status, event.detail) == ("failed", "recipient refused: [550]")


async def test_replaying_a_dead_letter_after_the_fix_sends_the_message(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise, match = await _stored_match(db)
    mailbox_exists = False

    def refuse_until_fixed(recipient: str, attempt: int) -> str | None:
        return None if mailbox_exists else "550 5.1.1 No such mailbox"

    async with _notifier_behind(stack, namespace, refuse_until_fixed) as (smtp, n):
        await n.send_match(match)
        await _delivery(db, match, status="failed")
        dlq = dlq_topic(n.settings.topic(MATCHES_TOPIC))
        await read_topic(stack.kafka_bootstrap, dlq, 1, within=20)
        mailbox_exists = True  # the operator fixed the cause
        replayed = await replay_dead_letters(stack.kafka_bootstrap, dlq, lambda _: None)
        sent = await _delivery(db, match, status="sent")

    assert replayed == 1
    assert len(smtp.accepted_for(str(enterprise.contacts.email))) == 1
    assert sent["detail"] == ""


async def test_connection_refused_is_retried_until_the_server_is_back(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    _, match = await _stored_match(db)
    port = free_port()  # nothing listens there yet
    async with running_notifier(stack, namespace, serve=False, smtp_port=port, **FAST) as n:
        await n.send_match(match)
        await _delivery(db, match, attempts={"$gte": 2})
        with scripted_smtp(port) as smtp:
            sent = await _delivery(db, match, status="sent")

    assert len(smtp.accepted) == 1
    assert sent["attempts"] >= 2  # refused at least once, then sent
    assert "Connect" in sent["last_error"] or "refused" in sent["last_error"]


async def test_connections_are_reused_across_messages(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprises = [make_enterprise() for _ in range(12)]
    await upsert_enterprises(db, enterprises)
    async with _notifier_behind(stack, namespace, smtp_connections=2) as (handler, notifier):
        for enterprise in enterprises:
            await notifier.send_match(_match(enterprise))
        await _until(lambda: len(handler.accepted) == 12)

    assert handler.sessions <= 2
