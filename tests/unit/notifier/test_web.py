"""The preference centre's HTTP behaviour, on an in-memory store (MongoDB: integration tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest_asyncio

from notifier.web import create_app
from tests.factories import make_enterprise
from tests.fakes import InMemoryPreferences
from tests.unit.notifier.builders import SIGNER, utc

NOW = utc(2026, 11, 26, 15, 0)


ENTERPRISE = make_enterprise(id="ent:1", name="Coop <Rive-Sud>", language="fr")
TOKEN = quote(SIGNER.token(ENTERPRISE.id), safe="")


@pytest_asyncio.fixture
async def store_and_client() -> AsyncIterator[tuple[InMemoryPreferences, httpx.AsyncClient]]:
    store = InMemoryPreferences(ENTERPRISE)
    app = create_app(store, SIGNER, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigie.example") as client:
        yield store, client


async def test_page_in_the_enterprise_language_or_the_one_asked(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    _, client = store_and_client
    french = await client.get(f"/preferences/{TOKEN}")
    english = await client.get(f"/preferences/{TOKEN}?lang=en")
    assert french.status_code == 200
    assert "Vos alertes d&#39;appels d&#39;offres" in french.text
    assert "Coop &lt;Rive-Sud&gt;" in french.text
    assert "Your tender alerts" in english.text
    assert french.headers["Referrer-Policy"] == "no-referrer"
    assert french.headers["Cache-Control"] == "no-store"


async def test_a_forged_or_altered_link_finds_nothing(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    store, client = store_and_client
    mac = SIGNER.token(ENTERPRISE.id).rpartition(".")[2]
    for url in (f"/preferences/other.{mac}", f"/preferences/{TOKEN}x", "/unsubscribe/ent:1"):
        assert (await client.get(url)).status_code == 404
    assert (await client.post(f"/unsubscribe/other.{mac}")).status_code == 404
    assert store.consent_log == []


async def test_following_the_unsubscribe_link_changes_nothing(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    store, client = store_and_client
    page = await client.get(f"/unsubscribe/{TOKEN}")
    assert page.status_code == 200
    assert "Me désabonner" in page.text
    assert store.consent_log == []


async def test_one_click_post_withdraws_email_consent_at_once(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    store, client = store_and_client
    # What a mail client sends for RFC 8058, here as multipart/form-data.
    response = await client.post(
        f"/unsubscribe/{TOKEN}", files={"List-Unsubscribe": (None, "One-Click")}
    )
    again = await client.post(f"/unsubscribe/{TOKEN}", data={"List-Unsubscribe": "One-Click"})
    assert (response.status_code, again.status_code) == (200, 200)
    assert store.consent_log == [("ent:1", "email", False, "list-unsubscribe-one-click", NOW)]
    assert not store.items["ent:1"].consents_to("email")


async def test_saving_preferences_records_consent_and_redirects(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    store, client = store_and_client
    response = await client.post(
        f"/preferences/{TOKEN}",
        data={"lang": "en", "cadence": "weekly", "digest_hour": "9", "profile-p1-email": "on"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/preferences/{TOKEN}?lang=en&saved=1"
    saved = store.items["ent:1"]
    assert (saved.preferences.cadence, saved.preferences.digest_hour) == ("weekly", 9)
    assert store.consent_log == [("ent:1", "email", False, "preference-centre", NOW)]
    page = await client.get(response.headers["location"])
    assert "Your preferences are saved." in page.text


async def test_an_invalid_form_changes_nothing(
    store_and_client: tuple[InMemoryPreferences, httpx.AsyncClient],
) -> None:
    store, client = store_and_client
    response = await client.post(
        f"/preferences/{TOKEN}", data={"channel-email": "on", "digest_hour": "99"}
    )
    assert response.status_code == 422
    assert "rien n'a été modifié" in response.text.replace("&#39;", "'")
    assert store.items["ent:1"] == ENTERPRISE
    assert store.consent_log == []
