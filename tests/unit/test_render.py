from __future__ import annotations

from matcher.decisions import plan_matches
from notifier.render import Sender, render_alert
from shared.events import MatchEvent, TenderEvent, TenderEventKind
from tests.factories import NOW, make_enterprise, make_tender

SENDER = Sender("Vigie", "alertes@vigie.example", "1 rue Test, Longueuil", "aide@vigie.example")


def a_match(language: str, kind: TenderEventKind = TenderEventKind.PUBLISHED) -> MatchEvent:
    enterprise = make_enterprise(language=language)
    tender = make_tender(
        title="Entretien ménager",
        submission_deadline="2027-01-15T19:00:00+00:00",
        revision=2 if kind != TenderEventKind.PUBLISHED else 1,
    )
    earlier = {enterprise.id: "p1"} if kind != TenderEventKind.PUBLISHED else {}
    [match] = plan_matches(TenderEvent(kind=kind, tender=tender), [enterprise], earlier, NOW)
    return match


def test_french_alert_in_the_enterprise_time_zone() -> None:
    email = render_alert(a_match("fr"), "America/Toronto", SENDER)
    assert email.subject == "Entretien ménager — date limite 2027-01-15 14 h 00 (EST)"
    assert "Acheteur : Ville de Longueuil" in email.text
    assert "Valeur estimée : 150\u202f000,00 CAD" in email.text
    assert "UNSPSC 76111500 fait partie de votre profil 7611" in email.text
    assert "1 rue Test, Longueuil" in email.text  # the sender block CASL asks for


def test_english_alert() -> None:
    email = render_alert(a_match("en"), "Europe/Paris", SENDER)
    assert email.subject == "Entretien ménager — deadline 2027-01-15 20:00 (CET)"
    assert "Why this concerns you:" in email.text
    assert "Estimated value: CAD 150,000.00" in email.text


def test_amended_and_cancelled_say_so() -> None:
    amended = render_alert(a_match("fr", TenderEventKind.AMENDED), "America/Toronto", SENDER)
    cancelled = render_alert(a_match("en", TenderEventKind.CANCELLED), "America/Toronto", SENDER)
    assert amended.subject.startswith("Modifié : ")
    assert cancelled.subject == "Cancelled: Entretien ménager"
    assert "The buyer cancelled this call for tenders" in cancelled.text
