"""The mail sink's store: the listing shows each saved message once parsed, and forgets the
deleted ones (the SMTP and HTTP sides are exercised by every test that reads mail)."""

from __future__ import annotations

from pathlib import Path

from vigie_stack.mailsink import MailStore

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Bonjour\r\n\r\nCorps\r\n"


def test_the_listing_holds_each_message_and_forgets_the_deleted_ones(tmp_path: Path) -> None:
    store = MailStore(tmp_path)
    first = store.save("a@example.org", ["b@example.org"], MESSAGE)
    second = store.save("a@example.org", ["c@example.org", "d@example.org"], MESSAGE)
    listing = store.summaries()
    assert [m["id"] for m in listing] == [first, second]
    assert listing[1]["to"] == ["c@example.org", "d@example.org"]
    assert listing[0]["subject"] == "Bonjour"
    assert store.summaries() == listing  # the second listing answers from what was parsed

    assert store.delete(first)
    assert [m["id"] for m in store.summaries()] == [second]
    # A message removed behind the store's back (by hand, a --wipe) leaves the listing too.
    (tmp_path / f"{second}.eml").unlink()
    assert store.summaries() == []
    store.save("a@example.org", ["b@example.org"], MESSAGE)
    assert store.clear() == 1
    assert store.summaries() == []
