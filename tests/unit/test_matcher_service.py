"""The matcher's use case with in-memory fakes and a manual clock: what a tender event stores
and publishes, given the enterprises held and the earlier matches."""

from __future__ import annotations

from datetime import timedelta

from matcher.history import earlier_of
from matcher.service import TenderMatcher
from shared.enterprises import Enterprise
from shared.events import MatchKind, Tender, TenderEvent, TenderEventKind
from shared.kafka.coordinates import Consumed, Coordinates
from tests.factories import NOW, enterprise_data, make_enterprise, make_tender
from tests.fakes import AnnouncedChanges, InMemoryMatcherStore, ManualClock, RecordingMatchPublisher

AT = Coordinates("vigie.tenders.v1", 0, 7)
ELSEWHERE = [
    {"id": "far", "codes": [{"scheme": "UNSPSC", "prefix": "7611"}], "territories": ["FR-35"]}
]


class Rig:
    def __init__(self, *enterprises: Enterprise) -> None:
        self.store = InMemoryMatcherStore(enterprises)
        self.publisher = RecordingMatchPublisher()
        self.changes = AnnouncedChanges()
        self.clock = ManualClock(NOW)
        self.matcher = TenderMatcher(self.store, self.publisher, self.changes, self.clock)
        self.changes.apply = self.matcher.apply_changes

    async def handle(
        self, kind: TenderEventKind, tender: Tender, changed: list[str] | None = None
    ) -> dict[str, MatchKind]:
        """The enterprises this event's published matches reach, with their kind."""
        before = len(self.publisher.events)
        event = TenderEvent(kind=kind, tender=tender, changed_fields=changed or [])
        await self.matcher.handle(event, AT)
        return {m.enterprise_id: m.kind for m in self.publisher.events[before:]}


def _elsewhere(enterprise: Enterprise) -> Enterprise:
    return make_enterprise(**{**enterprise_data(), "id": enterprise.id, "profiles": ELSEWHERE})


async def test_a_published_tender_is_stored_then_published_for_those_it_fits() -> None:
    fits, far = make_enterprise(), make_enterprise(profiles=ELSEWHERE)
    rig = Rig(fits, far)
    await rig.matcher.load_all()

    reached = await rig.handle(TenderEventKind.PUBLISHED, tender := make_tender())

    assert reached == {fits.id: MatchKind.NEW}
    [match] = rig.publisher.events
    assert rig.store.matches == {match.match_id: match}
    assert match.profile_id == "p1"
    assert match.reasons[0].code == "code"
    [entries] = (await rig.store.match_history([tender.uid])).values()
    assert earlier_of(entries, tender.revision + 1) == {fits.id: "p1"}


async def test_a_publication_that_failed_is_published_again_with_the_same_event_ids() -> None:
    rig = Rig(make_enterprise())
    await rig.matcher.load_all()
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    rig.publisher.fail = True
    try:
        await rig.matcher.handle(event, AT)
    except ConnectionError:
        pass
    else:
        raise AssertionError("the publisher's failure must reach the consumer, to retry")
    [stored] = rig.store.matches.values()  # stored before publishing

    rig.publisher.fail = False
    await rig.matcher.handle(event, AT)  # the redelivery

    assert [m.event_id for m in rig.publisher.events] == [stored.event_id]
    assert len(rig.store.matches) == 1


async def test_an_amendment_is_amended_for_earlier_matches_and_new_for_newcomers() -> None:
    before, newcomer = make_enterprise(), make_enterprise()
    rig = Rig(before, _elsewhere(newcomer))
    await rig.matcher.load_all()
    first = make_tender()
    await rig.handle(TenderEventKind.PUBLISHED, first)
    rig.store.put(newcomer)
    rig.changes.announce(newcomer.id)

    amended = first.model_copy(update={"revision": 2})
    reached = await rig.handle(TenderEventKind.AMENDED, amended, ["submission_deadline"])

    assert reached == {before.id: MatchKind.AMENDED, newcomer.id: MatchKind.NEW}
    by_id = {m.enterprise_id: m for m in rig.publisher.events[1:]}
    assert by_id[before.id].reasons[0].text == "Modifié : date limite"
    assert by_id[newcomer.id].reasons[0].code == "code"


async def test_an_amendment_that_no_longer_fits_sends_nothing_to_the_earlier_match() -> None:
    before = make_enterprise()
    rig = Rig(before)
    await rig.matcher.load_all()
    first = make_tender()
    await rig.handle(TenderEventKind.PUBLISHED, first)

    moved = first.model_copy(update={"revision": 2, "place_of_performance": ["FR-35"]})
    assert await rig.handle(TenderEventKind.AMENDED, moved, ["place_of_performance"]) == {}


