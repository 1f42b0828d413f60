"""The mailer's writing policy: the very bytes compat32 writes, with less work."""

from __future__ import annotations

from email.policy import compat32

from hypothesis import given
from hypothesis import strategies as st

from notifier.mailer import WRITING_POLICY, SmtpMailer
from notifier.render import render_alert, render_digest
from tests.factories import make_enterprise
from tests.unit.notifier.builders import LINKS, SENDER, a_match

ASCII_HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from("\t "),
    max_size=90,
)


@given(value=ASCII_HEADER_TEXT)
def test_a_header_is_written_as_compat32_writes_it(value: str) -> None:
    assert WRITING_POLICY.fold_binary("X-Vigie", value) == compat32.fold_binary("X-Vigie", value)


def test_a_whole_message_is_written_as_compat32_writes_it() -> None:
    mailer = SmtpMailer("127.0.0.1", 25, SENDER)
    enterprise = make_enterprise(language="fr")
    links = LINKS.for_enterprise(enterprise.id, "fr")
    match = a_match(enterprise, title="Déneigement des trottoirs — secteur Vieux-Longueuil")
    for email in (
        render_alert(match, "America/Toronto", SENDER, links),
        render_digest([match, match], "fr", "America/Toronto", SENDER, links),
    ):
        message = mailer.build("coop@example.org", email, "key.1")
        assert message.as_bytes(policy=WRITING_POLICY) == message.as_bytes(policy=compat32)
