"""A topic with routes is answered with the route of the country the message names, else the
bot asks which country; the buttons, the follow-ups and a clarification keep the country."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.dialogue import Dialogue
from bot.core.replies import Reply
from tests.core.test_knowledge import broken_copy, problems_of

pytestmark = pytest.mark.unit


def shown(dialogue: Dialogue, reply: Reply) -> str:
    return "\n".join(m.plain_text(dialogue.texts) for m in reply.messages)


def actions(reply: Reply) -> dict[str, str]:
    return {b.label: b.action for m in reply.messages for row in m.buttons for b in row if b.action}


@pytest.mark.parametrize(
    ("text", "topic", "route"),
    [
        ("mon fils a disparu près de Kherson, que faire ?", "family_links", "route_ukraine_russia"),
        ("mon mari est prisonnier de guerre en Russie", "detainees", "route_ukraine_russia"),
        ("je cherche ma mère, elle vivait à Gomel", "family_links", "route_belarus"),
        ("on a besoin d'aide, on est à Erevan", "help_request", "help_karabakh"),
        # Where the writer lives and where the relative disappeared: the conflict's route.
        ("je suis à Minsk, mon frère a disparu à Bakhmout", "family_links", "route_ukraine_russia"),
    ],
)
def test_a_named_country_leads_to_its_route(dialogue: Dialogue, text: str, topic: str, route: str) -> None:
    reply = dialogue.text(text)
    assert (reply.entry_id, reply.route, reply.route_asked) == (topic, route, False), text
    assert reply.remember == route  # "et le téléphone ?" follows the route


def test_without_a_country_the_bot_asks_which_one(dialogue: Dialogue) -> None:
    reply = dialogue.text("comment retrouver mon frère disparu ?")
    assert reply.entry_id == "family_links" and reply.route is None and reply.route_asked
    assert list(actions(reply)) == ["Ukraine", "Russie", "Bélarus", "Arménie – Karabakh", "Autre pays"]
    assert actions(reply)["Ukraine"] == "e:route_ukraine_russia"
    assert reply.remember == "family_links"
    # Typed instead of pressed, the country still picks the route.
    typed = dialogue.text("Arménie", last_topic=reply.remember)
    assert typed.entry_id == "route_karabakh"


def test_the_buttons_open_a_route_or_the_general_answer(dialogue: Dialogue) -> None:
    asked = dialogue.text("j'ai besoin d'aide")
    route = dialogue.press(actions(asked)["Russie"])
    assert route.entry_id == "help_ukraine_russia" and "Croix-Rouge russe" in shown(dialogue, route)
    general = dialogue.press(actions(asked)["Autre pays"])
    assert general.entry_id == "help_request" and not general.route_asked
    # The menu's button asks the country too; a shared link opens the general answer.
    assert dialogue.press("e:family_links").route_asked
    assert not dialogue.start("family_links").route_asked


def test_a_clarification_carries_the_country_named(dialogue: Dialogue) -> None:
    reply = dialogue.press("c:family_links@armenia")
    assert reply.route == "route_karabakh" and reply.edit_pressed
    assert dialogue.press("c:family_links@nowhere").route_asked  # an unknown country: ask


def test_safety_first_then_the_route(dialogue: Dialogue) -> None:
    reply = dialogue.text("j'ai trouvé un obus dans le jardin, et mon fils a disparu à Bakhmout")
    assert reply.entries[0] == "mines_safety"
    assert "touchez" in shown(dialogue, reply).lower()


def test_follow_ups_after_a_route(dialogue: Dialogue) -> None:
    route = dialogue.text("mon fils a disparu près de Kherson, que faire ?")
    details = dialogue.text("plus de détails", last_topic=route.remember)
    assert details.entry_id == "route_ukraine_russia" and "message Croix-Rouge" in shown(dialogue, details)
    elsewhere = dialogue.text("et au Bélarus ?", last_topic=route.remember)
    assert elsewhere.entry_id == "route_belarus"
    phone = dialogue.text("et le téléphone ?", last_topic=route.remember)
    assert "+375 17 318 70 07" in shown(dialogue, phone)


def test_every_route_says_it_is_free_and_asks_for_no_name(dialogue: Dialogue) -> None:
    for entry in dialogue.kb.entries.values():
        if entry.kind == "route":
            text = entry.answer.lower()
            assert "gratuit" in text or entry.id.startswith("help_"), entry.id
            assert re.search(r"n(e l)?'envoyez (pas )?ici", text.replace("<b>", "")), entry.id


def test_callback_data_fits_telegram(dialogue: Dialogue) -> None:
    for entry in dialogue.kb.entries.values():
        if entry.routes is not None:
            for country in entry.routes.by_country:
                assert len(f"c:{entry.id}@{country}".encode()) <= 64


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "ukraine: route_ukraine_russia, azerbaijan:",
            "ukraine: nowhere, azerbaijan:",
            "routes names unknown entry 'nowhere'",
        ),
        (
            "ukraine: route_ukraine_russia, azerbaijan:",
            "france: route_ukraine_russia, azerbaijan:",
            "country 'france'",
        ),
        (
            "{label: Ukraine, entry: route_ukraine_russia}",
            "{label: Ukraine, entry: family_links}",
            "has routes of its own",
        ),
    ],
)
def test_broken_routes_are_refused_with_file_and_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    problems = problems_of(broken_copy(tmp_path, "retrouver_un_proche.yaml", old, new))
    assert any("retrouver_un_proche.yaml:" in p and problem in p for p in problems), problems


def test_inline_sharing_names_the_route_of_the_country(dialogue: Dialogue) -> None:
    shared = dialogue.inline("retrouver un proche disparu à Kherson")
    assert shared and shared[0].entry_id == "route_ukraine_russia"
    assert "Agence centrale de recherches" in shared[0].html and "Source" in shared[0].html


def test_a_canary_answered_with_another_route_refuses_the_knowledge(
    tmp_path: Path, dialogue: Dialogue
) -> None:
    from bot.core import knowledge
    from bot.core.engine import Engine, canary_failures

    directory = broken_copy(
        tmp_path,
        "canaries.yaml",
        "entry: family_links, route: route_ukraine_russia}",
        "entry: family_links, route: route_karabakh}",
    )
    canaries = knowledge.load_canaries(directory, dialogue.kb.entries)
    assert any(c.route == "route_karabakh" for c in canaries)
    engine = Engine(dialogue.kb, dialogue.reader.matcher, dialogue.reader, dialogue.decider, dialogue)
    failures = canary_failures(engine, canaries)
    expected = "must get family_links -> route_karabakh, got family_links -> route_ukraine_russia"
    assert len(failures) == 1 and expected in failures[0], failures
