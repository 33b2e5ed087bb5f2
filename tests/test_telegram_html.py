from __future__ import annotations

from bot import telegram_html as th


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
