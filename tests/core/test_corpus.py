"""The training corpus in `knowledge/examples/`: validated like the rest, big and varied enough,
and never holding a message of the blind sets."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.core import corpus
from bot.core.corpus import load_examples
from bot.core.engine import Engine
from bot.core.knowledge import ROUTE_KIND, KnowledgeError
from bot.core.ranker_store import RankerStore
from bot.curation.corpus_import import (
    SAME_MESSAGE,
    SAME_WORDS,
    NearDuplicates,
    _any_close,
    blind_texts,
    import_writers,
)
from bot.curation.evaluation import BLIND_SETS
from tests.conftest import KNOWLEDGE_DIR

BIG_TOPICS = ("family_links", "detainees", "help_request", "mines_safety")
ENTRIES = {"family_links": object(), "hello": object()}


def write(directory: Path, name: str, text: str) -> Path:
    root = directory / "examples"
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.integration
def test_the_shipped_corpus_is_big_varied_and_labelled_by_entry(engine: Engine) -> None:
    kb = engine.kb
    examples = load_examples(KNOWLEDGE_DIR, kb.entries, engine.store)
    written = [e for e in examples if e.writer != "massive"]  # the real off-topic lines apart
    assert len(written) >= 4000
    per_entry = Counter(e.entry for e in written)
    # Routes have no examples of their own: their topic's messages reach them (parcours.yaml).
    thin = {
        entry: per_entry[entry]
        for entry, found in kb.entries.items()
        if found.kind != ROUTE_KIND and per_entry[entry] < 60
    }
    assert not thin, thin
    assert all(per_entry[entry] >= 300 for entry in BIG_TOPICS), per_entry
    assert per_entry[None] >= 0.25 * len(written)
    traps = sum(e.entry is None and e.style == "trap" for e in written)
    assert traps >= 0.4 * per_entry[None]  # about half the out-of-scope messages share words
    assert len({e.writer for e in written}) >= 5 and all(e.style for e in written)
    assert all(e.safety <= (e.entry == "mines_safety") for e in examples)  # safety only there


@pytest.mark.measure
def test_the_corpus_holds_no_message_of_the_blind_sets(engine: Engine) -> None:
    """Found automatically, as `corpus import` drops them; only a count is shown, never a text
    of the test half."""
    blind = NearDuplicates(blind_texts(BLIND_SETS), words=True)
    examples = load_examples(KNOWLEDGE_DIR, engine.kb.entries, engine.store)
    held = blind.holding([e.text for e in examples])
    close = [e.location for e, near in zip(examples, held, strict=True) if near]
    assert not close, f"{len(close)} corpus messages are near-duplicates of blind ones: {close[:5]}"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("entry: nowhere\nexamples:\n  - {text: a, writer: w}\n", ":1: unknown entry"),
        ("examples:\n  - {text: a, writer: w}\n", "missing field 'entry'"),
        ("entry: hello\nexamples:\n  - {text: a}\n", ":3:"),
        ("entry: hello\nexamples:\n  - text: a\n    writer: w\n    safety: maybe\n", ":5:"),
        ("entry: hello\nexamples:\n  - {text: a, writer: w, colour: red}\n", "colour"),
        ("entry: hello\nexamples:\n  - {text: a, writer: w, language: xx}\n", "language"),
        ("entry: hello\nexamples:\n  - {text: a, writer: w, also: [nowhere]}\n", "nowhere"),
        (f"entry: hello\nexamples:\n  - {{text: {'a' * 1001}, writer: w}}\n", "longer than 1000"),
        ("entry: hello\nexamples: a list\n", "'examples:'"),
        ("entry: hello\nexamples:\n  - [text]\n", ":3:"),
    ],
)
def test_a_malformed_examples_file_is_refused_with_file_and_line(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = write(tmp_path, "broken.yaml", content)
    with pytest.raises(KnowledgeError) as raised:
        load_examples(tmp_path, ENTRIES)
    assert str(path) in str(raised.value) and problem in str(raised.value), str(raised.value)


@pytest.mark.integration
def test_examples_are_read_with_their_writer_style_and_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        "family_links.yaml",
        'entry: family_links\nexamples:\n  - text: "mon fils a disparu"\n    writer: w1\n'
        "    style: distress\n  - {text: ищу сына, writer: w3, language: ru}\n",
    )
    write(tmp_path, "hors_sujet.yaml", "entry: null\nexamples:\n  - {text: la météo, writer: w2}\n")
    found = load_examples(tmp_path, ENTRIES)
    assert [(e.text, e.entry, e.writer) for e in found] == [
        ("mon fils a disparu", "family_links", "w1"),
        ("ищу сына", "family_links", "w3"),
        ("la météo", None, "w2"),
    ]
    assert found[0].style == "distress" and found[0].location.endswith("family_links.yaml:3")
    assert found[1].language == "ru"
    assert load_examples(tmp_path / "nowhere", ENTRIES) == ()


@pytest.mark.integration
def test_import_drops_near_duplicates_of_blind_messages_and_of_the_corpus(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    write(knowledge, "hello.yaml", "entry: hello\nexamples:\n  - {text: bonjour a vous tous, writer: w0}\n")
    writer = tmp_path / "w9.yaml"
    writer.write_text(
        "- {text: 'Mon frère Ivan a disparu à Kherson, que faire ?', expect: family_links, style: distress}\n"
        "- {text: 'mon frere ivan a disparu a kherson que faire', expect: family_links}\n"  # same
        "- {text: 'bonjour à vous tous !', expect: hello}\n"  # already in the corpus
        "- {text: 'la meteo a minsk demain', expect: null, style: trap}\n"  # a blind message
        "- {text: 'I found a shell', expect: mines_safety, safety: true, language: en}\n"
        "- {text: 'ok', expect: nowhere}\n",
        encoding="utf-8",
    )
    entries = {**ENTRIES, "mines_safety": object()}
    report = import_writers(knowledge, [writer], entries, ["La météo à Minsk demain ?"])
    assert (report.near_blind, report.near_corpus, sum(report.unknown_entry.values())) == (1, 2, 1)
    found = load_examples(knowledge, entries)
    assert [(e.entry, e.writer) for e in found] == [
        ("family_links", "w9"),
        ("hello", "w0"),
        ("mines_safety", "w9"),
    ]
    safety = found[-1]
    assert safety.safety and safety.language == "en"


@pytest.mark.unit
def test_near_duplicates_found_at_once_are_those_found_one_by_one() -> None:
    known = NearDuplicates(
        ["mon fils a disparu a Kherson en 2023", "ou est la mission de Minsk ?", "bonjour"], words=True
    )
    texts = [
        "mon fils a disparu à Kherson en 2022",  # a changed date: the same message
        "la mission de Minsk, où est ?",  # the same words in another order
        "Bonjour",  # folded, the same
        "que faire si je trouve une mine",
        "où est",
    ]
    assert known.holding(texts) == [known.holds(t) for t in texts] == [True, True, True, False, False]
    assert NearDuplicates().holding(texts) == [False] * 5


@pytest.mark.unit
@pytest.mark.parametrize(
    ("scorer", "cutoff"), [(fuzz.ratio, SAME_MESSAGE), (fuzz.token_sort_ratio, SAME_WORDS)]
)
def test_comparing_only_lengths_that_could_match_finds_what_every_pair_finds(
    scorer: Callable[..., float], cutoff: float
) -> None:
    """The length bands skip only pairs that cannot reach the cutoff: texts of every length,
    each with variants edited a few letters at a time, so that pairs fall on both sides of it."""
    rng = random.Random(7)
    words = ["mon", "fils", "a", "disparu", "pres", "de", "kherson", "mine", "obus", "minsk", "aide"]
    choices = [" ".join(rng.choices(words, k=rng.randint(1, 60))) for _ in range(300)]
    queries = []
    for text in rng.sample(choices, 150):
        letters = list(text)
        for _ in range(rng.randint(0, max(1, len(letters) // 6))):
            letters.insert(rng.randrange(len(letters) + 1), rng.choice("abcdefghij"))
        queries.append(" ".join("".join(letters).split()))
    queries += [" ".join(rng.choices(words, k=rng.randint(1, 60))) for _ in range(150)]
    every_pair = [any(scorer(q, c) >= cutoff for c in choices) for q in queries]
    assert 30 < sum(every_pair) < len(queries) - 30  # both answers are tested
    assert _any_close(queries, choices, scorer, cutoff) == every_pair


@pytest.mark.unit
def test_the_reordered_words_pass_finds_what_token_sort_ratio_finds() -> None:
    """`holding` sorts each text's words once and compares them with `ratio`: the same answers
    as `token_sort_ratio` over every pair, on texts whose words were shuffled and edited."""
    rng = random.Random(11)
    words = ["mon", "fils", "a", "disparu", "pres", "de", "kherson", "mine", "obus", "minsk", "aide"]
    known = [" ".join(rng.choices(words, k=rng.randint(4, 30))) for _ in range(200)]
    texts = []
    for text in rng.sample(known, 150):
        shuffled = text.split()
        rng.shuffle(shuffled)
        for _ in range(rng.randint(0, len(shuffled) // 4)):
            shuffled.insert(rng.randrange(len(shuffled) + 1), rng.choice(words))
        texts.append(" ".join(shuffled))
    every_pair = [
        text in known
        or any(fuzz.ratio(text, k) >= SAME_MESSAGE for k in known)
        or any(fuzz.token_sort_ratio(text, k) >= SAME_WORDS for k in known)
        for text in texts
    ]
    assert 30 < sum(every_pair) < len(texts) - 30  # both answers are tested
    assert NearDuplicates(known, words=True).holding(texts) == every_pair


GOOD = (
    "entry: family_links\nexamples:\n"
    "  - {text: mon fils a disparu, writer: w1, style: sms}\n"
    "  - text: ma soeur\n    writer: w2\n    also: [hello]\n    safety: false\n    language: ru\n"
)


@pytest.mark.integration
def test_a_file_parsed_once_is_read_back_the_same_without_parsing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "family_links.yaml", GOOD)
    store = RankerStore(tmp_path / "cache")
    first = load_examples(tmp_path, ENTRIES, store)
    assert first == load_examples(tmp_path, ENTRIES)  # as parsed without a cache
    assert first[1].location.endswith("family_links.yaml:4") and first[1].also == ("hello",)

    def refuse(*_: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(corpus, "parse_yaml", refuse)
    assert load_examples(tmp_path, ENTRIES, RankerStore(tmp_path / "cache")) == first  # another process


@pytest.mark.integration
def test_the_parse_cache_never_hides_a_problem(tmp_path: Path) -> None:
    store = RankerStore(tmp_path / "cache")
    write(tmp_path, "family_links.yaml", GOOD + "  - {text: sans auteur}\n")
    for _ in range(2):  # a file with a problem is not kept: the problem is said every time
        with pytest.raises(KnowledgeError, match=r":9: missing field 'writer'"):
            load_examples(tmp_path, ENTRIES, store)
    write(tmp_path, "family_links.yaml", GOOD)
    load_examples(tmp_path, ENTRIES, store)
    # An entry gone from the knowledge base: what was kept is parsed again, which says where.
    with pytest.raises(KnowledgeError, match=r"family_links\.yaml:6: 'also' names unknown entry"):
        load_examples(tmp_path, {"family_links": object()}, store)
    # A cache file damaged or from elsewhere is as good as none.
    for damaged in ('{"entry": "family_links", "items": [["only text"]]}', '{"entry": [1], "items": []}'):
        for kept in (tmp_path / "cache").glob("examples-*.json"):
            kept.write_text(damaged, encoding="utf-8")
        assert len(load_examples(tmp_path, ENTRIES, store)) == 2
