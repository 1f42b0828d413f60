"""A sender sends only while it still holds its lease with time to spare (its fencing token):
one that lost it, or stalled past half of it, leaves the message to the next lease."""

from __future__ import annotations

from datetime import timedelta

from notifier.delivery import Delivery
from notifier.service import delivery_key
from shared.enterprises import Enterprise
from shared.events import Channel, MatchEvent
from shared.kafka.coordinates import Coordinates
from tests.factories import NOW, make_enterprise
from tests.unit.notifier.builders import a_match
from tests.unit.notifier.test_use_cases import RETRY, Rig, rig


async def _leased_alert() -> tuple[Rig, Delivery, Enterprise, MatchEvent]:
    """A rig, and an alert it recorded and leased (lease 1) at NOW."""
    enterprise = make_enterprise()
    match = a_match(enterprise)
    key = delivery_key(match, Channel.EMAIL)
    r = rig(enterprise)
    record = Delivery.of_match(key, match, Channel.EMAIL, Coordinates("m", 0, 1), NOW)
    leased = await r.store.claim_many_leased([record], NOW, RETRY.lease_seconds)
    return r, leased[key], enterprise, match


async def test_a_sender_whose_lease_was_taken_over_sends_nothing() -> None:
    r, mine, enterprise, match = await _leased_alert()
    key = mine.key
    r.store.outbox[key]["lease"] = mine.lease + 1  # another sender took the next lease

    await r.deliverer.deliver(mine, enterprise, match)

    assert r.email.sent == []
    assert r.status(key) == "scheduled"


async def test_a_sender_stalled_past_half_its_lease_sends_nothing_and_one_in_time_sends() -> None:
    r, mine, enterprise, match = await _leased_alert()
    key = mine.key

    r.clock.now = NOW + timedelta(seconds=RETRY.fence_seconds + 1)
    await r.deliverer.deliver(mine, enterprise, match)
    assert r.email.sent == []

    r.clock.now = NOW + timedelta(seconds=RETRY.fence_seconds - 1)
    await r.deliverer.deliver(mine, enterprise, match)
    assert r.email.sent == [key]
    assert r.status(key) == "sent"
