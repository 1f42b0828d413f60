from __future__ import annotations

from matcher.decisions import plan_for, plan_matches
from matcher.rules import Candidate
from shared.events import MatchKind, TenderEvent, TenderEventKind
from tests.factories import NOW, make_enterprise, make_tender


def test_published_tender_matches_only_fitting_enterprises() -> None:
    fits = make_enterprise()
    elsewhere = make_enterprise(
        profiles=[
            {
                "id": "p",
                "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
                "territories": ["CA-QC-AGG-MONTREAL"],
            }
        ]
    )
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    planned = plan_matches(event, [fits, elsewhere], {}, NOW)
    assert [(m.enterprise_id, m.kind) for m in planned] == [(fits.id, MatchKind.NEW)]
    assert planned[0].reasons
    assert planned[0].language == "fr"


def test_same_tender_event_plans_the_same_event_ids() -> None:
    enterprise = make_enterprise()
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    first = plan_matches(event, [enterprise], {}, NOW)
    again = plan_matches(event, [enterprise], {}, NOW)
    assert [m.event_id for m in first] == [m.event_id for m in again]


def test_amendment_is_amended_for_earlier_matches_and_new_for_others() -> None:
    before, newcomer = make_enterprise(), make_enterprise()
    event = TenderEvent(
        kind=TenderEventKind.AMENDED,
        tender=make_tender(revision=2),
        changed_fields=["estimated_value", "submission_deadline"],
    )
    planned = plan_matches(event, [before, newcomer], {before.id: "p1"}, NOW)
    assert {m.enterprise_id: m.kind for m in planned} == {
        before.id: MatchKind.AMENDED,
        newcomer.id: MatchKind.NEW,
    }
    by_id = {m.enterprise_id: m for m in planned}
    assert by_id[before.id].reasons[0].text == "Modifié : valeur estimée, date limite"
    assert by_id[newcomer.id].reasons[0].code != "changed"  # new to them: nothing "changed"


def test_cancellation_reaches_only_those_matched_before() -> None:
    before, never = make_enterprise(language="en"), make_enterprise()
    event = TenderEvent(kind=TenderEventKind.CANCELLED, tender=make_tender(revision=3))
    planned = plan_matches(event, [before, never], {before.id: "p1"}, NOW)
    assert [(m.enterprise_id, m.kind) for m in planned] == [(before.id, MatchKind.CANCELLED)]
    assert planned[0].reasons[0].text == "The buyer cancelled this call for tenders"


def test_the_index_pairs_decide_which_profile_a_match_names() -> None:
    enterprise = make_enterprise(
        profiles=[
            {"id": "broad", "codes": [{"scheme": "UNSPSC", "prefix": "76"}]},
            {"id": "narrow", "codes": [{"scheme": "UNSPSC", "prefix": "761115"}]},
        ]
    )
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    [by_all] = plan_matches(event, [enterprise], {}, NOW)
    [by_pair] = plan_for(event, [Candidate(enterprise, frozenset({"broad"}))], {}, NOW)
    assert (by_all.profile_id, by_pair.profile_id) == ("narrow", "broad")
    assert by_pair.score < by_all.score


def test_a_cancellation_evaluates_no_profile() -> None:
    before = make_enterprise(  # no profile fits the tender any more
        profiles=[{"id": "far", "codes": [{"scheme": "UNSPSC", "prefix": "9"}]}]
    )
    event = TenderEvent(kind=TenderEventKind.CANCELLED, tender=make_tender(revision=2))
    planned = plan_for(event, [Candidate(before, frozenset())], {before.id: "p1"}, NOW)
    assert [(m.enterprise_id, m.kind, m.profile_id) for m in planned] == [
        (before.id, MatchKind.CANCELLED, "p1")
    ]
