"""Answer pages and the documents redirect over HTTP, on an in-memory store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest_asyncio
from fastapi import FastAPI

from notifier.action_tokens import ActionSigner
from notifier.alert_answers import AlertAnswers, alert_router
from notifier.alert_links import AlertLinkBuilder
from notifier.ports import TenderSummary
from shared.interest import interest_id
from tests.factories import make_enterprise
from tests.fakes import InMemoryInterest
from tests.unit.notifier.builders import SIGNER, a_match, utc

NOW = utc(2026, 11, 29, 9, 0)
ACTIONS = ActionSigner(SIGNER)
ALERTS = AlertLinkBuilder(ACTIONS, "https://vigie.example")
ENTERPRISE = make_enterprise(language="en")
MATCH = a_match(ENTERPRISE, documents_url="https://seao.example/avis/1")
LINKS = ALERTS.for_alert(ENTERPRISE.id, MATCH, "en")


class Codes:
    async def target(self, code: str, now: datetime) -> str | None:
        return f"/alert/{ALERTS.token(ENTERPRISE.id, MATCH)}?lang=en" if code == "c0de" else None


@pytest_asyncio.fixture
async def site() -> AsyncIterator[tuple[InMemoryInterest, httpx.AsyncClient]]:
    store = InMemoryInterest(
        TenderSummary(
            MATCH.tender.uid,
            "Entretien ménager",
            "Ville de Longueuil",
            "https://seao.example/avis/1",
        )
    )
    app = FastAPI()
    app.include_router(alert_router(AlertAnswers(store, ACTIONS, lambda: NOW, Codes())))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigie.example") as client:
        yield store, client


def _path(url: str) -> str:
    return url.removeprefix("https://vigie.example")


async def test_opening_an_answer_link_records_nothing_and_preselects_it(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    store, client = site
    too_far = dict(LINKS.declined)["too_far"]
    page = (await client.get(_path(too_far))).text
    assert 'value="declined" checked' in page
    assert 'value="too_far" checked' in page
    assert "Entretien ménager" in page
    assert "Ville de Longueuil" in page
    assert store.records == {}


async def test_posting_records_one_answer_per_tender_and_enterprise(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    store, client = site
    action = _path(LINKS.page)
    first = await client.post(action, data={"answer": "interested"})
    await client.post(action, data={"answer": "interested"})
    assert first.status_code == 200
    assert "We recorded: We are interested." in first.text
    key = interest_id(MATCH.tender.uid, ENTERPRISE.id)
    assert store.records == {key: {"answer": "interested", "reason": None, "answered_at": NOW}}
    await client.post(action, data={"answer": "declined", "reason": "deadline_too_short"})
    assert store.records[key]["reason"] == "deadline_too_short"
    shown = (await client.get(action)).text
    assert "Answer on record: Not interested (Deadline too short)." in shown


async def test_a_decline_without_a_reason_is_refused_on_the_page(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    store, client = site
    response = await client.post(_path(LINKS.page), data={"answer": "declined"})
    assert response.status_code == 422
    assert 'id="answer-error"' in response.text
    assert store.records == {}


async def test_documents_are_counted_then_redirected(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    store, client = site
    assert LINKS.documents is not None
    response = await client.get(_path(LINKS.documents))
    assert response.status_code == 303
    assert response.headers["location"] == "https://seao.example/avis/1"
    record = store.records[interest_id(MATCH.tender.uid, ENTERPRISE.id)]
    assert record["documents_first_at"] == NOW


async def test_forged_or_foreign_links_are_404(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    store, client = site
    assert (await client.get("/documents/abc.def")).status_code == 404
    assert (await client.post("/alert/abc.def", data={"answer": "interested"})).status_code == 404
    preferences = SIGNER.token(ENTERPRISE.id)
    assert (await client.get(f"/alert/{preferences}")).status_code == 404
    assert store.records == {}


async def test_a_short_link_leads_to_its_answer_page(
    site: tuple[InMemoryInterest, httpx.AsyncClient],
) -> None:
    _, client = site
    found = await client.get("/a/c0de")
    assert found.status_code == 303
    assert found.headers["location"] == _path(LINKS.page)
    assert (await client.get("/a/unknown")).status_code == 404
