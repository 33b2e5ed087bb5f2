"""The one answer / clarify / fallback decision.

The dialogue, the evaluation and the calibration all call `Decider.decide`, so a calibration
cannot disagree with the bot: the thresholds it searches are judged by the bot's own rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.contact import ContactAsk
from bot.core.countries import Countries
from bot.core.knowledge import EntryKind, KnowledgeBase
from bot.core.matcher import Candidate, Thresholds
from bot.core.ranker import OUT_OF_SCOPE, RankedTopic, Ranking
from bot.core.reading import Reading
from bot.core.routes import Router
from bot.core.safety import Cue

SMALLTALK_ENTRY_KIND = EntryKind.SMALLTALK
# Cues that only name an explosive word (with a place, or alone): the rule's weakest reasons.
NAMED_ONLY = frozenset({Cue.NAMED, Cue.PLACE, Cue.ALONE})


class Outcome(StrEnum):
    """What the person gets, one word for the decision, the replies, the metrics and the
    evaluation: the decision gives the first three; a reply may also be a welcome or an info."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    WELCOME = "welcome"  # /start
    INFO = "info"  # a notice of the interface (a sticker received, the menu...)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    entries: tuple[str, ...] = ()  # answered, in order: the safety message first when due
    # With CLARIFY: the topics to choose from. With a safety message alone: the topics the rest
    # of the message may ask, offered as buttons under it.
    # With FALLBACK: what the message may still be about, the first button under the refusal.
    offered: tuple[str, ...] = ()
    score: int = 0  # confidence of the best candidate, 0-100
    signal: str = ""  # which rule or signal decided (`ask --explain`)


def outcome_of(candidates: Sequence[Candidate], thresholds: Thresholds) -> Outcome:
    if not candidates or candidates[0].score < thresholds.clarify:
        return Outcome.FALLBACK
    best = candidates[0].score
    close_second = len(candidates) > 1 and best - candidates[1].score < thresholds.margin
    if best >= thresholds.answer and not close_second:
        return Outcome.ANSWER
    return Outcome.CLARIFY


def choose(reading: Reading, thresholds: Thresholds) -> tuple[tuple[Candidate, ...], Outcome]:
    """Judge the message on its content; if that is unclear, politeness may be the point (then,
    and only then, is the message ranked with it)."""
    content = reading.content
    outcome = outcome_of(content, thresholds)
    if outcome is Outcome.ANSWER:
        return content, outcome
    polite = reading.polite
    if polite and (not content or polite[0].score > content[0].score):
        return polite, outcome_of(polite, thresholds)
    return content, outcome


