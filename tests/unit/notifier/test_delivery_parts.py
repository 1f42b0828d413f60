"""The pure parts of delivery: error classes, the rate limit, the send policy, the dispatcher."""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiosmtplib
import pytest

from notifier.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifier.dispatcher import Dispatcher
from notifier.mailer import classify
from notifier.policy import may_send
from notifier.throttle import Throttle
from shared.events import Channel
from tests.factories import make_enterprise
from tests.unit.notifier.builders import utc


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (aiosmtplib.SMTPDataError(451, "try later"), TransientDeliveryError),
        (aiosmtplib.SMTPDataError(554, "spam"), PermanentDeliveryError),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no", "a")]),
            PermanentDeliveryError,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(452, "full", "a")]),
            TransientDeliveryError,
        ),
        (aiosmtplib.SMTPConnectError("refused"), TransientDeliveryError),
        (aiosmtplib.SMTPServerDisconnected("gone"), TransientDeliveryError),
        (aiosmtplib.SMTPTimeoutError("slow"), TransientDeliveryError),
        (ConnectionRefusedError(111, "refused"), TransientDeliveryError),
    ],
)
def test_smtp_failures_are_classified(error: Exception, kind: type[Exception]) -> None:
    assert isinstance(classify(error), kind)


async def test_throttle_spaces_sends_after_the_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = Throttle(rate=10, burst=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await bucket.acquire()
    assert slept == pytest.approx([0.1, 0.1, 0.1])
    now[0] += 10  # idle: the bucket refills to its burst, not beyond
    for _ in range(2):
        await bucket.acquire()
    assert len(slept) == 3


def test_send_policy_checks_consent_contact_profile_and_pause() -> None:
    phone = {"email": "a@example.org", "phone": "+14505551234"}
    base = make_enterprise(contacts=phone)
    sms_profile = make_enterprise(
        contacts=phone, profiles=[{"id": "p1", "channels": ["sms"]}], consent=base.consent
    )
    paused = make_enterprise(preferences={"paused": True})
    assert may_send(base, Channel.EMAIL, "p1", "a@example.org").send
    assert may_send(base, Channel.SMS, "p1", "+14505551234").reason == "no sms consent"
    assert may_send(base, Channel.EMAIL, "p1", None).reason == "no email contact"
    assert may_send(sms_profile, Channel.EMAIL, "p1", "a").reason == "profile p1 does not use email"
    assert may_send(paused, Channel.EMAIL, "p1", "a").reason == "alerts paused"


async def test_a_stuck_send_does_not_hold_the_others() -> None:
    release, others_done, all_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    done: list[str] = []
    pending = ["stuck", "a", "b"]

    async def due(now: datetime, limit: int) -> list[str]:
        return [key for key in pending if key not in done][:limit]

    async def attempt(key: str) -> None:
        if key == "stuck":
            await release.wait()
        done.append(key)
        if done == ["a", "b"]:
            others_done.set()
        if len(done) == 3:
            all_done.set()

    dispatcher = Dispatcher(due, attempt, lambda: utc(2026, 1, 1), concurrency=2, poll_seconds=0.01)
    dispatcher.start()
    try:
        await asyncio.wait_for(others_done.wait(), 5)
        release.set()
        await asyncio.wait_for(all_done.wait(), 5)
    finally:
        await dispatcher.stop()
    assert done == ["a", "b", "stuck"]
