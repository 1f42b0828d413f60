"""Whether a message may go out on a channel now. Pure: the deliverer asks it at send time, so a
consent withdrawn or a preference changed since the match was recorded is honoured."""

from __future__ import annotations

from dataclasses import dataclass

from shared.enterprises import Enterprise
from shared.events import Channel


@dataclass(frozen=True)
class Verdict:
    send: bool
    reason: str = ""


SEND = Verdict(True)


def profile_channels(enterprise: Enterprise, profile_id: str) -> list[Channel]:
    """The channels the matched profile asks for (all, when it names none)."""
    profile = enterprise.profile(profile_id)
    if profile is None or profile.channels is None:
        return list(Channel)
    return [Channel(channel) for channel in profile.channels]


def may_send(
    enterprise: Enterprise, channel: Channel, profile_id: str | None, contact: str | None
) -> Verdict:
    """`profile_id` is None for a digest, whose items were checked one by one."""
    if not enterprise.consents_to(channel.value):
        return Verdict(False, f"no {channel.value} consent")
    if contact is None:
        return Verdict(False, f"no {channel.value} contact")
    if profile_id is not None and channel not in profile_channels(enterprise, profile_id):
        return Verdict(False, f"profile {profile_id} does not use {channel.value}")
    if enterprise.preferences.paused:
        return Verdict(False, "alerts paused")
    return SEND
