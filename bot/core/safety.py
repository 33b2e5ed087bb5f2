"""Does a message report an explosive object? Its own step, decided before any matching.

A wrong safety message costs a few seconds of reading; a missed one can cost a life. So the rule
is wide: naming an explosive object is enough ("obus", "une grenade dans le puits", "mon voisin a
marché sur une mine"), with or without a "j'ai trouvé". Three narrow exceptions, all listed in
`langue.yaml` so that curators can read and extend them:
- `not_dangers`: the same words meaning something else ("mine de sel", "bombe à eau",
  "grenadine", "Minecraft"), unless the message also says an object is there;
- `general_cues`: a question about mines in general ("que fait le CICR contre les mines",
  "combien de mines dans le monde"), unless the message also says an object is there;
- `explosive_if_present` words ("drone", "engin", "douille") count only when the message says
  the thing is there: a drone that fell, an odd device in the garden.
And one for the cues themselves: `where_to_find` ("où trouver une carte des zones minées") asks
where to find something, and is no sign that an object was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum

from bot.core.knowledge import Language
from bot.core.normalize import Analysis, Analyzer, fold

_MINE_OF = re.compile(r" mines? (?:de|d) (?!la |l |le |les |\d)\w+")
# "l'explosion du dépôt", "l'explosion de la baraque": what exploded is named after it; the word
# "explosion" is set aside, and what follows is read as in any message ("l'explosion d'une
# mine" still names a mine).
_EXPLOSION_OF = re.compile(r" explosions? (?=(?:du|de|des|d) )")
# "les blessés par les mines", "combien de personnes tuées ou blessées par des mines": people in
# the plural hurt by explosives in the plural are the victims in general, or a count, not a
# report, unless the message says it happened just now ("hier", "ce matin") and asks no figure.
# One person hurt, or by one mine, is read as before.
_FIGURES = re.compile(r" (?:combien|chiffres?|statistiques?|nombre de|bilan) ")
_RECENT = re.compile(
    r" (?:hier|avant hier|ce matin|cette nuit|ce soir|aujourd hui|tout a l heure|a l instant) "
)
_HURT = r"(?:blesse|tue|mutile|ampute)e?s"
# Only the words for the hurt are set aside: the mines are still named, and read as in any
# other question ("mon père a perdu une jambe", said as well, is still a report).
_BY_EXPLOSIVES = r" (?:par|a cause) (?:des |les )?(?:mines|obus|explosifs|bombes|engins)\b"
_PEOPLE_HURT_BY = re.compile(rf" {_HURT}(?: (?:ou|et) {_HURT})?(?={_BY_EXPLOSIVES})")
# "il y a deux ans", "il y a 3 semaines": a time, not an object that is there; "il n'y a rien":
# nothing is there. Both are set aside before the presence cues are read.
_NUMBERS = (
    r"\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente"
    r"|quelques|plusieurs|des|longtemps|peu"
)
_UNITS = r"ans?|annees?|mois|semaines?|jours?|heures?|minutes?|nuits?|soirs?"
# "il y a eu des accidents": something happened, not an object that is there.
_HAPPENED = re.compile(r" (?:il )?y a eu ")
_TIME_AGO = re.compile(rf" (?:il )?y a (?:(?:{_NUMBERS}) )?(?:(?:{_UNITS}) |longtemps |peu )")
_NOTHING_THERE = re.compile(r" (?:il )?n y a (?:pas|rien|plus|aucune?|personne)\b")
# "l'obus de notre jardin", "la mine de leur champ": the object and the place it lies in, said as
# one thing, is an object there, even in a message about something else (a man who offers to
# take it away for money). The article, the possessive and the "de" are what say it: "des
# séances sur les mines dans notre école" names a place and an activity, not an object there.
_THE = frozenset({"l", "la", "le", "les", "cet", "cette", "ces"})
_OF = frozenset({"de", "d"})
_OURS = frozenset({"notre", "nos", "mon", "ma", "mes", "leur", "leurs", "son", "sa", "ses", "votre", "vos"})


class Cue(Enum):
    """What tells that a message reports an explosive object (`ask --explain` shows it)."""

    FOUND = "found, touched or hurt someone"
    THERE = "said to be there"
    PLACE = "named with a place"
    NAMED = "named, not in a general question"
    ALONE = "the message names nothing else"
    RANKED = "no cue, but the ranker reads a report in the sentences naming it"


def _phrases(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(f" {fold(w).strip()} " for w in words if fold(w).strip())


class SafetyDetector:
    def __init__(self, language: Language, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self._explosive = frozenset(analyzer.terms_of(language.explosive_words))
        self._conditional = frozenset(analyzer.stem(fold(w)) for w in language.explosive_if_present)
        # "explosion" and "explosif" share a stem: where a stem is both, the word as listed decides.
        self._conditional_words = frozenset(fold(w).strip() for w in language.explosive_if_present)
        self._found, self._found_phrases = self._cues(language.found_cues)
        self._where_to_find = _phrases(language.where_to_find)
        self._places, self._place_phrases = self._cues(language.place_cues)
        self._presence, self._presence_phrases = self._cues(language.presence_cues)
        self._not_dangers = _phrases(language.not_dangers)
        self._other_topics = _phrases(language.other_topics)
        self._general, self._general_phrases = self._cues(language.general_cues)

    def _cues(self, words: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
        """Single words as stems (any form counts), phrases as folded text."""
        folded = [fold(w).strip() for w in words]
        stems = frozenset(self._analyzer.stem(w) for w in folded if w and " " not in w)
        return stems, _phrases(w for w in folded if " " in w)

    def reports(self, analysis: Analysis, text: str) -> bool:
        """Whether the message reports an explosive object (safety first). `analysis` is read
        with typos corrected ("granade"); `text` as written, for the other senses ("grenadine")."""
        return self.cue(analysis, text) is not None

    def cue(self, analysis: Analysis, text: str) -> Cue | None:
        """What says the message reports an explosive object; None when nothing does."""
        return self.read(analysis, text)[0]

    # The cascade of cues is the safety policy: kept in one place, in its order, to be read whole.
    def read(self, analysis: Analysis, text: str) -> tuple[Cue | None, bool]:  # noqa: C901
        """The cue, and whether an explosive is named in its weapon's sense at all (not another
        sense, nor in a game or a film): where the rule finds no cue in such a message ("le site
        du CICR ? l'obus est toujours dans la cour"), the ranker may still read a report in the
        sentence that names it (`Reading.danger_ranking`)."""
        # Named as written (the usual misspellings are listed as synonyms), or only once typos
        # are corrected: "mises" and "miles" are one letter from "mines", so a corrected word
        # counts only if the message also says an object is there. Most messages name nothing
        # of the kind and stop here, before any of the work below.
        if not self._mentions(analysis):
            return None, False
        original = f" {' '.join(fold(text).split())} "
        # "mine d'or", "mines de sel", "mine de crayon": a mine followed by what it holds is a
        # place or a lead, not a weapon ("une mine de la guerre" still is one). Such phrases,
        # and the other senses listed in `not_dangers`, are set aside and the rest is read
        # again: "j'ai trouvé un obus près de la mine de sel" is still a report.
        written = _EXPLOSION_OF.sub(" ", _MINE_OF.sub(" ", original))
        if _FIGURES.search(written) or not _RECENT.search(written):
            written = _PEOPLE_HURT_BY.sub(" ", written)
        for phrase in self._not_dangers:
            written = written.replace(phrase, " ")
        if written != original:
            analysis = self._analyzer.analyze(written)
        snapped = bool(self._explosive.intersection(analysis.terms))
        conditional_snapped = self._names_conditional(analysis)
        if not (snapped or conditional_snapped):
            return None, False
        analysis = self._analyzer.analyze(written, snap=False)
        # Named by a word that is a danger on its own ("obus", "mine"), not only by one that may
        # be something else ("bombe", "missile", "roquette": those need to be said to be there).
        strong = " ".join(w for w in analysis.words if not self._only_if_present(w))
        named = bool(self._explosive.intersection(self._analyzer.analyze(strong, snap=False).terms))
        stems = {self._analyzer.stem(word) for word in analysis.words}
        joined = f" {' '.join(analysis.words)} "
        found = self._found_in(joined, stems)
        if found:
            return Cue.FOUND, True  # found, touched, hurt someone: whatever else the message is about
        if any(p in written for p in self._other_topics):
            return None, False
        timed = _NOTHING_THERE.sub(" ", _HAPPENED.sub(" ", _TIME_AGO.sub(" ", joined)))
        there = bool(stems & self._presence) or any(p in timed for p in self._presence_phrases)
        if there or self._in_a_place_of_theirs(analysis.words):
            return Cue.THERE, True  # said to be there: "il y a", "chez nous", "plantée dans le toit"
        # A question about mines in general ("que fait le CICR contre les mines", "des séances
        # sur les mines dans les écoles") names places too; it is not a report.
        general = bool(stems & self._general) or any(
            p in written or p in joined for p in self._general_phrases
        )
        if general:
            return None, True
        if bool(stems & self._places) or any(p in joined for p in self._place_phrases):
            return Cue.PLACE, True  # somewhere: a garden, a road
        # Named, nowhere in particular, and not a general question: a danger ("obus ?"). A typo's
        # guess, or a drone or a device not said to be there, is one only if the message is
        # nothing else ("drone", "bombe ?"): a person with one in front of them.
        if named:
            return Cue.NAMED, True
        return (Cue.ALONE if conditional_snapped and len(analysis.terms) == 1 else None), True

    def _found_in(self, joined: str, stems: set[str]) -> bool:
        """Whether a found cue says an object was found, touched or hurt someone; "où trouver
        une carte" (`where_to_find`) asks where to find something, and is set aside first."""
        asked = joined
        for phrase in self._where_to_find:
            asked = asked.replace(phrase, " ")
        if asked != joined:
            stems = {self._analyzer.stem(word) for word in asked.split()}
        return bool(stems & self._found) or any(p in asked for p in self._found_phrases)

    def _in_a_place_of_theirs(self, words: Sequence[str]) -> bool:
        """Whether an explosive is named with the place of someone's it lies in: "l'obus de
        notre jardin" (`_THE`, `_OF`, `_OURS`, a `place_cues` word)."""
        for i in range(1, len(words) - 3):
            if words[i - 1] not in _THE or words[i + 1] not in _OF or words[i + 2] not in _OURS:
                continue
            if self._analyzer.stem(words[i + 3]) not in self._places:
                continue
            if self._mentions(self._analyzer.analyze(words[i], snap=False)):
                return True
        return False

    def _only_if_present(self, word: str) -> bool:
        """An `explosive_if_present` word ("bombe", "explosion"), not a danger on its own."""
        stem = self._analyzer.stem(word)
        if stem not in self._conditional:
            return False
        return stem not in self._explosive or word in self._conditional_words

    def _names_conditional(self, analysis: Analysis) -> bool:
        return any(self._analyzer.stem(w) in self._conditional for w in analysis.words)

    def _mentions(self, analysis: Analysis) -> bool:
        """Whether the message names anything explosive at all, typos corrected."""
        return bool(self._explosive.intersection(analysis.terms)) or self._names_conditional(analysis)

    @property
    def explosive_terms(self) -> frozenset[str]:
        return self._explosive

    @property
    def cue_stems(self) -> frozenset[str]:
        return self._found | self._places | self._presence | self._conditional
