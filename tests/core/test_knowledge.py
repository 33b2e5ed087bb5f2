"""Loading and validating the knowledge base: the shipped one, and broken copies of it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from bot.core import knowledge
from bot.core.knowledge import ROUTE_KIND, KnowledgeBase, KnowledgeError
from tests.conftest import KNOWLEDGE_DIR

SEEDS = KNOWLEDGE_DIR.parent.parent / "shared" / "seeds"


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the shipped knowledge base with one text replaced in one file."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    path = target / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as raised:
        knowledge.load(directory)
    return raised.value.problems


@pytest.mark.unit
def test_shipped_knowledge_base_is_valid(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 17
    for entry in kb.entries.values():
        minimum = {"smalltalk": 3, ROUTE_KIND: 0}.get(entry.kind, 5)
        assert len(entry.questions) >= minimum, entry.id
        assert entry.sources and entry.reviewed
    routed = {r for e in kb.entries.values() if e.routes for r in e.routes.by_country.values()}
    routes = {e.id for e in kb.entries.values() if e.kind == ROUTE_KIND}
    assert routes and routes <= routed  # every route is reached through a topic


@pytest.mark.unit
def test_every_source_is_a_seed_or_a_public_url(kb: KnowledgeBase) -> None:
    seeds = {path.name for path in SEEDS.glob("*.txt")}  # empty where ../shared is not beside us
    for entry in kb.entries.values():
        for source in entry.sources:
            if source.startswith(("https://", "http://")):  # a page's address, as published
                continue
            if re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", source):
                assert not seeds or source in seeds, (entry.id, source)
            else:  # the team's own wording: conversation and privacy texts only
                assert entry.kind in ("smalltalk", "info") and "bot" in source.lower(), source


@pytest.mark.unit
def test_seed_facts_are_present_and_faithful(kb: KnowledgeBase) -> None:
    belarus = " ".join(
        kb.entries[i].answer + (kb.entries[i].details or "")
        for i in ("belarus_mission", "belarus_conflict_response", "belarus_contact")
    )
    for fact in ("2018", "Moscou", "2022", "+375 17 318 70 07", "6, Volodarskogo str", "220030"):
        assert fact in belarus, fact
    contact = kb.entries["belarus_contact"].contact
    assert contact is not None and contact.phone == "+375 17 318 70 07"
    azerbaijan = kb.entries["azerbaijan_2023"].answer.replace("\u202f", " ").replace("\xa0", " ")
    for figure in (
        "13 369",
        "8 000",
        "1 500",
        "5 202",
        "3 474",
        "2 602",
        "221",
        "2 356",
        "129",
        "trois",
        "100",
        "7 000",
        "930",
        "384",
        "2023",
        "septembre 2025",
    ):
        assert figure in azerbaijan, figure
    closure = kb.entries["azerbaijan_closure"]
    assert "septembre 2025" in closure.answer and closure.contact is None


@pytest.mark.unit
def test_no_phone_number_that_no_source_gives(kb: KnowledgeBase) -> None:
    phones = set()
    for entry in kb.entries.values():
        phones.update(re.findall(r"\+\d[\d ]{6,}\d", entry.answer + (entry.details or "")))
    phones.update(re.findall(r"\+\d[\d ]{6,}\d", " ".join(kb.interface.texts.values())))
    assert phones == {"+375 17 318 70 07"}


@pytest.mark.integration
def test_invalid_yaml_is_reported_with_file_and_line(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "entries:", "entries: [")
    problems = problems_of(directory)
    assert any(re.match(r".*fraude\.yaml:\d+: invalid YAML", p) for p in problems), problems


@pytest.mark.integration
def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "    kind: info\n", "    kind: info\n    kind: info\n")
    problems = problems_of(directory)
    assert any("fraude.yaml" in p and "duplicate key 'kind'" in p for p in problems), problems


@pytest.mark.integration
def test_duplicate_id_across_files_is_an_error(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "id: fraud_warning", "id: family_links")
    problems = problems_of(directory)
    assert any("duplicate id 'family_links'" in p for p in problems), problems


@pytest.mark.integration
def test_missing_field_and_wrong_type(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "    kind: info\n", "    kind: [info]\n")
    problems = problems_of(directory)
    assert any(re.match(r".*fraude\.yaml:\d+: 'kind' must be non-empty text", p) for p in problems), problems


@pytest.mark.integration
def test_answer_with_bare_ampersand_or_unknown_tag_is_invalid_html(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path, "fraude.yaml", "answer: |\n", "answer: |\n      Dupont & fils <script>x</script>\n"
    )
    problems = problems_of(directory)
    assert any("bare '&'" in p for p in problems), problems
    assert any("<script> is not allowed" in p for p in problems), problems


@pytest.mark.integration
def test_answer_longer_than_telegram_allows(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "answer: |\n", "answer: |\n      " + "x" * 4100 + "\n")
    assert any("longer than Telegram's 4096" in p for p in problems_of(directory))


@pytest.mark.integration
def test_unquoted_yaml_boolean_is_explained(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "keywords: [", "keywords: [on, ")
    assert any("True is not text: write it in quotes" in p for p in problems_of(directory))


@pytest.mark.integration
def test_unknown_next_step_and_too_few_questions(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, "fraude.yaml", "next_steps: [", "next_steps: [nowhere, ")
    assert any("unknown entry 'nowhere'" in p for p in problems_of(directory))


@pytest.mark.integration
def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path, "fraude.yaml", "    kind: info\n", "    kind: !!python/object/apply:os.system ['true']\n"
    )
    assert any("fraude.yaml" in p for p in problems_of(directory))


@pytest.mark.integration
def test_check_command_prints_file_line_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    directory = broken_copy(tmp_path, "fraude.yaml", "id: fraud_warning", "id: family_links")
    assert main(["check", str(directory)]) == 1
    assert re.search(r"\.yaml:\d+: duplicate id .family_links.", capsys.readouterr().out)
    assert main(["check", str(KNOWLEDGE_DIR)]) == 0


@pytest.mark.unit
def test_entries_not_reviewed_for_too_long_are_reported(kb: KnowledgeBase) -> None:
    from bot.core.knowledge import stale_entries

    newest = max(e.reviewed for e in kb.entries.values())
    assert stale_entries(kb, newest, 365) == []
    late = stale_entries(kb, newest + dt.timedelta(days=400), 365)
    assert len(late) == len(kb.entries)
    assert all(": warning: entry " in w and "days ago (limit 365)" in w for w in late)
    assert late[0].split(":")[0].endswith(".yaml")  # file:line first, like every other problem


@pytest.mark.integration
def test_check_warns_about_stale_entries_with_a_configurable_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.__main__ import main

    assert main(["check", "--review-days", "100000"]) == 0
    assert "last reviewed" not in capsys.readouterr().out
    monkeypatch.setenv("REVIEW_MAX_AGE_DAYS", "1")
    monkeypatch.setattr("bot.__main__.dt.date", _FarFuture)
    assert main(["check"]) == 0  # a warning, not a failure: the bot still starts
    assert "last reviewed" in capsys.readouterr().out


class _FarFuture(dt.date):
    @classmethod
    def today(cls) -> _FarFuture:
        return cls(2100, 1, 1)


@pytest.mark.integration
def test_libyaml_reads_the_shipped_base_exactly_as_the_python_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = knowledge.load(KNOWLEDGE_DIR)
    from bot.core.knowledge import located

    monkeypatch.setattr(located, "_fast_load", lambda text, shown: None)  # pure Python only
    slow = knowledge.load(KNOWLEDGE_DIR)
    assert (fast.entries, fast.interface, fast.language, fast.warnings) == (
        slow.entries,
        slow.interface,
        slow.language,
        slow.warnings,
    )


@pytest.mark.integration
def test_a_contact_card_without_its_source_is_refused(tmp_path: Path) -> None:
    """A phone number a person will call names the page it comes from, or nothing starts."""
    source_line = "      source: 000_5203eac7492034a4.txt"
    directory = broken_copy(tmp_path, "belarus.yaml", source_line, "      # source removed")
    problems = problems_of(directory)
    assert any(re.match(r".*belarus\.yaml:\d+: .*'source'", p) for p in problems), problems
    guessed = broken_copy(tmp_path / "guessed", "belarus.yaml", source_line, "      source: on me l'a dit")
    problems = problems_of(guessed)
    refused = r".*belarus\.yaml:\d+: source .* must be an https:// page"
    assert any(re.match(refused, p) for p in problems), problems


@pytest.mark.unit
def test_the_interface_texts_are_the_text_keys_the_code_reads(kb: KnowledgeBase) -> None:
    """Code reads `texts[Text.X]`: a misspelt key fails mypy, and every key is in the file."""
    from bot.core.knowledge import EntryKind, Text

    assert set(kb.interface.texts) == {key.value for key in Text}
    assert {entry.kind for entry in kb.entries.values()} <= set(EntryKind)
