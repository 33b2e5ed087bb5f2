"""The conversation logic, without Telegram."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core import html as telegram_html
from bot.core.decision import Decision, Outcome
from bot.core.dialogue import Dialogue
from bot.core.engine import Engine
from bot.core.knowledge import KnowledgeBase
from bot.core.replies import CLARIFIED, OPEN_ENTRY, SHOW_MENU, Reply
from bot.curation.evaluation import scoring_engine

pytestmark = pytest.mark.unit


@dataclass
class Chat:
    """One conversation: the dialogue keeps nothing, so the test keeps the last topic, as the
    channels' follow-up store does."""

    dialogue: Dialogue
    topic: str | None = None

    def say(self, text: str) -> Reply:
        reply = self.dialogue.text(text, self.topic)
        self.topic = reply.next_topic(self.topic)
        return reply


def test_start_shows_welcome_privacy_line_and_menu(dialogue: Dialogue, kb: KnowledgeBase) -> None:
    reply = dialogue.start()
    (message,) = reply.messages
    assert kb.interface["privacy_line"] in message.html
    assert [row[0].label for row in message.buttons] == [m.label for m in kb.interface.menu]
    for row in message.buttons:
        assert 1 <= len(row[0].action.encode()) <= 64


def test_deep_link_opens_an_entry_and_unknown_payload_welcomes(dialogue: Dialogue) -> None:
    assert dialogue.start("belarus_contact").entry_id == "belarus_contact"
    assert dialogue.start("no_such_entry").outcome == "welcome"


def test_contact_answer_carries_a_contact_card(dialogue: Dialogue) -> None:
    reply = dialogue.text("numéro du CICR à Minsk")
    cards = [m.contact for m in reply.messages if m.contact]
    assert cards and cards[0].phone == "+375 17 318 70 07"


def test_explosive_report_gets_safety_first_then_the_question(dialogue: Dialogue) -> None:
    reply = dialogue.text("j'ai trouvé un obus dans mon jardin, c'est quoi le numéro du CICR à Minsk")
    assert reply.entries[0] == "mines_safety"
    assert reply.entry_id == "mines_safety"
    assert len(reply.messages) <= 3


def test_out_of_scope_gets_fallback_with_menu_and_general_contact(
    dialogue: Dialogue, kb: KnowledgeBase
) -> None:
    reply = dialogue.text("horaires du bus Minsk–Brest")
    assert reply.entry_id is None
    assert all(m.contact is None for m in reply.messages)
    if reply.outcome == "fallback":
        assert kb.interface["general_contact"] in reply.messages[0].html
        assert reply.messages[0].buttons


def test_a_refusal_offers_what_the_message_may_still_be_about_first(
    dialogue: Dialogue, kb: KnowledgeBase
) -> None:
    menu = [item.entry for item in kb.interface.menu]
    guessed = dialogue.replies.decided(
        Decision(Outcome.FALLBACK, offered=("help_request",)), country="ukraine"
    )
    assert guessed.outcome == "fallback" and guessed.entry_id is None
    assert kb.interface["general_contact"] in guessed.messages[0].html
    first, *rest = [row[0] for row in guessed.messages[0].buttons]
    # Opened as any topic of the menu, the country carried to its route; then the menu.
    assert first.label == kb.entries["help_request"].title
    assert first.action.startswith(f"{OPEN_ENTRY}:help_request") and "ukraine" in first.action
    assert [b.action for b in rest] == [f"{OPEN_ENTRY}:{entry}" for entry in menu]
    assert guessed.suggestions == ("help_request", *menu)
    pressed = dialogue.press(first.action)
    assert pressed.entry_id == "help_request" and pressed.edit_pressed is None  # the refusal stays
    # A topic already in the menu is not shown twice.
    family = dialogue.replies.decided(Decision(Outcome.FALLBACK, offered=("family_links",)))
    actions = [row[0].action for row in family.messages[0].buttons]
    assert actions[0] == f"{OPEN_ENTRY}:family_links" and len(actions) == len(menu)
    plain = dialogue.replies.decided(Decision(Outcome.FALLBACK))
    assert plain.suggestions == tuple(menu)


