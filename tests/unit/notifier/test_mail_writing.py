"""The mailer's writing: the very bytes compat32 writes with less work, subjects that read back
as written, and a fixed boundary that no body can break."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.policy import compat32
from itertools import takewhile

from hypothesis import given
from hypothesis import strategies as st

from notifier.mailer import BOUNDARY, WRITING_POLICY, SmtpMailer
from notifier.render import RenderedEmail, render_alert, render_digest
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


@given(subject=st.text(min_size=1, max_size=300).filter(lambda s: s.strip() == s and "\r" not in s))
def test_any_subject_reads_back_as_it_was_written_in_lines_of_78_at_most(subject: str) -> None:
    mailer = SmtpMailer("127.0.0.1", 25, SENDER)
    email = replace(_an_alert(), subject=subject)

    written = mailer.build("coop@example.org", email, "key.1").as_bytes(policy=WRITING_POLICY)

    parsed = message_from_bytes(written, policy=policy.default)
    assert str(parsed["Subject"]) == subject
    header_block = written.split(b"\n\n", 1)[0]
    first, *after = header_block.split(b"\nSubject: ", 1)[1].split(b"\n")
    folded = [b"Subject: " + first, *takewhile(lambda line: line[:1] == b" ", after)]
    if not subject.isascii():
        assert all(len(line) <= 78 for line in folded)


def test_a_body_quoting_the_boundary_still_makes_two_whole_parts() -> None:
    mailer = SmtpMailer("127.0.0.1", 25, SENDER)
    quoting = f"\n--{BOUNDARY}\nnot a part\n--{BOUNDARY}--\n"
    email = replace(_an_alert(), text=quoting, html=f"<p>{quoting}</p>")

    written = mailer.build("coop@example.org", email, "key.1").as_bytes(policy=WRITING_POLICY)

    parsed = message_from_bytes(written, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text, html = parsed.iter_parts()
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert text.get_content() == quoting
    assert html.get_content() == f"<p>{quoting}</p>"


def _an_alert() -> RenderedEmail:
    enterprise = make_enterprise(language="fr")
    links = LINKS.for_enterprise(enterprise.id, "fr")
    return render_alert(a_match(enterprise), "America/Toronto", SENDER, links)
