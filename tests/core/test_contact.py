"""A question about how to reach the CICR gets a contact card, whatever the ranker would say."""

from __future__ import annotations

import pytest

from bot.core.dialogue import Dialogue
from bot.core.engine import Engine

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "où puis-je vous rencontrer ?",
        "vos locaux au Bélarus",
        "numéro de la mission",
        "numero de la mision",  # a letter missing
        "NUMERO MISSION",
        "c'est ou vos bureaux",
        "je veux venir vous voir",
        "vous êtes ouverts quand ?",
        "ouvert le samedi ?",
        "horaires et adresse du bureau de Minsk",
        "adresse de la mission cicr a minsk svp",
        "tel cicr gomel",
    ],
)
def test_coming_in_person_or_a_belarus_contact_gets_the_minsk_card(engine: Engine, text: str) -> None:
    decision = engine.decider.decide(engine.reader.read(text))
    assert decision.entries == ("belarus_contact",), (text, decision)
    assert decision.signal == "rule: contact question"


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("numero cicr bakou", "azerbaijan_closure"),  # the office there is closed: how to reach it now
        ("adresse cicr", "contacts"),  # no country, not in person: the general card (Minsk first)
        ("votre email ?", "contacts"),
    ],
)
def test_other_contact_questions_get_their_country_or_the_general_card(
    engine: Engine, text: str, card: str
) -> None:
    assert engine.decider.decide(engine.reader.read(text)).entries == (card,), text


@pytest.mark.parametrize(
    "text",
    [
        "horaires du bus pour minsk",  # something else than the CICR
        "adresse de l'ambassade de France à Minsk",
        "je veux voir mon fils",
        "comment tu t'appelles ?",  # "appeler" asks a name here
        "je peux appeler quelqu'un de chez vous ?",  # a person, not a number
        "quelle heure est-il ?",
        "qu'est-ce qui s'est passé ?",
        "mission",  # what the mission does, maybe: the ranker decides
        "Bonjour, je cherche mon frère disparu à Kherson, quelle est votre adresse ?",
    ],
)
def test_a_message_that_says_more_is_left_to_the_ranker(engine: Engine, text: str) -> None:
    assert engine.reader.read(text).contact is None, text


def test_a_danger_comes_before_a_contact_question(engine: Engine) -> None:
    decision = engine.decider.decide(engine.reader.read("obus devant le bureau, numéro ?"))
    assert decision.entries[0] == "mines_safety"


def test_the_minsk_card_says_opening_hours_are_not_published(dialogue: Dialogue) -> None:
    reply = dialogue.text("vous êtes ouverts quand ?")
    text = "\n".join(m.plain_text(dialogue.texts) for m in reply.messages)
    assert "+375 17 318 70 07" in text and "Horaires" in text and "ne publie ni horaires" in text
