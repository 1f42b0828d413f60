from datetime import UTC, datetime, timedelta

from shared.kafka import dead_letter_headers as h


def test_a_dead_letter_says_where_it_came_from_why_and_when() -> None:
    headers = h.dead_letter_headers(
        topic="vigie.tenders.v1", partition="2", offset="41", attempts=3, error="boom"
    )
    assert headers[h.SOURCE_TOPIC] == "vigie.tenders.v1"
    assert (headers[h.SOURCE_PARTITION], headers[h.SOURCE_OFFSET]) == ("2", "41")
    assert headers[h.ATTEMPTS] == "3"
    assert headers[h.ERROR] == "boom"
    failed_at = datetime.fromisoformat(headers[h.FAILED_AT])
    assert abs(failed_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert h.DELIVERY_KEY not in headers


def test_a_failed_delivery_names_its_key_and_long_errors_are_cut() -> None:
    headers = h.dead_letter_headers(
        topic="t", partition="", offset="", attempts=8, error="x" * 5000, delivery_key="k#1"
    )
    assert headers[h.DELIVERY_KEY] == "k#1"
    assert headers[h.ERROR] == "x" * h.MAX_ERROR_CHARS


def test_the_header_names_are_the_ones_on_the_wire() -> None:
    assert h.SOURCE_TOPIC == "x-vigie-source-topic"
    assert h.ERROR == "x-vigie-error"
    assert h.REPLAYED_FROM == "x-vigie-replayed-from"
