"""Reading the preference form: consent per channel, cadence, quiet hours, per-profile overrides."""

from __future__ import annotations

import pytest

from notifier.preference_form import FormError, consent_changes, read_form
from shared.events import Channel
from tests.factories import make_enterprise

FULL_FORM = {
    "channel-email": "on",
    "cadence": "daily",
    "digest_hour": "7",
    "digest_weekday": "5",
    "quiet": "on",
    "quiet_start": "21:30",
    "quiet_end": "06:45",
    "reminders": "on",
    "reminder_days": "4",
    "profile-p1-cadence": "weekly",
    "profile-p1-email": "on",
}


def test_every_field_is_read() -> None:
    enterprise = make_enterprise(contacts={"email": "a@example.org", "phone": "+14505551234"})
    change = read_form(enterprise, FULL_FORM)
    prefs = change.preferences
    assert (prefs.cadence, prefs.digest_hour, prefs.digest_weekday) == ("daily", 7, 5)
    assert prefs.quiet_hours is not None
    assert prefs.quiet_hours.window()[0].isoformat() == "21:30:00"
    assert (prefs.paused, prefs.reminder_days) == (False, 4)
    [profile] = change.profiles
    assert (profile.cadence, profile.channels) == ("weekly", ["email"])
    assert profile.codes == enterprise.profiles[0].codes  # the matching part is untouched
    assert change.consent == {Channel.EMAIL: True, Channel.SMS: False}


def test_unticked_boxes_clear_their_setting() -> None:
    enterprise = make_enterprise(
        preferences={"quiet_hours": {"start": "22:00", "end": "06:00"}, "paused": True}
    )
    change = read_form(
        enterprise,
        {"cadence": "instant", "profile-p1-email": "on", "profile-p1-sms": "on"},
    )
    assert change.preferences.quiet_hours is None
    assert change.preferences.paused is False
    assert change.profiles[0].channels is None  # every channel ticked: no restriction
    assert change.profiles[0].cadence is None  # "as above"
    # No phone: SMS consent is not the form's to give.
    assert change.consent == {Channel.EMAIL: False}


def test_only_real_consent_changes_are_recorded() -> None:
    enterprise = make_enterprise(contacts={"email": "a@example.org", "phone": "+14505551234"})
    assert consent_changes(enterprise, {Channel.EMAIL: True, Channel.SMS: False}) == []
    assert consent_changes(enterprise, {Channel.EMAIL: False, Channel.SMS: True}) == [
        Channel.EMAIL,
        Channel.SMS,
    ]


@pytest.mark.parametrize(
    "field",
    [
        {"cadence": "hourly"},
        {"digest_hour": "25"},
        {"digest_hour": "eight"},
        {"quiet": "on", "quiet_start": "9pm", "quiet_end": "07:00"},
        {"reminders": "on", "reminder_days": "0"},
        {"profile-p1-cadence": "sometimes"},
    ],
)
def test_values_the_page_cannot_send_are_refused(field: dict[str, str]) -> None:
    with pytest.raises(FormError):
        read_form(make_enterprise(), {**FULL_FORM, **field})
