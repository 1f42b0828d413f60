"""Every alert carries signed answer links and a documents link through Vigie's redirect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from notifier.action_tokens import ActionSigner
from notifier.alert_links import ALERT_PURPOSE, AlertLinkBuilder
from notifier.channels import SmsChannel
from notifier.render import render_alert, render_digest
from notifier.sms_text import segmentation
from shared.events import MatchEvent, TenderEventKind
from tests.factories import NOW, make_enterprise
from tests.unit.notifier.builders import LINKS, SENDER, SIGNER, a_match

ACTIONS = ActionSigner(SIGNER)
ALERTS = AlertLinkBuilder(ACTIONS, "https://vigie.example")


def _token(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[1]


def test_the_links_carry_one_token_for_the_enterprise_and_tender() -> None:
    enterprise = make_enterprise(language="en")
    match = a_match(enterprise)
    links = ALERTS.for_alert(enterprise.id, match, "en")
    assert ACTIONS.open(_token(links.page), ALERT_PURPOSE, NOW) == [
        enterprise.id,
        match.tender.uid,
    ]
    assert parse_qs(urlsplit(links.interested).query) == {
        "lang": ["en"],
        "answer": ["interested"],
    }
    assert [reason for reason, _ in links.declined] == [
        "too_big",
        "too_far",
        "not_our_trade",
        "deadline_too_short",
        "other",
    ]
    assert parse_qs(urlsplit(links.declined[1][1]).query)["reason"] == ["too_far"]
    assert links.documents == f"https://vigie.example/documents/{_token(links.page)}"


def test_an_alert_email_offers_the_answers_and_the_redirected_documents() -> None:
    enterprise = make_enterprise(language="fr")
    match = a_match(enterprise, documents_url="https://seao.example/avis/1")
    actions = ALERTS.for_alert(enterprise.id, match, "fr")
    links = LINKS.for_enterprise(enterprise.id, "fr")
    email = render_alert(match, enterprise.timezone, SENDER, links, actions=actions)
    html = email.html.replace("&amp;", "&")
    assert f'href="{actions.documents}"' in html
    assert "https://seao.example/avis/1" not in email.html + email.text
    assert f'href="{actions.interested}"' in html
    for _, url in actions.declined:
        assert f'href="{url}"' in html
        assert url in email.text
    assert "Oui, il nous intéresse : " + actions.interested in email.text
    assert "Pas intéressés (délai trop court) : " in email.text


def test_a_cancellation_asks_nothing() -> None:
    enterprise = make_enterprise(language="en")
    match = a_match(enterprise, kind=TenderEventKind.CANCELLED)
    actions = ALERTS.for_alert(enterprise.id, match, "en")
    email = render_alert(
        match,
        enterprise.timezone,
        SENDER,
        LINKS.for_enterprise(enterprise.id, "en"),
        actions=actions,
    )
    assert actions.interested not in email.text + email.html.replace("&amp;", "&")


def test_each_digest_item_has_its_own_answers() -> None:
    enterprise = make_enterprise(language="en")
    first, second = a_match(enterprise, title="First"), a_match(enterprise, title="Second")
    email = render_digest(
        [first, second],
        "en",
        enterprise.timezone,
        SENDER,
        LINKS.for_enterprise(enterprise.id, "en"),
        lambda m: ALERTS.for_alert(enterprise.id, m, "en"),
    )
    for match in (first, second):
        assert ALERTS.for_alert(enterprise.id, match, "en").interested in email.text
    assert len(re.findall("Yes, we are interested", email.html)) == 2


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent)}"

    async def close(self) -> None:
        return None


class _Shortener:
    async def for_alert(self, enterprise_id: str, match: MatchEvent, language: str) -> str:
        return f"https://vigie.example/a/{enterprise_id[:4]}{language}0123456789"


async def test_a_text_carries_the_short_answer_link_within_two_segments() -> None:
    enterprise = make_enterprise(language="fr", contacts={"phone": "+15145550199"})
    # "ê" and "ç" make it UCS-2: 134 units in two segments, the full signed link alone ~140.
    match = a_match(enterprise, title="Fenêtres et façades " * 8)
    provider = _Recorder()
    await SmsChannel(provider, LINKS, _Shortener()).send_alert(enterprise, match, "k")
    [(_, text)] = provider.sent
    assert await _Shortener().for_alert(enterprise.id, match, "fr") in text
    assert text.startswith("Vigie: Fenêtres et façade")  # shortened, still there
    assert segmentation(text).segments <= 2
