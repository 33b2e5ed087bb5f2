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


@unit
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("I found an unexploded shell in the garden", True),
        ("there is a mine near the road", True),
        ("this phone is mine", False),  # the pronoun
        ("a colleague of mine disappeared near Kherson", False),
        ("my number changed but mine is still near the office", False),
        ("is this account yours or mine? there is a message", False),
        ("what kind of mine is this, we found it near the road", True),  # the weapon
        ("a piece of mine is lying in the field", True),
        ("there is mine in garden", True),  # no article, as from a Russian speaker
        ("Mine is near the road, what do I do", True),
        ("my father worked in a coal mine near Donetsk", False),  # ore, a shelter, a company
        ("there is a bomb shelter near us, where can we get food", False),
        ("the Shell station near our house is closed", False),
        ("where can I find information about mines in Azerbaijan", False),  # finding asked about
        ("help me find my brother, he stepped on a mine", True),
        ("what does the ICRC do about landmines in Azerbaijan", False),  # in general
        ("how many landmines are in Karabakh", False),
        ("there is a landmine near the school, is there a demining program", True),
        ("we found a grenade, red cross help", True),
        # Rockets, bombs and drones in Cyrillic are strikes and news too, as in French.
        ("ракеты над городом каждую ночь, где получить помощь", False),
        ("дрони над містом щоночі, діти бояться", False),
        ("полетели дроны, нам страшно", False),
        ("бомба в огороде", True),
        ("дрон впав у дворі, не вибухнув, що робити", True),
        ("на крыше сарая лежит беспилотник", True),
        ("ракета в поле, что делать", True),
        ("Сын принес домой патроны и гильзы", True),
        ("набор посуды у нас дома", False),
        # Strikes: only an object said to be there is one.
        ("ракеты летят каждую ночь, у нас выбило окна", False),
        ("Ракета попала в соседний дом, что делать?", False),
        ("There are drones flying over our house every night", False),
        ("My husband was killed by a missile strike in March, what documents do I need?", False),
        ("A drone attack destroyed our house, we need shelter", False),
        ("A drone fell on our street during the night attack", True),
        ("A rocket hit our house and did not explode", True),
        ("бомба возле школы", True),
        # Everyday senses in other languages, unless an object is said to be there.
        ("у начальника сегодня такая кислая мина", False),
        ("Мой дед 30 лет на шахте, здоровье подорвал, нужна помощь", False),
        ("Дочка занимается гимнастикой, её любимый снаряд бревно", False),
        ("Гранат корисний для крові? Лікар сказав їсти по гранату щодня", False),
        ("Ich brauche eine neue Mine für meinen Kugelschreiber", False),
        ("Bu mahnı bombadır!", False),
        ("Dronla toy çəkilişi edirik, icazə lazımdır?", False),
        # Reports in words the lists lacked.
        ("patron qutusu tapdım zirzəmidə", True),
        ("Şuşada yolun kənarında nazik məftil gördük", True),  # a trip wire
        ("муж плугом вывернул круглую железную штуку, откатили к забору", True),
        ("kasetli bomba qaliqlari pambiq sahesinde", True),
        ("we saw what looks like anti-tank mines laid on the verge", True),
        ("Dzień dobry, w stodole skrzynka z granatami", True),
        ("Der Junge hat im Garten ein verrostetes Geschoss ausgegraben", True),
        ("մեր այգում ական ենք գտել", True),  # Armenian
        ("ჩვენს ეზოში ნაღმი ვიპოვეთ", True),  # Georgian
        ("В огороде нашли детонатор", True),
        ("Encontramos una bomba en el campo", True),
        ("патрон для лампочки где купить", False),
        # A question about mines in general, with nothing said to be there, as in French.
        ("Qarabağda minalar haqqında maarifləndirmə dərsləri keçirilir?", False),
        ("Сколько людей подорвалось на минах после войны?", False),
        ("Скільки людей підірвалося на мінах після війни?", False),
        ("Bağımızda mina tapdıq, uşaqlar üçün dərs lazımdır", True),
        ("Нашли мину во дворе, сколько ждать саперов?", True),
        ("Мина у дома, уроки в школе отменили?", True),  # a general word beside a report
        ("У нас в поле много мин, что делать?", True),  # the plural's other cases
        ("Діти гралися з мінами біля річки", True),
        ("буду через 10 мин, позвоните", False),  # minutes
        ("what is the weather in Minsk", False),
        ("Нашли в огороде снаряд", True),
        ("кассетные суббоеприпасы в саду у соседа", True),
        ("Знайшли міну на городі", True),
        ("Bağımızda mina tapdıq", True),
        ("рецепт борщу з пампушками", False),
        ("we found a strange metal object near the school", True),
        ("there is a bomb in our garden", True),
        ("my neighbour stepped on a mine last year", True),
        ("this new song is a bomb", False),  # everyday senses need the object to be somewhere
        ("when is the next rocket launch", False),
        ("how many gold mines are in Siberia", False),
        ("нашли подозрительный предмет у дороги", True),
        ("həyətdə şübhəli əşya tapdıq", True),
        ("сосед подорвался на чём-то у реки", True),  # blown up on something
        ("брат підірвався біля ставка", True),
        ("у траве лежит лепесток, зелёный", True),  # the "petal" mine
        ("сьогодні гарна погода", False),
        ("we saw a metal cylinder with a lever by the road", True),
        ("something landed in the yard and it did not explode", True),
        ("між деревами натягнутий дріт біля стежки", True),  # a trip wire
        ("сосед наступил на что-то в поле", True),
        ("діти принесли з поля трубу з крильцями", True),  # a tube with fins
        ("в лесу лежит штука со стабилизатором", True),
        ("прокладки с крылышками, какие лучше", False),  # "with wings", not an object
        ("v ogorode nashli minu, chto delat", True),  # romanised Russian
        ("Kassetnye boepripasy v pole, chto delat", True),
        ("Wir haben eine Granate im Garten gefunden", True),
        ("znaleźliśmy niewybuch w lesie", True),
        ("encontramos una granada en el campo", True),
    ],
)
def test_dangers_named_in_other_languages(text: str, named: bool) -> None:
    from bot.core.languages import names_explosive

    assert names_explosive(text) is named


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
