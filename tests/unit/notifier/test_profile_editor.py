"""The profile editor's pages and searches, over in-memory fakes (MongoDB and a browser: the
integration and e2e tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import quote

import httpx
import pytest_asyncio

from notifier.profile_editor import profile_router
from notifier.profile_preview import RecentRead
from notifier.web import create_app
from shared.events import Tender
from tests.factories import make_enterprise, make_tender
from tests.fakes import InMemoryPreferences
from tests.unit.notifier.builders import SIGNER, utc

NOW = utc(2026, 11, 26, 15, 0)
ENTERPRISE = make_enterprise(
    id="ent:2", language="fr", contacts={"email": "coop@example.org", "phone": "+14505551234"}
)
TOKEN = quote(SIGNER.token(ENTERPRISE.id), safe="")
BASE = f"/portal/{TOKEN}"


class FixedTenders:
    def __init__(self, *tenders: Tender) -> None:
        self.tenders = list(tenders)
        self.asked: list[datetime] = []

    async def published_since(self, since: datetime) -> RecentRead:
        self.asked.append(since)
        return RecentRead(self.tenders, complete=True)


@pytest_asyncio.fixture
async def editor() -> AsyncIterator[tuple[InMemoryPreferences, FixedTenders, httpx.AsyncClient]]:
    store = InMemoryPreferences(ENTERPRISE)
    recent = (NOW - timedelta(days=2)).isoformat()
    tenders = FixedTenders(
        make_tender(title="Entretien ménager de la bibliothèque", published_at=recent),
        make_tender(title="Pavage", classifications=[{"scheme": "UNSPSC", "code": "72141000"}]),
    )
    app = create_app(store, SIGNER, clock=lambda: NOW)
    app.include_router(profile_router(store, SIGNER, tenders, lambda: NOW))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigie.example") as client:
        yield store, tenders, client


Editor = tuple[InMemoryPreferences, FixedTenders, httpx.AsyncClient]


async def test_the_list_shows_each_profile_with_its_labels(editor: Editor) -> None:
    _, _, client = editor
    page = await client.get(f"{BASE}/profiles")
    assert page.status_code == 200
    assert "Vos profils d&#39;alerte" in page.text
    assert "UNSPSC 7611" in page.text
    assert "Agglomération de Longueuil" in page.text
    assert f'href="{BASE}/profiles/p1?lang=fr"' in page.text
    english = await client.get(f"{BASE}/profiles?lang=en")
    assert "Your alert profiles" in english.text


async def test_adding_a_profile_saves_it_and_redirects_to_it(editor: Editor) -> None:
    store, _, client = editor
    answer = await client.post(
        f"{BASE}/profiles/new",
        data={
            "lang": "fr",
            "name": "Traiteur",
            "code": ["CPV:5552"],
            "territory": ["CA-QC-RA-16"],
            "keywords_any": "repas, traiteur",
            "channel": ["email"],
            "action": "save",
        },
    )
    assert answer.status_code == 303
    saved = store.items[ENTERPRISE.id]
    [kept, added] = saved.profiles
    assert kept.id == "p1"
    assert answer.headers["location"] == f"{BASE}/profiles/{added.id}?lang=fr&saved=1"
    assert (added.name, added.codes[0].prefix, added.territories) == (
        "Traiteur",
        "5552",
        ["CA-QC-RA-16"],
    )
    assert added.channels == ["email"]
    page = await client.get(answer.headers["location"])
    assert 'id="saved"' in page.text
    assert "CPV 55520000 — Services traiteur" in page.text


async def test_errors_are_shown_beside_their_fields_and_nothing_is_saved(editor: Editor) -> None:
    store, _, client = editor
    answer = await client.post(
        f"{BASE}/profiles/p1",
        data={"lang": "en", "code": ["CPV:0199"], "value_min": "lots", "channel": ["email"]},
    )
    assert answer.status_code == 422
    assert 'id="codes-error"' in answer.text
    described = 'aria-describedby="value-hint value_min-error" aria-invalid="true"'
    assert f'id="value_min" name="value_min" value="lots" size="12" {described}' in answer.text
    assert 'href="#code_q"' in answer.text  # the summary links to the field
    assert store.items[ENTERPRISE.id] == ENTERPRISE


async def test_no_js_search_keeps_the_draft_and_offers_boxes_to_tick(editor: Editor) -> None:
    _, _, client = editor
    answer = await client.post(
        f"{BASE}/profiles/p1",
        data={
            "lang": "fr",
            "name": "Brouillon",
            "code": ["UNSPSC:7611"],
            "code_q": "nettoyage",
            "action": "search_codes",
        },
    )
    assert answer.status_code == 200
    assert 'value="Brouillon"' in answer.text
    assert 'name="code" value="UNSPSC:7611" checked' in answer.text
    assert 'name="code" value="CPV:9091">' in answer.text  # offered, not ticked
    naics = await client.post(
        f"{BASE}/profiles/p1", data={"lang": "fr", "code_q": "janitorial", "action": "search_codes"}
    )
    assert '<label lang="en"><input type="checkbox" name="code" value="NAICS:56172">' in naics.text
    territories = await client.post(
        f"{BASE}/profiles/p1",
        data={"lang": "fr", "territory_q": "rennes", "action": "search_territories"},
    )
    assert 'name="territory" value="FR-EPCI-243500139">' in territories.text
    nothing = await client.post(
        f"{BASE}/profiles/p1", data={"territory_q": "zzqx", "action": "search_territories"}
    )
    assert "Aucun résultat pour « zzqx »." in nothing.text


async def test_preview_counts_with_the_matchers_rules(editor: Editor) -> None:
    store, tenders, client = editor
    answer = await client.post(
        f"{BASE}/profiles/p1",
        data={
            "lang": "fr",
            "code": ["UNSPSC:7611"],
            "territory": ["CA-QC-AGG-LONGUEUIL"],
            "channel": ["email", "sms"],
            "action": "preview",
        },
    )
    assert answer.status_code == 200
    assert (
        "Ce profil aurait capté 1 appel d&#39;offres publié ces 90 derniers jours." in answer.text
    )
    assert "Entretien ménager de la bibliothèque" in answer.text
    assert "Pavage" not in answer.text
    assert tenders.asked == [NOW - timedelta(days=90)]
    assert store.items[ENTERPRISE.id] == ENTERPRISE  # a preview saves nothing


async def test_deleting_asks_first_and_never_the_last_profile(editor: Editor) -> None:
    store, _, client = editor
    confirm = await client.get(f"{BASE}/profiles/p1/delete")
    assert "Supprimer le profil" in confirm.text
    refused = await client.post(f"{BASE}/profiles/p1/delete", data={"lang": "fr"})
    assert refused.status_code == 409
    assert "Le dernier profil ne peut pas être supprimé" in refused.text
    await client.post(
        f"{BASE}/profiles/new",
        data={"code": ["CPV:45"], "channel": ["email", "sms"], "action": "save"},
    )
    [_, second] = store.items[ENTERPRISE.id].profiles
    deleted = await client.post(f"{BASE}/profiles/p1/delete", data={"lang": "fr"})
    assert deleted.status_code == 303
    assert [p.id for p in store.items[ENTERPRISE.id].profiles] == [second.id]


async def test_json_searches_are_bounded_and_need_a_valid_link(editor: Editor) -> None:
    _, _, client = editor
    codes = await client.get(f"{BASE}/codes.json", params={"q": "cleaning", "lang": "en"})
    assert codes.json()["results"][1] == {
        "value": "CPV:9091",
        "label": "CPV 90910000 — Cleaning services",
        "detail": "",
        "lang": "",
    }
    french = await client.get(f"{BASE}/codes.json", params={"q": "janitorial", "lang": "fr"})
    assert french.json()["results"][-1] == {
        "value": "NAICS:56172",
        "label": "NAICS 56172 — Janitorial Services",
        "detail": "",
        "lang": "en",  # NAICS has English titles only: said so to screen readers
    }
    places = await client.get(f"{BASE}/territories.json", params={"q": "saint", "limit": 30})
    assert len(places.json()["results"]) == 30
    too_many = await client.get(f"{BASE}/territories.json", params={"q": "saint", "limit": 31})
    assert too_many.status_code == 422
    too_long = await client.get(f"{BASE}/codes.json", params={"q": "x" * 101})
    assert too_long.status_code == 422
    assert "q" in too_long.text
    forged = await client.get("/portal/ent:2.forged/codes.json", params={"q": "cleaning"})
    assert forged.status_code == 404


async def test_an_action_no_button_sends_is_refused_and_saves_nothing(editor: Editor) -> None:
    store, _, client = editor
    answer = await client.post(
        f"{BASE}/profiles/p1", data={"code": ["CPV:45"], "action": "search_territorys"}
    )
    assert answer.status_code == 400
    assert "search_territories" in answer.text
    assert store.items[ENTERPRISE.id] == ENTERPRISE


async def test_every_search_button_sends_an_action_the_editor_knows(editor: Editor) -> None:
    _, _, client = editor
    page = await client.get(f"{BASE}/profiles/p1")
    sent = set(re.findall(r'name="action" value="([a-z_]+)"', page.text))
    assert sent == {"save", "preview", "search_codes", "search_territories"}


async def test_a_forged_link_or_an_unknown_profile_finds_nothing(editor: Editor) -> None:
    _, _, client = editor
    assert (await client.get("/portal/ent:2.forged/profiles")).status_code == 404
    assert (await client.get(f"{BASE}/profiles/nope")).status_code == 404
    assert (await client.post(f"{BASE}/profiles/nope", data={})).status_code == 404


async def test_the_type_ahead_script_is_served_and_allowed(editor: Editor) -> None:
    _, _, client = editor
    script = await client.get("/portal/profile-editor.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "role" in script.text
    page = await client.get(f"{BASE}/profiles/p1")
    assert '<script src="/portal/profile-editor.js" defer></script>' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy


async def test_the_preference_centre_links_to_the_profiles(editor: Editor) -> None:
    _, _, client = editor
    page = await client.get(f"/preferences/{TOKEN}?lang=en")
    assert f'href="{BASE}/profiles?lang=en" id="edit-profiles"' in page.text
    assert (await client.get(f"{BASE}/profiles?lang=en")).status_code == 200
