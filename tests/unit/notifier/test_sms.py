"""SMS text: encodings, segment counts, E.164 numbers, an alert kept to two segments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.render import render_sms, render_sms_digest
from notifier.sms_text import Encoding, InvalidNumber, segmentation, to_e164
from shared.events import TenderEventKind
from tests.factories import make_enterprise
from tests.unit.notifier.builders import a_match

LINK = "https://seao.example/avis/1"


def test_french_accents_that_fit_gsm7() -> None:
    seg = segmentation("Déneigement: é è à ù É Ç")
    assert (seg.encoding, seg.units, seg.segments) == (Encoding.GSM7, 24, 1)


@pytest.mark.parametrize("char", ["ê", "â", "î", "ô", "ç"])
def test_french_accents_that_force_ucs2(char: str) -> None:
    assert segmentation(f"Travaux {char}").encoding == Encoding.UCS2


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("€" * 80, 160, 1),  # extension characters cost two septets
        ("€" * 81, 162, 2),
        ("ç" * 70, 70, 1),
        ("ç" * 71, 71, 2),
        ("ç" * 134, 134, 2),
        ("ç" * 135, 135, 3),
        ("🏗" * 35, 70, 1),  # outside the BMP: two UTF-16 units each
    ],
)
def test_segment_counts(text: str, units: int, segments: int) -> None:
    seg = segmentation(text)
    assert (seg.units, seg.segments) == (units, segments)


def test_numbers_are_normalised_to_e164() -> None:
    assert to_e164("+1 (450) 555-1234") == "+14505551234"
    assert to_e164("+33 6 12 34 56 78") == "+33612345678"
    for bad in ("+1450555123", "4505551234", "+999123", ""):
        with pytest.raises(InvalidNumber):
            to_e164(bad)


def test_alert_text_has_title_deadline_and_link() -> None:
    match = a_match(make_enterprise(language="fr"))
    text = render_sms(match, "America/Toronto", LINK)
    assert text == (
        "Vigie: Entretien ménager. Date limite 2027-01-15 14 h 00 (EST). "
        f"{LINK} STOP pour vous désabonner"
    )
    assert segmentation(text).encoding == Encoding.GSM7


def test_cancellation_text_says_so() -> None:
    match = a_match(make_enterprise(language="en"), TenderEventKind.CANCELLED)
    assert render_sms(match, "America/Toronto", LINK).startswith("Vigie CANCELLED: ")


def test_a_long_title_gives_way_to_stay_within_two_segments() -> None:
    title = "Reconstruction de la chaussée et des trottoirs, rue Saint-Charles " * 6
    text = render_sms(a_match(make_enterprise(), title=title[:500]), "America/Toronto", LINK)
    seg = segmentation(text)
    assert (seg.encoding, seg.segments) == (Encoding.GSM7, 2)
    assert "..." in text
    assert text.endswith(f"{LINK} STOP pour vous désabonner")
    assert seg.units > 280  # the title was cut no more than needed


@given(st.text(min_size=1, max_size=500).filter(lambda t: t.strip() != ""))
def test_any_title_fits_in_two_segments(title: str) -> None:
    match = a_match(make_enterprise(language="fr"), title=title)
    assert segmentation(render_sms(match, "America/Toronto", LINK)).segments <= 2


def test_reminder_and_digest_texts() -> None:
    match = a_match(make_enterprise(language="en"))
    reminder = render_sms(match, "America/Toronto", LINK, reminder=True)
    assert reminder.startswith("Vigie REMINDER: Entretien ménager. Deadline 2027-01-15 14:00")
    digest = render_sms_digest(4, "fr", "https://vigie.example/preferences/x")
    assert digest.startswith("Vigie: 4 appel(s) d'offres pour vous.")
    assert segmentation(digest).encoding == Encoding.GSM7
