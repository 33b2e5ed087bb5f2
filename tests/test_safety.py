"""Safety is its own step: an explosive object named as there gets the safety answer first."""

from __future__ import annotations

import pytest

from bot.core.matcher import Matcher


@pytest.mark.parametrize(
    "text",
    [
        "URGENT bombe à sous-munitions dans le verger",
        "mon voisin a marché sur une mine hier, il est à l'hôpital",
        "obus",  # a single word: someone most likely has one in front of them
        "une grenade dans le puits de la ferme, on boit cette eau ?",
        "il y a une roquette plantée dans le toit de l'immeuble",
        "un drone est tombé dans la cour et n'a pas explosé",
        "mon fils collectionne les douilles, il a ramené un truc avec une goupille",
        "tout est miné autour de chez mes parents, que faites-vous contre les mines ?",
        "sensibilisation aux mines svp, il y a encore des obus dans nos forêts",
        "g trouvé un obu rouiller",  # typos
        "est-ce que je peux déplacer un petit obus avec une pelle ?",
        "drone",  # nothing else said: someone has one in front of them
        "un objet métallique bizarre à moitié enterré près du puits",
    ],
)
def test_explosive_objects_that_are_there_get_safety_first(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).explosive_report, text


@pytest.mark.parametrize(
    "text",
    [
        "que fait le CICR contre les mines ?",
        "le cicr aide les victimes de mines ?",
        "combien de mines antipersonnel dans le monde ? c'est pour un quiz",
        "où acheter des mines de crayon à Minsk ?",
        "visite de la mine de sel de Soligorsk",
        "grenadine ou sirop de menthe ?",
        "mon drone de loisir est tombé chez le voisin",
        "ma batterie de téléphone risque d'exploser ?",
        "je suis bloqué au champ de mines dans Call of Duty",
        "notre maison a été détruite par un missile, aidez-nous",
        "quel temps fera-t-il dans cinq grandes villes",  # "grandes" is French, not "granades"
        "y a-t-il des mises à jour",  # "mises" is not "mines"
    ],
)
def test_other_senses_and_general_questions_are_not_reports(matcher: Matcher, text: str) -> None:
    assert not matcher.match(text).explosive_report, text


def test_a_name_or_a_date_does_not_sink_the_answer(matcher: Matcher) -> None:
    plain = matcher.match("je cherche mon frère disparu, comment faire ?")
    named = matcher.match("je cherche mon frère Ivan Petrov disparu le 3 mars 2022, comment faire ?")
    assert plain.best and named.best
    assert plain.best.entry_id == named.best.entry_id == "family_links"
    # Answered, not declined: with names counted against, it fell back at 47.
    assert named.outcome.value == "answer"
