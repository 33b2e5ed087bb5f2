"""Safety is its own step: an explosive object named as there gets the safety answer first."""

from __future__ import annotations

import pytest

from bot.core.reading import Reader
from bot.core.safety import Cue

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "URGENT bombe à sous-munitions dans le verger",
        "mon voisin a marché sur une mine hier, il est à l'hôpital",
        "obus",  # a single word: someone most likely has one in front of them
        "une grenade dans le puits de la ferme, on boit cette eau ?",
        "un colis suspect devant l'immeuble, personne n'ose passer",  # no weapon named
        "il y a une roquette plantée dans le toit de l'immeuble",
        "un drone est tombé dans la cour et n'a pas explosé",
        "mon fils collectionne les douilles, il a ramené un truc avec une goupille",
        "tout est miné autour de chez mes parents, que faites-vous contre les mines ?",
        "sensibilisation aux mines svp, il y a encore des obus dans nos forêts",
        "g trouvé un obu rouiller",  # typos
        "est-ce que je peux déplacer un petit obus avec une pelle ?",
        "drone",  # nothing else said: someone has one in front of them
        "un objet métallique bizarre à moitié enterré près du puits",
        "obus ds la cour",  # "cour", a place, is not "cours", a lesson
        "vous faites des cours sur les mines ? il y a une mine dans notre champ",
        "v lesu nashli minu",  # Russian in Latin letters
        "un fil tendu entre deux arbres au bord du sentier",  # a trip wire
        "granata vo dvore",  # Russian in Latin letters
        "ma tante a marché sur quelque chose dans le verger, elle saigne",  # no weapon named
        "💣 dans la cour, les enfants jouent à côté",  # the emoji is the word
        # A teacher is not a lesson: "enseignant" is not the verb of a general question.
        "notre enseignant a vu une mine dans la cour de l'école ce matin",
        "na doroge lezhit mina",  # Russian in Latin letters: a mine lies on the road
        "raketa v pole ne vzorvalas",  # a rocket in the field did not explode
        "mon cousin a perdu un oeil à cause d'une grenade, il lui faut des soins",  # hurt
        "u nas mina na doroge",  # "mina" with what follows it: not a first name
        "des sous-munitions dans les vignes de mon grand-père",  # a vineyard is a place
        # The object and the place of someone's it lies in, in a question about the CICR.
        "un type dit qu'il est de la croix rouge et qu'il retire la grenade de notre potager",
        "le CICR peut-il enlever l'obus de mon jardin ?",
    ],
)
def test_explosive_objects_that_are_there_get_safety_first(reader: Reader, text: str) -> None:
    assert reader.read(text).explosive, text


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
        # A place named in a general question is not an object that is there.
        "vous faites des séances de sensibilisation aux mines dans les écoles ?",
        "le CICR met des panneaux autour des zones minées ?",
        # A time ("il y a deux jours") or an absence ("il n'y a rien") is not a presence.
        "on parlait de prévention contre les mines il y a deux jours, vous en faites ?",
        "est-ce que tu peux répondre à des questions sur les mines ?",  # "tu" is not "tué"
        "mon mari travaille à la mine depuis 25 ans",  # a workplace
        "le cicr soigne les blessés par les mines ?",  # the victims in general
        # A question of figures: people hurt, in the plural, by mines in the plural.
        "combien de civils tués ou blessés par des mines dans la région l'an dernier ?",
        "vous avez des statistiques sur les enfants blessées par les obus ?",
        # What exploded is named after "explosion": a depot, a building; "il y a eu": it happened.
        "après l'explosion de l'usine chimique, des ouvriers sont morts ?",
        "il y a eu combien d'accidents de mines dans la région cette année ?",
        "vous enseignez aux enfants les dangers des mines à l'école ?",  # a lesson
        "on joue à l'airsoft samedi, les grenades fumigènes sont fournies ?",  # a game
        "il a une mine épouvantable depuis son retour",  # a face
        "des bombes de peinture pour un graffiti sur le mur de la cour",  # spray cans
        "vous recrutez des démineurs ? mon fils voudrait le devenir",  # a deminer's job
        # Seen in the news, not found; a campaign against mines, whatever villages it visits.
        "j'ai vu aux nouvelles que le CICR fait de l'éducation aux risques des mines",
        "je voudrais rejoindre une campagne anti-mines comme bénévole dans les villages",
        # What attacked a place, and "sous les bombes": where people live, not an object there.
        "notre immeuble a été détruit par les roquettes, où dormir ?",
        "on vit sous les bombes depuis deux ans, vous avez des colis ?",
        # A place and an activity about mines, not an object lying in the place.
        "le CICR fait-il des séances sur les mines dans notre école ?",
        "que fait la croix rouge contre les mines de notre région ?",
        # Asking to be told about mines, thanking for advice, a face.
        "quelqu'un peut venir parler des mines aux élèves du collège ?",
        "merci beaucoup pour vos conseils sur les mines",
        "regarde ma mine sur cette photo, j'ai pas dormi",
    ],
)
def test_other_senses_and_general_questions_are_not_reports(reader: Reader, text: str) -> None:
    assert not reader.read(text).explosive, text


