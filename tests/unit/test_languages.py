import pytest

from shared.languages import DEFAULT, SUPPORTED, written_language


def test_vigie_writes_french_and_english() -> None:
    assert set(SUPPORTED) == {"fr", "en"}
    assert DEFAULT == "fr"


@pytest.mark.parametrize("code", ["fr", "en"])
def test_a_written_language_is_kept(code: str) -> None:
    assert written_language(code) == code


def test_the_first_written_language_wins() -> None:
    assert written_language("en", "fr") == "en"
    assert written_language("es", "en") == "en"  # asked for Spanish: the reader's own next
    assert written_language(None, "en") == "en"


@pytest.mark.parametrize("wanted", [(), (None,), ("es",), ("de", None), ("", "FR", "english")])
def test_nothing_written_asked_falls_back_to_french(wanted: tuple[str | None, ...]) -> None:
    assert written_language(*wanted) == "fr"
