"""The sign-up pages over HTTP, on in-memory storage and mail (MongoDB and SMTP: e2e tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from notifier.action_tokens import ActionSigner
from notifier.delivery_errors import TransientDeliveryError
from notifier.render import RenderedEmail, Sender
from notifier.signup import SignupDesk, signup_router
from notifier.signup_form import enterprise_id_for
from notifier.signup_limits import KeyedLimit, SignupLimits
from shared.enterprises import Enterprise, Verification
from tests.factories import make_enterprise
from tests.unit.notifier.builders import LINKS, SENDER, SIGNER, utc

FORM = {
    "lang": "en",
    "name": "Coop Entretien",
    "kind": "cooperative",
    "neq": "1143456789",
    "keywords": "janitorial, snow removal",
    "email": "info@coop.example",
    "language": "en",
    "timezone": "America/Toronto",
    "consent_email": "on",
}


class Signups:
    def __init__(self, *enterprises: Enterprise) -> None:
        self.enterprises = {e.id: e for e in enterprises}
        self.pending_items: dict[str, tuple[dict[str, Any], str]] = {}

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return self.enterprises.get(enterprise_id)

    async def holder_of(self, enterprise_id: str, email: str) -> Enterprise | None:
        return self.enterprises.get(enterprise_id) or next(
            (e for e in self.enterprises.values() if str(e.contacts.email).lower() == email),
            None,
        )

    async def save_pending(
        self, enterprise_id: str, enterprise: dict[str, Any], nonce: str, at: datetime
    ) -> None:
        self.pending_items[enterprise_id] = (enterprise, nonce)

    async def pending(self, enterprise_id: str, nonce: str) -> dict[str, Any] | None:
        found = self.pending_items.get(enterprise_id)
        return found[0] if found and found[1] == nonce else None

    async def confirm(self, enterprise: Enterprise) -> bool:
        self.pending_items.pop(enterprise.id, None)
        if enterprise.id in self.enterprises:
            return False
        self.enterprises[enterprise.id] = enterprise
        return True


@dataclass
class Mailbox:
    sent: list[tuple[str, RenderedEmail]] = field(default_factory=list)
    failing: bool = False

    @property
    def sender(self) -> Sender:
        return SENDER

    async def send(self, to: str, email: RenderedEmail, message_id: str) -> None:
        if self.failing:
            raise TransientDeliveryError("SMTP 421 try later")
        self.sent.append((to, email))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: utc(2026, 11, 29, 9, 0))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    store: Signups
    mail: Mailbox
    clock: Clock
    client: httpx.AsyncClient

    async def sign_up(self, **changes: str) -> httpx.Response:
        return await self.client.post("/signup", data={**FORM, **changes})

    def link(self, index: int = -1) -> str:
        found = re.search(
            r"https://vigie\.example(/signup/confirm/\S+)", self.mail.sent[index][1].text
        )
        assert found is not None, "no confirmation link"
        return found.group(1)


def _site(store: Signups, per_client: int = 50) -> tuple[FastAPI, SignupDesk]:
    clock = Clock()
    desk = SignupDesk(
        store,
        Mailbox(),
        ActionSigner(SIGNER),
        LINKS,
        SignupLimits(KeyedLimit(per_client, per_client), KeyedLimit(3, 3)),
        clock,
        "https://vigie.example",
        48,
        monotonic=lambda: 0.0,
    )
    app = FastAPI()
    app.include_router(signup_router(desk))
    return app, desk


@pytest_asyncio.fixture
async def site(request: pytest.FixtureRequest) -> AsyncIterator[Site]:
    existing = getattr(request, "param", ())
    app, desk = _site(Signups(*existing))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigie.example") as client:
        assert isinstance(desk.mail, Mailbox)
        assert isinstance(desk.clock, Clock)
        assert isinstance(desk.store, Signups)
        yield Site(desk.store, desk.mail, desk.clock, client)


async def test_the_form_labels_every_field_in_both_languages(site: Site) -> None:
    french = (await site.client.get("/signup?lang=fr")).text
    english = (await site.client.get("/signup", headers={"Accept-Language": "en-CA"})).text
    assert '<html lang="fr">' in french
    assert "Inscrire votre entreprise" in french
    assert '<html lang="en">' in english
    assert "Sign up your enterprise" in english
    for name in (
        "name",
        "kind",
        "neq",
        "siret",
        "keywords",
        "email",
        "phone",
        "language",
        "timezone",
        "consent_email",
        "consent_sms",
        "buyer_contact",
    ):
        assert f'<label for="{name}">' in english, name
        assert f'id="{name}"' in english, name


async def test_errors_are_tied_to_their_fields(site: Site) -> None:
    response = await site.sign_up(siret="73282932000075", email="nope", consent_email="")
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="siret"[^>]*aria-describedby="siret-error" aria-invalid="true"', page)
    assert '<p class="field-error" id="siret-error">This SIRET is not valid' in page
    assert 'aria-describedby="email-error" aria-invalid="true"' in page
    assert 'id="consent_email-error"' in page
    assert 'value="Coop Entretien"' in page  # what was typed stays
    assert site.mail.sent == []


async def test_a_new_address_gets_one_confirmation_and_nothing_exists_yet(site: Site) -> None:
    response = await site.sign_up()
    assert response.status_code == 200
    assert 'id="sent"' in response.text
    [(to, email)] = site.mail.sent
    assert to == "info@coop.example"
    assert email.subject == "Vigie: confirm the sign-up of Coop Entretien"
    assert site.store.enterprises == {}


async def test_get_shows_a_button_and_post_confirms_once(site: Site) -> None:
    await site.sign_up()
    link = site.link()
    page = await site.client.get(link)
    assert "Confirm my sign-up" in page.text
    assert site.store.enterprises == {}
    confirmed = await site.client.post(link)
    assert 'id="confirmed"' in confirmed.text
    enterprise = site.store.enterprises[enterprise_id_for("info@coop.example")]
    assert enterprise.social_economy.verification == Verification.PENDING
    assert enterprise.consent["email"].model_dump() == {
        "granted": True,
        "at": site.clock.now,
        "source": "signup-double-opt-in",
    }
    again = await site.client.post(link)
    assert 'id="confirmed"' in again.text
    assert 'id="already"' in (await site.client.get(link)).text
    assert len(site.mail.sent) == 1  # nothing else was sent


KNOWN = make_enterprise(id="coop-1", name="Coop Déjà", contacts={"email": "Info@Coop.example"})


@pytest.mark.parametrize("site", [(KNOWN,)], indirect=True)
async def test_a_known_address_answers_as_a_new_one_and_tells_its_owner(site: Site) -> None:
    known = await site.sign_up()
    new = await site.sign_up(email="other@coop.example")
    assert (known.status_code, known.text) == (new.status_code, new.text)
    [(to_known, to_owner), (_, confirmation)] = site.mail.sent
    assert to_known == "info@coop.example"
    assert to_owner.subject == "Vigie : tentative d'inscription avec votre adresse"  # its language
    assert LINKS.for_enterprise("coop-1", "fr").preferences.split("?")[0] in to_owner.text
    assert confirmation.subject.startswith("Vigie: confirm")
    assert list(site.store.pending_items) == [enterprise_id_for("other@coop.example")]


async def test_only_the_latest_link_confirms_and_links_expire(site: Site) -> None:
    await site.sign_up()
    first = site.link()
    await site.sign_up(name="Coop Entretien (corrigé)")
    assert (await site.client.post(first)).status_code == 410
    site.clock.now += timedelta(hours=48)
    assert (await site.client.post(site.link())).status_code == 410
    assert site.store.enterprises == {}
    assert (await site.client.post("/signup/confirm/forged.token")).status_code == 404


async def test_the_honeypot_answers_alike_and_sends_nothing(site: Site) -> None:
    trap = await site.sign_up(website="http://spam.example")
    assert trap.status_code == 200
    assert 'id="sent"' in trap.text
    assert site.mail.sent == []
    assert site.store.pending_items == {}


async def test_an_address_gets_three_mails_then_the_same_answer_and_none(site: Site) -> None:
    answers = [await site.sign_up() for _ in range(5)]
    assert {(a.status_code, a.text) for a in answers} == {(answers[0].status_code, answers[0].text)}
    assert len(site.mail.sent) == 3


async def test_a_client_over_its_limit_gets_429() -> None:
    app, _desk = _site(Signups(), per_client=2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://vigie.example") as client:
        codes = [
            (await client.post("/signup", data={**FORM, "email": f"a{i}@coop.example"}))
            for i in range(3)
        ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert codes[2].headers["Retry-After"] == "1800"


async def test_a_mail_failure_is_a_503_whatever_the_address(site: Site) -> None:
    site.mail.failing = True
    response = await site.sign_up()
    assert response.status_code == 503
