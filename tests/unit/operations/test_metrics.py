"""Vigie's domain metrics, counted where they happen (in memory; the scraped endpoints of the
running services: tests/integration/test_operations)."""

from __future__ import annotations

import time
from datetime import timedelta

from matcher.catalogue import EnterpriseCatalogue
from notifier.channel_metrics import TimedChannel
from shared.enterprises import Enterprise
from shared.events import Channel, MatchEvent
from shared.metrics import REGISTRY, RejectionReason, observe_end_to_end, rejection_reason
from tests.factories import NOW, make_enterprise, tender_data
from tests.fakes import OCP_KEY
from tests.unit.conftest import Api
from tests.unit.notifier.builders import a_match


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def tenders(outcome: str, reason: str = "") -> float:
    return value("vigie_tenders_total", source="api", outcome=outcome, reason=reason)


async def test_each_answer_of_the_api_counts_its_tender_by_outcome(api: Api) -> None:
    before = {o: tenders(o) for o in ("accepted", "unchanged", "amended", "cancelled")}
    notice = tender_data(source_id="AO-M1")
    await api.client.post("/v1/tenders", json=notice)
    await api.client.post("/v1/tenders", json=notice)
    await api.client.put("/v1/tenders/longueuil:AO-M1", json={**notice, "title": "Autre titre"})
    await api.client.post("/v1/tenders/longueuil:AO-M1/cancel")
    after = {o: tenders(o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {
        "accepted": 1,
        "unchanged": 1,
        "amended": 1,
        "cancelled": 1,
    }


async def test_a_refusal_counts_as_rejected_with_a_reason_of_the_vocabulary(api: Api) -> None:
    reasons = ("territory", "invalid", "scope", "cancelled", "deadline")
    before = {r: tenders("rejected", r) for r in reasons}
    await api.client.post("/v1/tenders", json=tender_data(place_of_performance=["XX-NOWHERE"]))
    await api.client.post("/v1/tenders", json={"title": "no tender"})
    await api.client.post(
        "/v1/tenders", json=tender_data(), headers={"Authorization": f"Bearer {OCP_KEY}"}
    )
    notice = tender_data(source_id="AO-M2")
    await api.client.post("/v1/tenders", json=notice)
    await api.client.post("/v1/tenders/longueuil:AO-M2/cancel")
    await api.client.post("/v1/tenders", json={**notice, "title": "Autre"})
    batch = {"tenders": [tender_data(submission_deadline="2001-01-01T00:00:00Z")]}
    answered = await api.client.post("/v1/tenders/batch", json=batch)
    assert answered.json()[0]["status"] == "rejected"
    assert {r: tenders("rejected", r) - before[r] for r in reasons} == {
        "territory": 1,
        "invalid": 2,  # not a tender; the batch item (its door refusal is one sentence)
        "scope": 1,
        "cancelled": 1,
        "deadline": 0,
    }


def test_a_422_is_named_by_the_first_refusal_of_the_door_else_invalid() -> None:
    assert rejection_reason(["missing", "territory", "code"]) == RejectionReason.TERRITORY
    assert rejection_reason(["deadline_passed"]) == RejectionReason.DEADLINE
    assert rejection_reason(["missing", "string_too_long"]) == RejectionReason.INVALID


def end_to_end(channel: str) -> tuple[float, float]:
    return (
        value("vigie_end_to_end_seconds_count", channel=channel),
        value("vigie_end_to_end_seconds_sum", channel=channel),
    )


def test_end_to_end_latency_is_the_time_since_ingest_accepted_the_tender() -> None:
    count, total = end_to_end("sms")
    observe_end_to_end("sms", NOW, NOW + timedelta(seconds=3))
    observe_end_to_end("sms", None, NOW)  # an event from before the field: nothing observed
    observe_end_to_end("sms", NOW, NOW - timedelta(seconds=1))  # clock skew: zero, not negative
    assert end_to_end("sms") == (count + 2, total + 3)


class RecordingChannel:
    channel = Channel.EMAIL

    def __init__(self) -> None:
        self.sent: list[str] = []

    def contact(self, enterprise: Enterprise) -> str | None:
        return "x@example.org"

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None:
        self.sent.append(key)

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None:
        self.sent.append(key)


async def test_an_alert_accepted_by_the_provider_is_observed_not_reminders_nor_digests() -> None:
    inner = RecordingChannel()
    channel = TimedChannel(inner, lambda: NOW + timedelta(seconds=90))
    enterprise = make_enterprise()
    match = a_match(enterprise).model_copy(update={"tender_accepted_at": NOW})
    count, total = end_to_end("email")
    await channel.send_alert(enterprise, match, "alert")
    await channel.send_alert(enterprise, match, "reminder", reminder=True)
    await channel.send_digest(enterprise, [match], "digest")
    assert inner.sent == ["alert", "reminder", "digest"]
    assert end_to_end("email") == (count + 1, total + 90)


def test_the_matcher_carries_when_ingest_accepted_the_tender() -> None:
    match = a_match()
    assert match.tender_accepted_at is not None
    again = MatchEvent.model_validate_json(match.model_dump_json())
    assert again.tender_accepted_at == match.tender_accepted_at
    older = match.model_dump(mode="json")
    del older["tender_accepted_at"]
    assert MatchEvent.model_validate(older).tender_accepted_at is None


def test_a_full_build_of_the_index_sets_its_size_build_time_and_refresh_time() -> None:
    catalogue = EnterpriseCatalogue()
    enterprise = make_enterprise()
    started = time.time()
    catalogue.replace_all([enterprise])
    assert value("vigie_matcher_index_profiles") == len(enterprise.profiles)
    assert value("vigie_matcher_index_build_seconds") >= 0
    assert started <= value("vigie_matcher_index_refreshed_timestamp_seconds") <= time.time()
    catalogue.apply([enterprise.id], {})
    assert value("vigie_matcher_index_profiles") == 0
