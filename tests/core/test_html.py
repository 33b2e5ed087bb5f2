from __future__ import annotations

import pytest

from bot.core import html as th

pytestmark = pytest.mark.unit


def test_valid_and_invalid_html() -> None:
    assert th.validate('<b>gras</b> &amp; <a href="https://x.org">lien</a>') == []
    assert th.validate("a & b")
    assert th.validate("a < b")
    assert th.validate("<b>never closed")
    assert th.validate("<i>crossed</b></i>")
    assert th.validate("<br>")
    assert th.validate('<b class="x">x</b>')


def test_escape_makes_hostile_text_valid() -> None:
    hostile = "<b> & <script>alert(1)</script>"
    assert th.validate(th.escape(hostile)) == []
    assert th.to_plain_text(th.escape(hostile)) == hostile


def test_split_keeps_each_part_valid_and_short() -> None:
    paragraph = "<b>Titre</b> " + "mot " * 300 + "\n\n"
    text = paragraph * 12 + "<i>" + "long " * 1500 + "</i>"
    parts = th.split_message(text)
    assert len(parts) > 2
    for part in parts:
        assert th.telegram_length(part) <= th.MAX_MESSAGE_LENGTH
        assert th.validate(part) == [], part[:80]
    assert th.to_plain_text("".join(parts)).split() == th.to_plain_text(text).split()


def test_short_text_is_not_split() -> None:
    assert th.split_message("court") == ["court"]


def test_length_counts_utf16_units() -> None:
    assert th.telegram_length("é") == 1
    assert th.telegram_length("🙂") == 2


def test_links_lead_to_https_or_telegram_only() -> None:
    assert th.validate('<a href="https://x.org/a?b=1&amp;c=2">x</a>') == []
    assert th.validate('<a href="tg://resolve?domain=icrc">x</a>') == []
    for target in ("javascript:alert(1)", "http://x.org", "data:text/html,x", " https://x.org"):
        assert th.validate(f'<a href="{target}">x</a>') == [
            f"link target {target!r} must start with https:// or tg://"
        ]


def test_a_bare_ampersand_in_a_link_target_is_invalid() -> None:
    assert th.validate('<a href="https://x.org/?a=1&b=2">x</a>') == ["a bare '&' in '&b=2': write &amp;"]


def test_numeric_entities_must_name_a_unicode_character() -> None:
    assert th.validate("&#233; &#x1F642; &#x10FFFF; &lt;") == []
    for entity in ("&#0;", "&#xD800;", "&#57343;", "&#x110000;", "&#9999999;"):
        assert th.validate(f"a {entity} b") == [f"{entity!r} is not a Unicode character"]


def test_echoed_values_are_cut() -> None:
    for hostile in (
        "<" + "x" * 10_000 + ">",
        "<b " + "x" * 10_000 + ">",
        "&" + "x" * 10_000,
        '<a href="' + "x" * 10_000 + '">',
    ):
        problems = th.validate(hostile)
        assert problems and all(len(problem) < 150 for problem in problems), problems
    assert th.quoted("é" * 10) == repr("é" * 10)
    assert th.quoted("x" * 200) == "'" + "x" * 78 + "…"