class Decider:
    """Decides for one knowledge base; the thresholds may be given per call (calibration)."""

    def __init__(
        self, kb: KnowledgeBase, countries: Countries, thresholds: Thresholds, router: Router | None = None
    ) -> None:
        self.thresholds = thresholds
        self._countries = countries
        self._router = router
        self.safety_id = kb.safety_id
        self._smalltalk = kb.ids_of(SMALLTALK_ENTRY_KIND)
        # The replies that say, in the person's language, that the bot reads French: no topic
        # (the evaluation counts what follows a safety message apart from them).
        self.notices = kb.ids_of(EntryKind.NOTICE)
        # The general contact card: the one the /contacts command shows.
        self._general_contact = next((c.entry for c in kb.interface.commands if c.name == "contacts"), None)
        # The office a person can walk into: a country's contact entry whose card has an
        # address (today the Minsk mission; the Azerbaijan office is closed). None if several.
        offices = [
            e.id
            for e in kb.entries.values()
            if e.kind == EntryKind.CONTACT and e.country and e.contact is not None and e.contact.address
        ]
        self._office = offices[0] if len(offices) == 1 else None

    def decide(self, reading: Reading, thresholds: Thresholds | None = None) -> Decision:
        limits = thresholds or self.thresholds
        if self.overruled(reading, limits):
            reading = replace(reading, cue=None, rest=None)  # read as if no explosive was named
        elif self.reported_by_ranker(reading, limits):
            reading = replace(reading, cue=Cue.RANKED)
        return self._routed(reading, self._decide(reading, limits))

    def reported_by_ranker(self, reading: Reading, limits: Thresholds | None = None) -> bool:
        """Whether the ranker reads a report the rule did not see: an explosive named in its
        weapon's sense, in a French message, whose sentences naming it the ranker reads as the
        safety message's at or above `Thresholds.danger_report` ("le site officiel du CICR ?
        l'obus est toujours dans la cour": the rule reads a question about the CICR)."""
        limits = limits or self.thresholds
        if reading.cue is not None or not reading.weapon_named or reading.notice is not None:
            return False
        return self._danger_probability(reading) >= limits.danger_report

    def _danger_probability(self, reading: Reading) -> float:
        ranking = reading.danger_ranking
        return ranking.probability(self.safety_id) if ranking is not None and self.safety_id else 0.0

    def overruled(self, reading: Reading, limits: Thresholds | None = None) -> bool:
        """Whether the ranker overrules the safety rule (see `Thresholds.overrule_words`): a
        French sentence long enough for it to read, that it reads as out of scope, or, where the
        rule only saw an explosive word named, as another of the bot's topics."""
        limits = limits or self.thresholds
        ranking = reading.ranking
        if reading.cue is None or reading.foreign_explosive or ranking is None:
            return False
        if len(reading.analysis.words) < limits.overrule_words:
            return False
        if self.read_as_another_topic(reading, limits):
            return True
        needed = limits.overrule_named if reading.cue in NAMED_ONLY else limits.overrule_found
        if ranking.out_of_scope < needed:
            return False
        # Out of scope as a whole, a message may still report a danger beside its question ("une
        # grenade dans le parc. et le bus pour Bakou ?"): the sentences naming it decide.
        return self._danger_probability(reading) < limits.danger_report

    def read_as_another_topic(self, reading: Reading, limits: Thresholds | None = None) -> bool:
        """Whether the rule only saw an explosive word named (not an object found, there or
        hurting someone) in a message the ranker reads as another of the bot's topics, sure of
        it, and as the safety message's neither whole nor in the sentences naming the explosive
        (see `Thresholds.overrule_topic`)."""
        return self.topic_read_instead(reading, limits) is not None

    def topic_read_instead(self, reading: Reading, limits: Thresholds | None = None) -> str | None:
        """The topic the ranker reads instead of a word named (`read_as_another_topic`), or None."""
        limits = limits or self.thresholds
        ranking = reading.ranking
        if reading.cue not in NAMED_ONLY or ranking is None or self.safety_id is None:
            return None
        if ranking.probability(self.safety_id) >= limits.overrule_unlikely:
            return None
        best = next((t for t in ranking.entries() if t.entry_id != self.safety_id), None)
        if best is None or best.probability < limits.overrule_topic:
            return None
        return best.entry_id if self._danger_probability(reading) < limits.overrule_unlikely else None

    def _decide(self, reading: Reading, limits: Thresholds) -> Decision:
        first = (self.safety_id,) if reading.danger and self.safety_id else ()
        if reading.notice is not None:
            return self._notice(reading, reading.notice, first, limits)
        if reading.contact is not None and not reading.danger:
            card = self._contact_card(reading.contact)
            if card is not None:
                return Decision(Outcome.ANSWER, (card,), score=100, signal="rule: contact question")
        if first:
            return self._danger(first, reading, limits)
        if reading.ranking is not None:
            return self._learned(reading, reading.ranking, limits)
        candidates, outcome = choose(reading, limits)
        score = round(candidates[0].score) if candidates else 0
        if outcome is Outcome.ANSWER:
            chosen = self._in_named_country(candidates[0].entry_id, reading.analysis.terms)
            return Decision(outcome, (chosen,), score=score, signal="lexical matcher")
        if outcome is Outcome.CLARIFY:
            offered = tuple(c.entry_id for c in candidates[:3] if c.score >= limits.clarify)
            return Decision(outcome, offered=offered, score=score, signal="lexical matcher")
        return Decision(Outcome.FALLBACK, score=score, signal="lexical matcher")

    def _danger(self, first: tuple[str, ...], reading: Reading, limits: Thresholds) -> Decision:
        """An explosive object named: the safety message first, then what else the message asks
        if the matcher answers it (the rest of the message, else the whole) and the ranker
        seconds it, else if the ranker alone is sure of it."""
        candidates, outcome = choose(reading, limits)
        terms = reading.analysis.terms
        if reading.explosive and reading.rest is not None:
            rest, rest_outcome = choose(reading.rest, limits)
            if rest_outcome is Outcome.ANSWER:
                candidates, outcome, terms = rest, rest_outcome, reading.rest.analysis.terms
        score = round(candidates[0].score) if candidates else 0
        if outcome is Outcome.ANSWER:
            chosen = self._in_named_country(candidates[0].entry_id, terms)
            if chosen in first or self._beside_danger(chosen, reading):
                signal = "rule: explosive object, then the matcher"
                return Decision(outcome, tuple(dict.fromkeys((*first, chosen))), score=score, signal=signal)
            decision = self._safety_first(first, reading, limits, score)
            return replace(decision, signal=f"{decision.signal} (the matcher's {chosen} not seconded)")
        return self._safety_first(first, reading, limits, score)

    def _safety_first(
        self, first: tuple[str, ...], reading: Reading, limits: Thresholds, score: int
    ) -> Decision:
        """Safety first; then what else the message asks, if the ranker is sure of it: in the
        whole message ("j'ai perdu une jambe sur une mine il y a deux ans, qui aide les victimes
        ?"), else in its sentences that name no explosive ("... un obus dans la cour. Et mon frère
        ne répond plus depuis hier."); else the person asks it again."""
        after = self._sure_besides(reading.ranking, reading, limits)
        signal = "rule: explosive object, then the ranker"
        if after is None:
            after = self._sure_besides(reading.besides_ranking, reading, limits)
            signal = "rule: explosive object, then the ranker on the other sentences"
        if after is not None:
            return Decision(Outcome.ANSWER, (*first, after), score=score, signal=signal)
        offered = self._offered_besides(reading, limits)
        if offered:
            read = "the other sentences'" if reading.besides_ranking is not None else "the message's other"
            signal = f"rule: explosive object; {read} topics offered"
            return Decision(Outcome.ANSWER, first, offered=offered, score=score, signal=signal)
        return Decision(Outcome.ANSWER, first, score=score, signal="rule: explosive object")

    def _offered_besides(self, reading: Reading, limits: Thresholds) -> tuple[str, ...]:
        """Where the sentences that name no explosive read as something the bot covers, but
        not surely enough to answer it: their two best topics, as a clarification offers them
        (`Thresholds.in_scope`, `Thresholds.offer`). A message with no such sentence, or whose
        other sentences read as nothing the bot covers, offers the whole message's ("c un
        robot?? je veux parler a quelqu un de vrai, il y a une bombe ... dans notre potager"):
        on the fourth blind set's two halves, 15 more of the needs its reports name beside the
        danger are offered, and on the fifth, a button to the right topic under 3 of its tuning
        half's false alarms."""
        ranking = reading.besides_ranking or reading.ranking
        if ranking is None or ranking.out_of_scope >= limits.in_scope:
            return ()
        topics = [t for t in self._besides_topics(ranking, reading) if t.entry_id not in self._smalltalk]
        return tuple(t.entry_id for t in topics[:2] if t.probability >= limits.offer)

    def _besides_topics(self, ranking: Ranking, reading: Reading) -> list[RankedTopic]:
        """The ranking's topics, the general contact card counted as the named country's, the
        safety message set aside."""
        topics = self._in_country(ranking.entries(), reading.analysis.terms)
        return [t for t in topics if t.entry_id != self.safety_id]

    def _beside_danger(self, entry_id: str, reading: Reading) -> bool:
        """Whether the ranker seconds the matcher's answer to what a report asks besides its
        danger: the topic is among its first two once the safety message is set aside, "nothing
        the bot covers" counting as one. The few words left around a danger mislead the matcher
        ("roquette pas explosée, on fait quoi" is no request to talk to someone). Without a
        ranker, the matcher's answer stands."""
        ranking = reading.ranking
        if ranking is None:
            return True
        terms = reading.analysis.terms
        runners = [
            self._in_named_country(t.entry_id, terms) for t in ranking.topics if t.entry_id != self.safety_id
        ]
        return entry_id in runners[:2]

    def _sure_besides(self, ranking: Ranking | None, reading: Reading, limits: Thresholds) -> str | None:
        """The topic the ranking is sure of besides the danger: as sure as it must be to answer
        alone, and more likely than "out of scope"; a greeting is not a topic."""
        if ranking is None:
            return None
        topics = self._besides_topics(ranking, reading)
        if not topics or topics[0].entry_id in self._smalltalk:
            return None
        best = topics[0]
        if best.probability < limits.sure or best.probability <= ranking.out_of_scope:
            return None
        return best.entry_id

    def _notice(self, reading: Reading, notice: str, first: tuple[str, ...], limits: Thresholds) -> Decision:
        """The knowledge base is French: the notice says so in the person's language and gives
        the contacts, after the safety advice if an explosive object is named, or if the ranker
        reads a report the rule has no words for."""
        ranking, safety = reading.ranking, self.safety_id
        if first or safety is None or ranking is None or ranking.probability(safety) < limits.foreign_report:
            return Decision(Outcome.ANSWER, (*first, notice), score=100, signal="rule: not French")
        signal = "rule: not French; the ranker reads a report"
        return Decision(Outcome.ANSWER, (safety, notice), score=100, signal=signal)

    def _learned(self, reading: Reading, ranking: Ranking, limits: Thresholds) -> Decision:
        """The learned ranker decides, the lexical matcher seconds it.

        Answer when the ranker is sure, or when the matcher would answer a topic the ranker
        also puts first or second; otherwise, if the message is about something the bot covers,
        offer the ranker's best topics as buttons (two, or three when the third is likely);
        decline only what the ranker reads as out of scope.
        """
        topics = self._in_country(ranking.entries(), reading.analysis.terms)
        if not topics:
            return Decision(Outcome.FALLBACK)
        best = topics[0]
        score = round(best.probability * 100)
        chosen, signal = None, ""
        # A greeting or thanks around a question does not make it ambiguous: the question is
        # the topic ("merci, et pour retrouver ma sœur ?").
        rivals = (
            topics[1:]
            if best.entry_id in self._smalltalk
            else [t for t in topics[1:] if t.entry_id not in self._smalltalk]
        )
        second = rivals[0].probability if rivals else 0.0
        sure = best.probability >= limits.sure and best.probability > ranking.out_of_scope
        sure = sure and second < limits.runner_up
        # Sure of a topic its n-grams alone would not put first: ask (see `Thresholds.views_agree`).
        parted = sure and limits.views_agree and self._parted(ranking.ngrams_first, best, reading)
        if sure and not parted:
            chosen, signal = best.entry_id, "ranker sure"
        elif limits.seconded and not parted:
            candidates, outcome = choose(reading, limits)
            runners = {t.entry_id for t in topics[:2]}
            if outcome is Outcome.ANSWER and candidates[0].entry_id in runners:
                chosen, signal = candidates[0].entry_id, "lexical matcher, seconded by the ranker"
        if chosen is not None:
            entry = self._in_named_country(chosen, reading.analysis.terms)
            return Decision(Outcome.ANSWER, (entry,), score=score, signal=signal)
        if ranking.out_of_scope < limits.in_scope or parted:
            offered = [t.entry_id for t in topics[:3] if t.probability >= limits.offer]
            if len(offered) < 2:
                offered = [t.entry_id for t in topics[:2]]
            if parted:
                offered = self._with_ngrams_first(offered, ranking.ngrams_first)
            signal = "ranker: its two readings part" if parted else "ranker: in scope, unsure"
            return Decision(Outcome.CLARIFY, offered=tuple(offered), score=score, signal=signal)
        guess = self._guess(topics, limits)
        return Decision(Outcome.FALLBACK, offered=guess, score=score, signal="ranker: out of scope")

    def _guess(self, topics: Sequence[RankedTopic], limits: Thresholds) -> tuple[str, ...]:
        """What a declined message may still be about: the ranker's best topic, when it is at
        least as likely as a clarification's buttons must be (`Thresholds.offer`), offered as the
        first button under "je n'ai pas compris" (in the cross-validation, it opens the right
        topic of 83 of the 178 questions of the bot declined; the menu, of 22). A greeting or a
        notice is no guess."""
        for topic in topics:
            if topic.entry_id in self._smalltalk or topic.entry_id in self.notices:
                continue
            return (topic.entry_id,) if topic.probability >= limits.offer else ()
        return ()

    def _parted(self, ngrams_first: str | None, best: RankedTopic, reading: Reading) -> bool:
        """Whether the n-grams alone put another class first: not a greeting around the question,
        nor the general contact card where the country's is meant (see `_in_country`). Never
        for the safety message: a report the ranker reads is answered, not questioned."""
        if ngrams_first is None or ngrams_first in self._smalltalk or best.entry_id == self.safety_id:
            return False
        return self._in_named_country(ngrams_first, reading.analysis.terms) != best.entry_id

    def _with_ngrams_first(self, offered: list[str], ngrams_first: str | None) -> list[str]:
        """The buttons, with the topic the n-grams put first among them (third at most)."""
        topic = ngrams_first
        if topic is None or topic == OUT_OF_SCOPE or topic in offered or topic in self._smalltalk:
            return offered
        return [*offered[:2], topic]

    def _routed(self, reading: Reading, decision: Decision) -> Decision:
        """ "Disparu ou prisonnier ?" matters less than where: a clarification whose every topic
        sends the country named to the same service (the tracing bureau, for Kherson) answers
        its first topic, which the dialogue then answers with that service."""
        if decision.outcome is not Outcome.CLARIFY or self._router is None:
            return decision
        countries = self._router.named_countries(reading.analysis.terms)
        agreed = self._router.agreed(decision.offered, countries) if countries else None
        if agreed is None:
            return decision
        return Decision(
            Outcome.ANSWER, (agreed[0],), score=decision.score, signal="ranker unsure, route agreed"
        )

    def _contact_card(self, ask: ContactAsk) -> str | None:
        """The card that answers "how do I reach you": the named country's; with no country,
        the Minsk mission's when the person wants to come in person (the only office among the
        missions covered), else the general contacts (which lead with Minsk's too)."""
        if len(ask.countries) == 1:
            found = self._countries.entry(next(iter(ask.countries)), EntryKind.CONTACT)
            # A country without a card of its own ("adresse à Kharkiv"): not for this rule.
            return found.id if found is not None else None
        if not ask.countries and ask.in_person and self._office is not None:
            return self._office
        return self._general_contact if not ask.countries else None

    def _in_country(self, topics: Sequence[RankedTopic], terms: Sequence[str]) -> list[RankedTopic]:
        """The ranked topics, the general contact card counted as the named country's (see
        `_in_named_country`): "contacter le CICR à Bakou" is one topic, not two to choose from."""
        general = next((t for t in topics if t.entry_id == self._general_contact), None)
        if general is None or general.probability < 0.01:
            return list(topics)  # nothing to move (most messages): no sorting again
        merged: dict[str, float] = {}
        for topic in topics:
            entry = self._in_named_country(topic.entry_id, terms)
            merged[entry] = merged.get(entry, 0.0) + topic.probability
        ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        return [RankedTopic(entry, probability) for entry, probability in ranked]

    def _in_named_country(self, entry_id: str, terms: Sequence[str]) -> str:
        """The general contact card, when the message names one country ("contacter le CICR à
        Bakou"), becomes that country's: the general card would send the person elsewhere."""
        if entry_id != self._general_contact:
            return entry_id
        countries = self._countries.named(terms)
        if len(countries) != 1:
            return entry_id
        found = self._countries.entry(countries.pop(), EntryKind.CONTACT)
        return found.id if found is not None else entry_id
