"""What a message says, before any threshold: its words, the danger it reports, its language,
and the topics it may be about, ranked.

Safety is policy, not retrieval: it is read here, on its own, before the topics are ranked, and
the matcher knows nothing of it. A message that reports an explosive object is also read
without the danger's words, so that what else it asks ("j'ai trouvé un obus, c'est quoi le
numéro à Minsk ?") can be answered after the safety message. Where it has several sentences, the
ranker may read those that name the explosive, and the others, each on their own, when the
decision asks: a question beside a report hides the report from the whole message's ranking,
and the report hides the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial

from bot.core import foreign_dangers, languages
from bot.core.contact import ContactAsk, ContactQuestions
from bot.core.knowledge import Entry
from bot.core.matcher import Candidate, Matcher
from bot.core.normalize import Analysis
from bot.core.ranker import OUT_OF_SCOPE, Ranker, Ranking
from bot.core.safety import Cue, SafetyDetector

# A question fits in far fewer characters; the topic is taken from the first ones. (A danger is
# looked for in the whole message: see `Reader.read`.)
MAX_ANALYSED = 1000
# Where a sentence ends: its punctuation, or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def head(text: str, limit: int = MAX_ANALYSED) -> str:
    """The first `limit` characters, cut at a space so that no word is cut in two."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


@dataclass(frozen=True)
class Reading:
    """A message as read; `decision.Decider` turns it into answer, clarify or fallback."""

    analysis: Analysis
    # Ranks the message without its greetings and thanks (`content`). Called only when the
    # lexical matcher has a say: a danger, no learned ranker, `ask --explain`.
    rank_content: Callable[[], tuple[Candidate, ...]] = field(compare=False, repr=False)
    # Ranks it with them ("merci" alone); None when it has none. Called only when the content
    # alone is not answered: most messages never need it.
    rank_polite: Callable[[], tuple[Candidate, ...]] | None = field(default=None, compare=False, repr=False)
    cue: Cue | None = None  # what says the (French) message reports an explosive object
    notice: str | None = None  # not French: the entry that says so in the person's language
    foreign_explosive: bool = False  # not French, and names an explosive object
    rest: Reading | None = None  # with an explosive report: the rest of the message on its own
    ranking: Ranking | None = None  # the learned ranker's topics (None without a ranker)
    contact: ContactAsk | None = None  # the message only asks how to reach the CICR
    # An explosive is named in its weapon's sense (not "mine de sel", not in a game), whether or
    # not the rule found a cue.
    weapon_named: bool = False
    # Ranks the sentences that name it, on their own (the whole message when it is one): a
    # question beside a report ("le site du CICR ?") hides the report from the whole message's
    # ranking. Called only when the decision needs it (`Decider.decide`); None without a ranker.
    rank_danger: Callable[[], Ranking] | None = field(default=None, compare=False, repr=False)
    # Ranks the other sentences on their own, for what else the message asks after the safety
    # message ("... l'obus est dans la cour. Et mon frère ne répond plus."): None when it has
    # none. Called only after a safety message the rest of the decision found nothing to add to.
    rank_besides: Callable[[], Ranking | None] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def content(self) -> tuple[Candidate, ...]:
        """The lexical matcher's candidates for the message without its greetings and thanks."""
        return self.rank_content()

    @cached_property
    def polite(self) -> tuple[Candidate, ...]:
        """Ranked with its greetings and thanks, once, if it has some; else ()."""
        return self.rank_polite() if self.rank_polite is not None else ()

    @cached_property
    def danger_ranking(self) -> Ranking | None:
        """The ranker's reading of the sentences that name an explosive, once; None without."""
        return self.rank_danger() if self.rank_danger is not None else None

    @cached_property
    def besides_ranking(self) -> Ranking | None:
        """The ranker's reading of the sentences that name no explosive, once; None without."""
        return self.rank_besides() if self.rank_besides is not None else None

    @property
    def explosive(self) -> bool:
        """The (French) message reports an explosive object."""
        return self.cue is not None

    @property
    def danger(self) -> bool:
        return self.explosive or self.foreign_explosive


