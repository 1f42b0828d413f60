"""What a submitted preference form asks for. Pure: the web layer passes the raw fields in.

Checkbox fields are present ("on") when ticked and absent otherwise, as HTML forms send them.
A channel ticked for the enterprise is consent given through the preference centre; unticked,
consent withdrawn. A profile's channels left all ticked mean "every consented channel" (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from shared.enterprises import AlertProfile, Cadence, Enterprise, Preferences, QuietHours
from shared.events import Channel

CHANNELS = (Channel.EMAIL, Channel.SMS)


class FormError(ValueError):
    """A field the page could not have sent: the request was hand-made or the page is stale."""


@dataclass(frozen=True)
class PreferenceChange:
    consent: dict[Channel, bool]
    preferences: Preferences
    profiles: list[AlertProfile]


def _ticked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) == "on"


def _int(form: Mapping[str, str], name: str, default: int) -> int:
    raw = form.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise FormError(f"{name}: not a number") from exc


def channel_available(enterprise: Enterprise, channel: Channel) -> bool:
    contacts = enterprise.contacts
    return (contacts.email if channel == Channel.EMAIL else contacts.phone) is not None


def _preferences(form: Mapping[str, str], current: Preferences) -> Preferences:
    quiet = (
        QuietHours(start=form.get("quiet_start", ""), end=form.get("quiet_end", ""))
        if _ticked(form, "quiet")
        else None
    )
    return Preferences(
        cadence=Cadence(form.get("cadence") or current.cadence),
        digest_hour=_int(form, "digest_hour", current.digest_hour),
        digest_weekday=_int(form, "digest_weekday", current.digest_weekday),
        quiet_hours=quiet,
        paused=_ticked(form, "paused"),
        reminder_days=_int(form, "reminder_days", 3) if _ticked(form, "reminders") else None,
    )


def _profile(form: Mapping[str, str], profile: AlertProfile) -> AlertProfile:
    prefix = f"profile-{profile.id}-"
    cadence = form.get(prefix + "cadence", "")
    channels = [c for c in CHANNELS if _ticked(form, prefix + c.value)]
    return AlertProfile.model_validate(
        {
            **profile.model_dump(),
            "cadence": cadence or None,
            "channels": None if len(channels) == len(CHANNELS) else channels,
        }
    )


def read_form(enterprise: Enterprise, form: Mapping[str, str]) -> PreferenceChange:
    try:
        preferences = _preferences(form, enterprise.preferences)
        profiles = [_profile(form, profile) for profile in enterprise.profiles]
    except (ValidationError, ValueError) as exc:
        raise FormError(str(exc)) from exc
    consent = {
        channel: _ticked(form, f"channel-{channel.value}")
        for channel in CHANNELS
        if channel_available(enterprise, channel)
    }
    return PreferenceChange(consent, preferences, profiles)


def consent_changes(enterprise: Enterprise, wanted: Mapping[Channel, bool]) -> list[Channel]:
    """The channels whose consent the form changes (only those are recorded)."""
    return [c for c, granted in wanted.items() if enterprise.consents_to(c.value) != granted]
