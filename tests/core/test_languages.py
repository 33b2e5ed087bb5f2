"""Which messages get a notice in another language, and which stay French."""

from __future__ import annotations

import pytest

from bot.core.knowledge import EntryKind, KnowledgeBase
from bot.core.languages import OTHER, detect

unit = pytest.mark.unit


@unit
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hello, I am looking for my brother, he is missing since 2022", "en"),
        # Azerbaijani without its letters still writes "q" before other letters than "u".
        ("usaqlar cayin kenarinda qumbara tapib eve getiribler, indi eyvandadi", "az"),
        ("vsyu noch leteli bespilotniki, spat nevozmozhno", "ru"),
        ("znovu obstril, khata tsila, my zhyvi", "uk"),
        ("тривога", "uk"),
        ("qanadli bir boru tapmisam bostanda. ne oldugunu bilmirem", "az"),  # French's "ne" too
        ("гранат полезен для гемоглобина? бабушке врач советовал", "ru"),
        ("Bu şarkı bomba gibi olmuş, herkes dinlesin!", "other"),
        ("шахеди летять над Одесою, чути мопеди", "uk"),
        ("where is your office in Minsk please", "en"),
        ("Здравствуйте, ищу сына, он пропал в Харькове", "ru"),
        ("Добры дзень, шукаю брата, ён знік у 2023 годзе", "be"),
        ("Доброго дня, шукаю сина, зник у Маріуполі", "uk"),
        ("Доброго дня, шукаю сина", "uk"),
        ("рецепт борщу з грибами", "uk"),  # "з", not the Russian "с"
        ("Дапамажыце калі ласка, дзе шукаць брата", "be"),
        # Belarusian without "і" or "ў": its "ць" and "дз" tell it from Russian, which shares "ы".
        ("Хачу ведаць, дзе мой сын", "be"),
        ("Мой брат пропал под Бахмутом, помогите", "ru"),  # words both languages spell alike
        ("Подземный переход возле офиса, где вход?", "ru"),
        ("Salam, mənim qardaşım itkin düşüb, kömək edin", "az"),
        ("Բարեւ, ես փնտրում եմ եղբորս", OTHER),
        # Typed without their keyboard: romanised, as people write on a phone.
        ("zdravstvuite, ishchu brata, propal pod Bakhmutom", "ru"),
        ("dobryi den, shukayu sestru, dyakuyu", "uk"),
        ("dzien dobry, shukaju maci, dziakuj", "be"),
        ("salam, atam itkin, komek lazimdir", "az"),
        ("kak svyazatsya s vami, nuzhen telefon", "ru"),
        ("chy mozhna otrymaty dopomogu", "uk"),
        # The languages of the countries people went to get the English notice.
        ("Guten Tag, ich suche meine Mutter aus Cherson", OTHER),
        ("Dzień dobry, szukam brata, czy możecie pomóc?", OTHER),
        ("Hola, busco a mi hermano, necesito ayuda", OTHER),
        ("Merhaba, kardeşimi arıyorum, yardım edebilir misiniz?", OTHER),
        # Turkish shares Azerbaijani's "ş", "ğ", "ı" and its "bu", not its "ə": the English notice.
        ("Merhaba, bu numara doğru mu? Kızılhaç ile nasıl iletişime geçebilirim?", OTHER),
        ("Kardeşim Bakü'de kayboldu, ne yapmalıyım?", OTHER),  # "de", "ne": French's too
        # Azerbaijani typed without its "ə" still is.
        ("Salam, qardaşım itkin düşüb, kömək edin", "az"),
        # Short English: two words French does not use are enough.
        ("tell me a joke", "en"),
        ("cheap followers now", "en"),
    ],
)
def test_a_message_in_another_language_is_recognised(text: str, language: str) -> None:
    assert detect(text) == language


@unit
@pytest.mark.parametrize(
    "text",
    [
        "bonjour je cherche mon fils disparu",
        "bjr c koi le numero du cicr a minsk",
        "ICRC Belarus",  # an organisation's English name in a French message
        "hello",  # one word says too little
        "depuis quand le cicr est a Минск",  # a town in Cyrillic
        "mon pere a disparu a Київ en 2022, que faire ?",
        "Oleksandr Petrenko, né le 3 mars 1989, disparu près de Bakhmout",
        "",
        "123 456",
        # Foreign names and words in French sentences stay French.
        "mon frere Ivan Guten est porte disparu depuis mai",
        "je cherche Maria Hola, ma tante, à Kharkiv",
        "c'est gratuit ? free ou pas ?",
        "le match de foot est a quelle heure",
        "Jana Kali, nee en 1990",  # first names that are words elsewhere ("jana": "she")
        # Towns and names spelt as in Azerbaijani, with its own letter, in a French sentence.
        "Mon oncle a perdu une jambe sur une mine près de Tərtər en 2021, vous aidez ?",
        "bjr mine vue au bord route Ağdərə, c tout",
        "je cherche mon frère Elşən Məmmədov, disparu en 1993",
        "Ayşe Yılmaz, ma voisine, a disparu près de Bakou",  # Turkish names, French words
        "azdkjqsd mlkq",  # a keyboard, not Azerbaijani
        "Bonjour, cinq obus dans le champ de mon coq",
    ],
)
def test_french_and_unsure_messages_stay_french(text: str) -> None:
    assert detect(text) is None


@pytest.mark.integration
def test_no_example_question_of_a_french_answer_is_taken_for_another_language(kb: KnowledgeBase) -> None:
    """The curators' example questions are what French looks like here ("bolshoe spasibo" is
    a thanks they chose to answer in French): none gets a notice instead of its answer."""
    taken = [
        (entry.id, question)
        for entry in kb.entries.values()
        if entry.kind is not EntryKind.NOTICE
        for question in entry.questions
        if detect(question) is not None
    ]
    assert not taken, taken