class Reader:
    """Reads messages for one knowledge base (part of the engine snapshot)."""

    def __init__(
        self,
        matcher: Matcher,
        safety: SafetyDetector,
        notices: Mapping[str, Entry],
        ranker: Ranker | None = None,
        contact: ContactQuestions | None = None,
        safety_entry: str | None = None,
        smalltalk: frozenset[str] = frozenset(),
    ):
        self.matcher = matcher
        self.safety = safety
        self._notices = notices  # language code -> notice entry
        self.ranker = ranker
        self.contact = contact
        # What is no second topic after a safety message: the safety entry itself, greetings
        # and thanks (see `_DangerSentences.rank_besides`).
        self.safety_entry = safety_entry
        self.smalltalk = smalltalk

    def read(self, text: str) -> Reading:
        start = head(text)
        analyzer = self.matcher.analyzer
        analysis = analyzer.analyze(start)
        neutral = self.matcher.neutral_terms(start, analysis)
        language = languages.detect(text)
        cue, weapon = self._danger(analysis, start, language)
        if cue is None and len(start) < len(text):
            # A danger mentioned late in a long message still comes first: the whole text is
            # read for it, without typo snapping (typos of explosive words are synonyms).
            cue, late = self._danger(analyzer.analyze(text, snap=False), text, language)
            weapon = weapon or late
        rest = None
        if cue is not None or weapon:
            words = tuple(
                t
                for t in analysis.content
                if t not in self.safety.explosive_terms and t not in self.safety.cue_stems
            )
            if words:
                rest = Reading(
                    Analysis(analysis.words, words, words), partial(self.matcher.rank, words, neutral)
                )
        content = partial(self.matcher.rank, analysis.content, neutral)
        polite = None
        if analysis.content != analysis.terms:
            polite = partial(self.matcher.rank, analysis.terms, neutral)
        notice, foreign_explosive = self._foreign(text, language)
        # Not needed when the rules have already decided: a notice goes to anyone who does not
        # write French.
        contact = self.contact.read(analysis) if self.contact is not None and notice is None else None
        # A contact question is answered by its rule: the ranker would be read for nothing. A
        # message not in French is read by it unless its language's rule found an explosive: it
        # may read a report that rule has no words for (`Thresholds.foreign_report`), or overrule
        # a French word's cue in it as in any message.
        learned = self.ranker is not None and contact is None and not foreign_explosive
        ranking = self.ranker.rank(start) if learned and self.ranker is not None else None
        danger = besides = None
        if weapon and ranking is not None and self.ranker is not None:
            sentences = _DangerSentences(self, text)  # the whole text: a danger may come late
            danger = partial(sentences.rank_danger, self.ranker, ranking)
            besides = partial(sentences.rank_besides, self.ranker)
        return Reading(
            analysis,
            content,
            polite,
            cue,
            notice,
            foreign_explosive,
            rest,
            ranking,
            contact,
            weapon,
            danger,
            besides,
        )

    def _danger(self, analysis: Analysis, text: str, language: str | None) -> tuple[Cue | None, bool]:
        """The French rule's reading of a danger. In a message in another language, that
        language's rule (`foreign_dangers.names_explosive`) reads the words the French rule would
        misread ("a friend of mine", "masz minę", a question about mines in general); the French
        rule still reads the French words such a message may hold ("we found an obus"). Only
        where the French rule saw something: most messages name no danger, and pay nothing."""
        cue, weapon = self.safety.read(analysis, text)
        if cue is None and not weapon:
            return cue, weapon
        readable = foreign_dangers.for_the_french_rule(text, language)
        if readable is None:
            return None, False
        if readable == text:
            return cue, weapon
        return self.safety.read(self.matcher.analyzer.analyze(readable, snap=False), readable)

    def _foreign(self, text: str, language: str | None) -> tuple[str | None, bool]:
        """For a message not in French: the notice in its language (else English), and whether
        it names an explosive object, which the French reading cannot tell."""
        if language is None:
            # Read as French, it may still name the danger in another language's word.
            return None, foreign_dangers.names_foreign_explosive(text)
        notice = self._notices.get(language) or self._notices.get("en")
        if notice is None:
            return None, False
        return notice.id, foreign_dangers.names_explosive(text)


class _DangerSentences:
    """A message's sentences that name an explosive in its weapon's sense, and the others:
    split once, when a decision first asks for either's ranking."""

    def __init__(self, reader: Reader, text: str) -> None:
        self._reader = reader
        self._text = text

    @cached_property
    def _split(self) -> tuple[list[str], list[str]]:
        safety, analyzer = self._reader.safety, self._reader.matcher.analyzer
        named: list[str] = []
        others: list[str] = []
        for sentence in filter(str.strip, _SENTENCE_END.split(self._text)):
            weapon = safety.read(analyzer.analyze(sentence), sentence)[1]
            (named if weapon else others).append(sentence)
        return named, others

    def rank_danger(self, ranker: Ranker, whole: Ranking) -> Ranking:
        """The sentences naming it, ranked; the whole message's ranking when they are all of it
        (or none is found on its own: the danger spans them)."""
        named, others = self._split
        return ranker.rank(" ".join(named)) if named and others else whole

    def rank_besides(self, ranker: Ranker) -> Ranking | None:
        """The other sentences, ranked; None when there are none, or when their n-grams alone
        read nothing in them but "out of scope" or a greeting: the sentence vector, which costs
        most of a message's time, is spared for most reports ("on a peur, on fait quoi ?"), and
        the answers after them are nearly all kept (97 of 103 right on blind4's tuning half)."""
        named, others = self._split
        if not (named and others):
            return None
        text = " ".join(others)
        quick = ranker.rank_ngrams(text)
        first = next((t.entry_id for t in quick.topics if t.entry_id != self._reader.safety_entry), None)
        if first is None or first == OUT_OF_SCOPE or first in self._reader.smalltalk:
            return None
        return ranker.rank(text)
