"""French text as typed on a phone, reduced to comparable word stems.

The pipeline: fold case, accents and punctuation; expand SMS spellings; snap unknown words to the
closest known word (typos); stem; replace synonyms (phrases included) by one canonical stem; drop
stop words. Everything the pipeline knows about French comes from knowledge/langue.yaml.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.knowledge import Language

# The bomb emoji is a word in a message to this line ("💣 dans le jardin"): read as one, not
# dropped as punctuation.
_LIGATURES = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "’": " ",
        "'": " ",
        "`": " ",
        "‘": " ",
        "ʼ": " ",
        "´": " ",
        "\N{BOMB}": " bombe ",
    }
)
_NON_WORD = re.compile(r"[^\w]+|_+")
# Typos are fixed only for words long enough that one or two edits leave them recognisable.
_MIN_SNAP_LENGTH = 5
_LONG_WORD = 8
_MIN_STEM_SYNONYM = 6
# Caches are plain dicts on each analyzer, emptied when full: a cache on the class would keep
# every analyzer (and so every knowledge base a reload replaced) alive.
_STEM_CACHE = 65536
_SNAP_CACHE = 32768
# No French word is longer than this ("anticonstitutionnellement" has 25 letters): a longer
# "word" is cut, so that caches keyed by words stay small whatever people send.
MAX_WORD = 30

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """`value`, kept in `cache` under `key`; a full cache is emptied first. Words people write
    repeat a lot, so a bound rarely reached is enough, not a policy (stems, snapped typos, the
    ranker's character grams)."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelled out, punctuation and emoji turned into spaces."""
    text = text.lower().translate(_LIGATURES)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Analysis:
    """A message as the matcher sees it."""

    words: tuple[str, ...]  # folded words after SMS expansion and typo snapping, stop words kept
    terms: tuple[str, ...]  # canonical stems of the meaningful words, in order
    content: tuple[str, ...]  # terms without greetings and thanks ("merci, et pour ma soeur ?")


class Analyzer:
    """Turns text into terms; `learn` tells it the knowledge base's words, for typo snapping."""

    def __init__(self, language: Language, common: frozenset[str] = frozenset()) -> None:
        self._stemmer = snowballstemmer.stemmer("french")
        self._stems: dict[str, str] = {}
        self._snapped: dict[str, str] = {}
        # Analyses without typo snapping, by text; only between siblings (see `sibling`): the
        # bot itself analyses people's messages this way, and they must not pile up here.
        self._plain: dict[str, Analysis] | None = None
        # Real French words are not typos: "grandes" must not become "granades", nor "forêts"
        # "forts". Only words outside this list are corrected towards the knowledge base's.
        self._common = common
        self._sms = {fold(short): fold(full).split() for short, full in language.sms.items()}
        self._stopwords = frozenset(fold(word) for word in language.stopwords)
        # Synonyms are looked up by exact folded words, and by stems only when the stems are
        # long: short stems collide ("paye" and "pays" give "pay", "donnees" and "donne" "donne").
        self._phrases: dict[tuple[str, ...], str] = {}
        for canonical, variants in language.synonyms.items():
            target = self.stem(fold(canonical))
            for variant in (canonical, *variants):
                words = fold(variant).split()
                self._phrases[tuple(words)] = target
                stems = tuple(self.stem(w) for w in words)
                if all(len(stem) >= _MIN_STEM_SYNONYM for stem in stems):
                    self._phrases.setdefault(stems, target)
        self._longest_phrase = max((len(p) for p in self._phrases), default=1)
        # A phrase of several words can only start at one of these (as a word or as a stem): the
        # other words of a message are looked up alone, not once per phrase length.
        self._phrase_starts = frozenset(p[0] for p in self._phrases if len(p) > 1)
        # Phrases by each of their content words, longest first, for the out-of-order lookup.
        self._unordered: dict[str, list[tuple[frozenset[str], str]]] = {}
        for phrase, target in sorted(self._phrases.items(), key=lambda item: -len(item[0])):
            content_words = frozenset(w for w in phrase if w not in self._stopwords)
            if len(content_words) >= 2:
                for word in content_words:
                    self._unordered.setdefault(word, []).append((content_words, target))
        # Words of a phrase seen without the rest ("rouge ... croix"): not unknown, just neutral.
        self.phrase_words = frozenset(
            self.stem(word) for phrase in self._phrases if len(phrase) > 1 for word in phrase
        )
        self._courtesy: frozenset[str] = frozenset()
        self._courtesy = frozenset(self.terms_of(language.courtesy))
        self._known: set[str] = set()
        # Snap candidates by (length, first letter).
        self._by_shape: dict[tuple[int, str], list[str]] = {}
        self.learn(w for phrase in self._phrases for w in phrase)
        self.learn(fold(v) for variants in language.synonyms.values() for v in variants)
        self._language_words = (frozenset(self._known), {k: tuple(v) for k, v in self._by_shape.items()})

    def sibling(self) -> Analyzer:
        """A new analyzer of the same language that knows none of a knowledge base's words yet.

        It shares this one's language tables and the analyses without typo snapping, which do
        not depend on the vocabulary: a leave-one-out run builds 45 indexes of the same texts,
        and analyses each text once instead of 45 times.
        """
        if self._plain is None:
            self._plain = {}
        twin = copy.copy(self)
        known, shapes = self._language_words
        twin._known = set(known)
        twin._by_shape = {shape: list(words) for shape, words in shapes.items()}  # in their order
        twin._snapped = {}
        return twin

    @property
    def known_words(self) -> frozenset[str]:
        """The knowledge base's own folded words (what typos are snapped to)."""
        return frozenset(self._known)

    def stem(self, word: str) -> str:
        found = self._stems.get(word)
        if found is None:
            found = remember(self._stems, word, str(self._stemmer.stemWord(word)), _STEM_CACHE)
        return found

    def learn(self, words: Iterable[str]) -> None:
        """Add folded words to the vocabulary that typos are snapped to."""
        for text in words:
            for word in text.split():
                if word not in self._known and len(word) >= _MIN_SNAP_LENGTH - 1:
                    self._known.add(word)
                    self._by_shape.setdefault((len(word), word[0]), []).append(word)
        self._snapped.clear()

    def terms_of(self, texts: Iterable[str]) -> list[str]:
        """Terms of several knowledge-base texts, without typo snapping."""
        return [term for text in texts for term in self.analyze(text, snap=False).terms]

    def analyze(self, text: str, *, snap: bool = True) -> Analysis:
        if snap or self._plain is None:
            return self._analyze(text, snap)
        found = self._plain.get(text)
        if found is None:
            found = self._plain[text] = self._analyze(text, snap)
        return found

    # One loop over the words, run for every message (the lexical path is timed in make bench):
    # split into functions it would cost calls per word for no clearer reading.
    def _analyze(self, text: str, snap: bool) -> Analysis:  # noqa: C901
        words: list[str] = []
        for word in fold(text).split():
            word = word[:MAX_WORD]
            expansion = self._sms.get(word)
            if expansion:
                words.extend(expansion)
            elif (
                snap and word not in self._stopwords and word not in self._known and word not in self._common
            ):
                words.append(self._snap(word))
            else:
                words.append(word)
        stems = [self.stem(word) for word in words]
        terms: list[str] = []
        function_words: list[str] = []
        loose: dict[str, str] = {}  # content words outside any phrase -> their stems
        i = 0
        while i < len(words):
            starts = words[i] in self._phrase_starts or stems[i] in self._phrase_starts
            longest = self._longest_phrase if starts else 1
            for size in range(min(longest, len(words) - i), 0, -1):
                canonical = self._phrases.get(tuple(words[i : i + size]))
                if canonical is None:
                    canonical = self._phrases.get(tuple(stems[i : i + size]))
                if canonical is not None:
                    terms.append(canonical)
                    i += size
                    break
            else:
                if words[i] in self._stopwords:
                    function_words.append(stems[i])
                else:
                    terms.append(stems[i])
                    loose[words[i]] = stems[i]
                i += 1
        # A phrase whose words all stand in the message, out of order ("rouge ... croix").
        for word in list(loose):
            for phrase_words, canonical in self._unordered.get(word, ()):
                if phrase_words <= loose.keys():
                    consumed = {loose.pop(w) for w in phrase_words}
                    terms = [t for t in terms if t not in consumed] + [canonical]
                    break
        # "qui es-tu ?" is all stop words: then the stop words are what it says.
        terms = terms or function_words
        content = [term for term in terms if term not in self._courtesy]
        return Analysis(words=tuple(words), terms=tuple(terms), content=tuple(content))

    def _snap(self, word: str) -> str:
        """The closest known word within one edit (two for long words), else the word itself."""
        found = self._snapped.get(word)
        if found is None:
            found = remember(self._snapped, word, self._nearest_known(word), _SNAP_CACHE)
        return found

    def _nearest_known(self, word: str) -> str:
        if len(word) < _MIN_SNAP_LENGTH or word.isdigit():
            return word
        allowed = 1 if len(word) < _LONG_WORD else 2
        best, best_distance = word, allowed + 1
        # The first letter must match: "mine" is no typo of "vine", and typing rarely misses
        # the first letter; it also keeps the search to a small part of the vocabulary.
        for length in range(len(word) - allowed, len(word) + allowed + 1):
            candidates = self._by_shape.get((length, word[0]))
            if not candidates:
                continue
            found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=best_distance - 1)
            if found and found[1] < best_distance:
                best, best_distance = found[0], found[1]
        return best