async def test_a_cancellation_reaches_only_the_earlier_matches_with_their_profile() -> None:
    before, later = make_enterprise(language="en"), make_enterprise()
    rig = Rig(before, _elsewhere(later))
    await rig.matcher.load_all()
    first = make_tender()
    await rig.handle(TenderEventKind.PUBLISHED, first)
    rig.store.put(later)  # would fit now, but was never told of the tender
    rig.changes.announce(later.id)

    cancelled = first.model_copy(update={"revision": 2})
    reached = await rig.handle(TenderEventKind.CANCELLED, cancelled)

    assert reached == {before.id: MatchKind.CANCELLED}
    cancellation = rig.publisher.events[-1]
    assert cancellation.profile_id == "p1"
    assert cancellation.reasons[0].text == "The buyer cancelled this call for tenders"


async def test_a_closed_tender_matches_nobody_by_the_clock_given() -> None:
    rig = Rig(make_enterprise())
    await rig.matcher.load_all()
    tender = make_tender()
    rig.clock.now = tender.submission_deadline - timedelta(seconds=1)
    assert await rig.handle(TenderEventKind.PUBLISHED, tender) != {}

    rig.clock.advance(timedelta(seconds=1))
    assert await rig.handle(TenderEventKind.PUBLISHED, make_tender()) == {}


async def test_a_change_announced_before_a_tender_is_caught_up_with_before_matching() -> None:
    enterprise = make_enterprise(profiles=ELSEWHERE)
    rig = Rig(enterprise)
    await rig.matcher.load_all()
    now_fits = make_enterprise(**{**enterprise_data(), "id": enterprise.id})
    rig.store.put(now_fits)
    rig.changes.announce(enterprise.id)

    assert await rig.handle(TenderEventKind.PUBLISHED, make_tender()) == {
        enterprise.id: MatchKind.NEW
    }
    assert rig.changes.calls == 1


async def test_matching_goes_on_with_what_is_applied_when_the_changes_are_behind() -> None:
    enterprise = make_enterprise()
    rig = Rig(enterprise)
    await rig.matcher.load_all()
    rig.store.put(_elsewhere(enterprise))
    rig.changes.announce(enterprise.id)
    rig.changes.behind = True

    reached = await rig.handle(TenderEventKind.PUBLISHED, make_tender())

    assert reached == {enterprise.id: MatchKind.NEW}  # the profile it still holds
    assert rig.changes.calls == 1


async def test_a_change_applied_while_a_full_load_reads_survives_the_load() -> None:
    enterprise = make_enterprise(profiles=ELSEWHERE)
    rig = Rig(enterprise)
    await rig.matcher.load_all()
    now_fits = make_enterprise(**{**enterprise_data(), "id": enterprise.id})

    async def changed_during_the_read() -> None:
        rig.store.put(now_fits)
        await rig.matcher.apply_changes([enterprise.id])

    rig.store.during_full_read = changed_during_the_read
    await rig.matcher.load_all()  # its snapshot still holds the old profile

    reached = await rig.handle(TenderEventKind.PUBLISHED, make_tender())
    assert reached == {enterprise.id: MatchKind.NEW}
    assert rig.matcher.catalogue.known([enterprise.id]) == [now_fits]


async def test_a_removed_enterprise_is_matched_no_more() -> None:
    enterprise = make_enterprise()
    rig = Rig(enterprise)
    await rig.matcher.load_all()
    del rig.store.enterprises_by_id[enterprise.id]
    rig.changes.announce(enterprise.id)

    assert await rig.handle(TenderEventKind.PUBLISHED, make_tender()) == {}


async def test_a_batch_sees_the_matches_of_an_earlier_revision_in_the_same_batch() -> None:
    rig = Rig(fits := make_enterprise(), make_enterprise(profiles=ELSEWHERE))
    await rig.matcher.load_all()
    first = make_tender()
    amended = first.model_copy(update={"revision": first.revision + 1})
    cancelled = first.model_copy(update={"revision": first.revision + 2})
    batch = [
        Consumed(TenderEvent(kind=TenderEventKind.PUBLISHED, tender=first), AT),
        Consumed(TenderEvent(kind=TenderEventKind.AMENDED, tender=amended), AT),
        Consumed(TenderEvent(kind=TenderEventKind.CANCELLED, tender=cancelled), AT),
    ]
    await rig.matcher.handle_batch(batch)
    assert [(m.enterprise_id, m.kind) for m in rig.publisher.events] == [
        (fits.id, MatchKind.NEW),
        (fits.id, MatchKind.AMENDED),
        (fits.id, MatchKind.CANCELLED),
    ]
    assert len(rig.publisher.batches) == 1  # stored and published together


async def test_a_batch_of_tenders_is_matched_each_for_its_own_enterprises() -> None:
    near, far = make_enterprise(), make_enterprise(profiles=ELSEWHERE)
    rig = Rig(near, far)
    await rig.matcher.load_all()
    here, there = make_tender(), make_tender(place_of_performance=["FR-35"])
    await rig.matcher.handle_batch(
        [
            Consumed(TenderEvent(kind=TenderEventKind.PUBLISHED, tender=here), AT),
            Consumed(TenderEvent(kind=TenderEventKind.PUBLISHED, tender=there), AT),
        ]
    )
    reached = {(m.tender.uid, m.enterprise_id) for m in rig.publisher.events}
    assert reached == {(here.uid, near.id), (there.uid, far.id)}
    assert set(rig.store.entries) == {here.uid, there.uid}