def test_clarification_offers_choices_and_other(dialogue: Dialogue, kb: KnowledgeBase) -> None:
    reading = dialogue.reader.read("cicr minsk")
    offered = tuple(c.entry_id for c in reading.content[:3])
    reply = dialogue.replies.decided(Decision(Outcome.CLARIFY, offered=offered, score=61))
    assert reply.outcome == "clarify" and reply.entry_id is None
    buttons = [row[0] for row in reply.messages[0].buttons]
    assert buttons[-1].action == SHOW_MENU and buttons[-1].label == kb.interface["other_choice"]
    assert 1 <= len(buttons) - 1 <= 3
    pressed = dialogue.press(buttons[0].action)
    assert pressed.entry_id == buttons[0].action.split(":")[1]
    assert pressed.edit_pressed and telegram_html.validate(pressed.edit_pressed) == []


def test_follow_ups_use_the_last_topic(dialogue: Dialogue) -> None:
    chat = Chat(dialogue)
    assert chat.say("que fait le CICR au Bélarus").entry_id == "belarus_mission"
    assert chat.say("et le téléphone ?").entry_id == "belarus_contact"
    assert chat.say("et en Azerbaïdjan ?").entry_id == "azerbaijan_closure"
    assert chat.say("et au Bélarus ?").entry_id == "belarus_contact"
    # Without a last topic, the same words are no follow-up.
    assert dialogue.text("et le téléphone ?").entry_id != "belarus_contact"


def test_details_follow_up(dialogue: Dialogue, kb: KnowledgeBase) -> None:
    chat = Chat(dialogue)
    chat.say("que fait le CICR au Bélarus")
    reply = chat.say("plus de détails")
    assert reply.entry_id == "belarus_mission"
    assert reply.messages[0].html == kb.entries["belarus_mission"].details


def test_complete_message_is_answered_on_its_own(dialogue: Dialogue) -> None:
    chat = Chat(dialogue)
    chat.say("numéro du CICR à Minsk")
    reply = chat.say("merci, et pour retrouver ma sœur ?")
    assert reply.entry_id == "family_links"


def test_start_forgets_the_topic_and_small_talk_keeps_it(dialogue: Dialogue) -> None:
    chat = Chat(dialogue)
    chat.say("que fait le CICR en Azerbaïdjan en 2023")
    assert chat.topic == "azerbaijan_2023"
    chat.say("merci")
    assert chat.topic == "azerbaijan_2023"
    assert dialogue.start().forget and dialogue.start().next_topic("azerbaijan_2023") is None
    assert dialogue.start("belarus_contact").next_topic("azerbaijan_2023") == "belarus_contact"


def test_only_topic_ids_are_remembered(dialogue: Dialogue, kb: KnowledgeBase) -> None:
    reply = dialogue.text("je cherche mon frère Ivan Petrov disparu à Marioupol")
    assert reply.remember in kb.entries


def test_never_more_than_three_messages(engine: Engine, kb: KnowledgeBase) -> None:
    questions = [q for e in kb.entries.values() for q in e.questions]
    dialogue = scoring_engine(engine, questions).dialogue  # their vectors are in the cache
    for entry in kb.entries.values():
        for question in entry.questions:
            assert len(dialogue.text(question).messages) <= 3


def test_inline_results_carry_answer_contact_and_source(dialogue: Dialogue) -> None:
    results = dialogue.inline("numero cicr minsk")
    assert 1 <= len(results) <= 5
    top = results[0]
    assert top.entry_id == "belarus_contact"
    assert "+375 17 318 70 07" in top.html and "Source" in top.html
    assert telegram_html.validate(top.html) == []
    assert [r.entry_id for r in dialogue.inline("")] == [m.entry for m in dialogue.kb.interface.menu]


