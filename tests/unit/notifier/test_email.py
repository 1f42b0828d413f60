"""The alert email: both parts, both languages, the CASL block and the unsubscribe headers."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from notifier.mailer import SmtpMailer
from notifier.render import render_alert
from notifier.signing import InvalidToken, LinkSigner
from shared.events import TenderEventKind
from tests.factories import make_enterprise
from tests.unit.notifier.builders import LINKS, SENDER, SIGNER, a_match


def test_french_email_has_every_fact_in_both_parts() -> None:
    enterprise = make_enterprise(language="fr")
    match = a_match(enterprise, reserved_for=["social_economy"])
    links = LINKS.for_enterprise(enterprise.id, "fr")
    email = render_alert(match, "America/Toronto", SENDER, links)

    assert email.subject == "Entretien ménager — date limite 2027-01-15 14 h 00 (EST)"
    for part in (email.text, email.html):
        assert "Ville de Longueuil" in part
        assert "2027-01-15 14 h 00 (EST)" in part
        assert "150\u202f000,00 CAD" in part
        assert "UNSPSC 76111500 fait partie de votre profil 7611" in part
        assert "économie sociale" in part
        assert "https://seao.example/avis/1" in part
        assert "1 rue Test, Longueuil" in part  # CASL: postal address
        assert "aide@vigie.example" in part  # CASL: contact
        assert links.unsubscribe.replace("&", "&amp;") in part or links.unsubscribe in part
    assert "Acheteur : Ville de Longueuil" in email.text
    assert '<html lang="fr">' in email.html
    assert "Vous désabonner" in email.html


def test_english_email_in_the_enterprise_time_zone() -> None:
    enterprise = make_enterprise(language="en", timezone="Europe/Paris")
    email = render_alert(
        a_match(enterprise), "Europe/Paris", SENDER, LINKS.for_enterprise(enterprise.id, "en")
    )
    assert email.subject == "Entretien ménager — deadline 2027-01-15 20:00 (CET)"
    assert "Why this concerns you" in email.html
    assert "Estimated value</td><td>CAD 150,000.00" in email.html
    assert "Unsubscribe: https://vigie.example/unsubscribe/" in email.text


def test_html_part_escapes_what_the_buyer_wrote() -> None:
    enterprise = make_enterprise(language="en")
    match = a_match(enterprise, title="Paving <script>alert(1)</script> & curbs")
    email = render_alert(
        match, "America/Toronto", SENDER, LINKS.for_enterprise(enterprise.id, "en")
    )
    assert "<script>" not in email.html
    assert "Paving &lt;script&gt;alert(1)&lt;/script&gt; &amp; curbs" in email.html
    assert "Paving <script>alert(1)</script> & curbs" in email.text


def test_amended_and_cancelled_messages_say_so_in_both_parts() -> None:
    fr = make_enterprise(language="fr")
    en = make_enterprise(language="en")
    amended = render_alert(
        a_match(fr, TenderEventKind.AMENDED),
        "America/Toronto",
        SENDER,
        LINKS.for_enterprise(fr.id, "fr"),
    )
    cancelled = render_alert(
        a_match(en, TenderEventKind.CANCELLED),
        "America/Toronto",
        SENDER,
        LINKS.for_enterprise(en.id, "en"),
    )
    assert amended.subject.startswith("Modifié : ")
    assert "MODIFIÉ" in amended.html
    assert amended.text.startswith("MODIFIÉ — ")
    assert cancelled.subject == "Cancelled: Entretien ménager"
    assert "CANCELLED" in cancelled.html
    assert "The buyer cancelled this call for tenders" in cancelled.html


def _built(language: str = "fr") -> tuple[EmailMessage, str]:
    enterprise = make_enterprise(language=language)
    links = LINKS.for_enterprise(enterprise.id, language)
    email = render_alert(a_match(enterprise), "America/Toronto", SENDER, links)
    mailer = SmtpMailer("127.0.0.1", 1, SENDER)
    built = mailer.build("coop@example.org", email, "m-1")
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed, enterprise.id


def test_message_has_text_and_html_alternatives() -> None:
    message, _ = _built()
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Message-ID"] == "<m-1@vigie>"
    assert message["From"] == "Vigie <alertes@vigie.example>"


def test_one_click_unsubscribe_headers_follow_rfc_8058() -> None:
    message, enterprise_id = _built()
    https, mailto = [item.strip().strip("<>") for item in message["List-Unsubscribe"].split(",")]
    assert https.startswith("https://vigie.example/unsubscribe/")
    assert mailto.startswith("mailto:desabonnement@vigie.example?subject=unsubscribe")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = https.split("/unsubscribe/")[1].split("?")[0].replace("%3A", ":")
    assert SIGNER.verify(token) == enterprise_id


def test_signed_tokens_cannot_be_forged_or_moved_to_another_enterprise() -> None:
    token = SIGNER.token("ent-1")
    assert SIGNER.verify(token) == "ent-1"
    mac = token.rpartition(".")[2]
    for forged in (f"ent-2.{mac}", token[:-1] + ("A" if token[-1] != "A" else "B"), "ent-1", ""):
        with pytest.raises(InvalidToken):
            SIGNER.verify(forged)
    with pytest.raises(InvalidToken):
        LinkSigner("another-key-0123456789abcdef").verify(token)


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        LinkSigner("short")
