import pytest
from pydantic import ValidationError

from matcher.decisions import plan_for
from matcher.reasons import changes_reason, reason
from matcher.rules import Candidate
from matcher.text import stemmer_name
from shared.enterprises import Enterprise
from shared.events import TenderEvent, TenderEventKind
from shared.languages import DEFAULT, SUPPORTED, written_language
from tests.factories import NOW, enterprise_data, make_enterprise, make_tender


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


# The matcher writes its reasons by the same rule (it once fell back to English on its own).


def test_a_reason_in_a_language_vigie_does_not_write_is_in_french() -> None:
    asked = reason("keyword", "es", words="déneigement")
    assert asked.text == reason("keyword", "fr", words="déneigement").text
    assert asked.text != reason("keyword", "en", words="déneigement").text


def test_what_an_amendment_changed_falls_back_to_french() -> None:
    assert changes_reason(["submission_deadline"], "de").text == "Modifié : date limite"
    assert changes_reason(["submission_deadline"], "en").text == "Changed: deadline"


def test_a_cancellation_reason_follows_the_enterprise_language_else_french() -> None:
    tender = make_tender()
    earlier = {"e-en": "p1", "e-xx": "p1"}
    english = make_enterprise(id="e-en", language="en")
    # An enterprise record written before a language was withdrawn: read as it is stored.
    unknown = make_enterprise(id="e-xx").model_copy(update={"language": "es"})
    event = TenderEvent(kind=TenderEventKind.CANCELLED, tender=tender)
    texts = {
        m.enterprise_id: m.reasons[0].text
        for m in plan_for(
            event, [Candidate(english, frozenset()), Candidate(unknown, frozenset())], earlier, NOW
        )
    }
    assert texts["e-en"] == "The buyer cancelled this call for tenders"
    assert texts["e-xx"] == "Cet appel d'offres a été annulé par l'acheteur"


def test_a_notice_in_a_language_without_a_stemmer_is_stemmed_as_french() -> None:
    assert stemmer_name("en") == "english"
    assert stemmer_name("fr") == stemmer_name("de") == stemmer_name("") == "french"
    assert {stemmer_name(code) for code in SUPPORTED} == {"french", "english"}


def test_every_matcher_text_is_written_in_every_language() -> None:
    for code in SUPPORTED:
        for key in ("code", "territory", "keyword", "unknown_location", "reserved"):
            reason(key, code, scheme="CPV", code="1", prefix="1", place="x", area="y", words="z")
        assert changes_reason(["title"], code).text


def test_an_enterprise_language_is_one_vigie_writes_defaulting_to_french() -> None:
    data = enterprise_data()
    data.pop("language", None)
    assert Enterprise.model_validate(data).language == DEFAULT
    with pytest.raises(ValidationError, match="language"):
        Enterprise.model_validate({**data, "language": "es"})