def test_every_button_fits_telegram_limits(dialogue: Dialogue, kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        for message in dialogue.press(f"{CLARIFIED}:{entry.id}").messages:
            for row in message.buttons:
                for button in row:
                    assert button.url or 1 <= len(button.action.encode()) <= 64
                    assert button.label


def test_a_message_in_another_language_gets_the_notice_in_that_language(
    dialogue: Dialogue,
) -> None:
    for text, notice in [
        ("Hello, I am looking for my brother, he is missing since 2022", "notice_en"),
        ("Здравствуйте, ищу сына, он пропал в Харькове", "notice_ru"),
        ("Доброго дня, шукаю сина, зник у Маріуполі", "notice_uk"),
        ("Добры дзень, шукаю брата, ён знік у 2023 годзе", "notice_be"),
        ("Salam, mənim qardaşım itkin düşüb, kömək edin", "notice_az"),
        ("Բարեւ, ես փնտրում եմ եղբորս", "notice_en"),  # no notice in Armenian: English
    ]:
        reply = dialogue.ask(text)
        assert reply.entries == (notice,), text
        assert "+375 17 318 70 07" in reply.messages[0].html  # the notice gives the contact


def test_a_danger_named_in_another_language_gets_the_safety_advice_first(
    dialogue: Dialogue,
) -> None:
    for text, notice in [
        ("I found an unexploded shell in my backyard, what should I do?", "notice_en"),
        ("Нашли в огороде снаряд, ржавый. Что делать??", "notice_ru"),
        ("Знайшли міну на городі, що робити?", "notice_uk"),
        ("Bağımızda mina tapdıq, nə edək?", "notice_az"),
    ]:
        assert dialogue.ask(text).entries == ("mines_safety", notice), text
    # The notice alone when nothing dangerous is named; a town is not a danger.
    assert dialogue.ask("where is the ICRC office in Minsk").entries == ("notice_en",)


def test_an_answer_stating_facts_offers_its_source_as_a_button(dialogue: Dialogue) -> None:
    reply = dialogue.ask("que fait le cicr au belarus")
    buttons = [b for row in reply.messages[0].buttons for b in row]
    sources = [b for b in buttons if b.label.startswith("Source")]
    assert [b.url for b in sources] == ["https://www.icrc.org/fr/ou-intervenons-nous/belarus"]
    assert sources[0].label == "Source : icrc.org"
    # Small talk has none.
    hello = dialogue.ask("bonjour")
    assert not [b for m in hello.messages for row in m.buttons for b in row if b.label.startswith("Source")]


def test_the_general_contact_becomes_the_named_country_s(dialogue: Dialogue) -> None:
    assert dialogue.ask("comment contacter le CICR ?").entries == ("contacts",)
    assert dialogue.ask("comment contacter le CICR à Gomel ?").entries == ("belarus_contact",)
    assert dialogue.ask("comment contacter le CICR à Bakou ?").entries == ("azerbaijan_closure",)
    # Other contact entries keep their own answer: emergencies are not the mission's phone.
    assert dialogue.ask("numero des urgences au belarus").entries == ("emergency_numbers",)


def test_topics_offered_after_a_lone_safety_message_lead_its_buttons(dialogue: Dialogue) -> None:
    offered = ("family_links", "help_request")
    reply = dialogue.replies.decided(Decision(Outcome.ANSWER, ("mines_safety",), offered=offered, score=80))
    assert reply.entries == ("mines_safety",) and reply.safety
    buttons = [b.action for row in reply.messages[0].buttons for b in row if b.action]
    assert buttons[:2] == [f"{OPEN_ENTRY}:family_links", f"{OPEN_ENTRY}:help_request"]
    assert reply.suggestions[:2] == offered
    # Its own next steps stay, once each.
    alone = dialogue.replies.decided(Decision(Outcome.ANSWER, ("mines_safety",), score=80))
    assert set(alone.suggestions) <= set(reply.suggestions) and len(set(buttons)) == len(buttons)