@pytest.mark.parametrize(
    "text",
    [
        "combien de temps il reste à l'hôpital ? mon fils a été blessé par une mine",  # one person
        "mes enfants ont été blessés par des mines hier dans le champ",  # no figure asked
        "combien de mètres rester loin d'un obus qu'on a trouvé ?",
        "une mine a explosé dans le champ du voisin",
        "l'explosion d'une mine a blessé mon frère ce matin",
        "un obus non explosé est resté dans la cour",
        "des restes explosifs ?",  # named on its own: "explosif" is a danger, "explosion" not
        # Still there, beside a question about the CICR (which alone would make it general).
        "le CICR peut m'aider ? l'obus est toujours là, contre le mur de la grange",
        "écrivez à la croix rouge pour moi, la roquette n'a pas été enlevée du champ",
        "ma tante a perdu sa main à cause d'une grenade, la croix rouge aide pour ça ?",
        "un obus est tombé sur la cuisine et il est encore dedans",  # a kitchen is a room
        "qui prévenir pour que les démineurs viennent ?",  # deminers called: something is there
        # Attacked by shells, and one of them there.
        "la maison a été touchée par les obus et il y a un obus dans le jardin",
        "les obus tombent sur le village, il y en a un qui n'a pas explosé dans la cour",
    ],
)
def test_figures_words_do_not_hide_a_report(reader: Reader, text: str) -> None:
    assert reader.read(text).explosive, text


@pytest.mark.parametrize(
    ("text", "weapon"),
    [
        # Named as a weapon: where the rule reads a general question, the ranker may still read
        # a report in the sentences naming it (`Decider.reported_by_ranker`).
        ("que fait le CICR contre les mines ?", True),
        ("le CICR met des panneaux autour des zones minées ?", True),
        ("obus dans le verger", True),
        # Another sense, a game, a typo's guess that is no weapon: nothing for the ranker to read.
        ("visite de la mine de sel de Soligorsk", False),
        ("grenadine ou sirop de menthe ?", False),
        ("je suis bloqué au champ de mines dans Call of Duty", False),
        ("quel temps fera-t-il dans cinq grandes villes", False),
    ],
)
def test_the_weapon_sense_is_told_apart_from_the_others(reader: Reader, text: str, weapon: bool) -> None:
    reading = reader.read(text)
    assert reading.weapon_named is weapon, text
    # The sentences naming it are ranked only where a weapon is named, and only when asked.
    assert (reading.rank_danger is not None) is (weapon and reading.ranking is not None)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # Asking where to find something is not having found an object...
        ("pour trouver des informations sur les mines, je lis quoi ?", False),
        ("où trouver une carte des champs de mines ?", False),
        # ...and does not hide one found.
        ("où trouver de l'aide ? j'ai trouvé un obus", True),
        ("comment trouver un médecin ? une grenade a blessé mon fils", True),
        # Meaning to see is not having seen.
        ("mon père veut aller voir sa maison, le CICR déminera les mines ?", False),
        ("j'ai vu une mine au bord du chemin", True),
    ],
)
def test_asking_where_to_find_or_meaning_to_see_is_not_a_find(reader: Reader, text: str, found: bool) -> None:
    assert (reader.read(text).cue is Cue.FOUND) is found, text
