"""Dangers named in messages in other languages (`bot.core.foreign_dangers`)."""

from __future__ import annotations

import pytest

from bot.core.foreign_dangers import (
    for_the_french_rule,
    names_explosive,
    names_foreign_explosive,
    why_explosive,
)

unit = pytest.mark.unit


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
        # From the eighth set's lessons: objects described, not named...
        ("Heyetde qum qutusunda pasli bir sey cixdi, uzunsov, ucu sivri", True),
        ("evin damina bir sey dusub, partlamayib", True),
        ("малы прынёс дамой нейкую жалязяку с правадамі", True),
        ("во дворе обнаружен предмет цилиндрической формы с оперением", True),
        ("на дороге валяются мелкие зелёные штуки, как бабочки", True),
        ("хвилі винесли круглий предмет з ріжками", True),
        ("касетка на даху", True),
        ("у нас в доме из потолка торчит железка с крылышками", True),
        ("утром у калитки из земли торчит что то зелёное с усиками", True),
        ("в полі щось валяється, кругле таке залізне, як каструля", True),
        ("сусід зачепив ногою дріт у траві біля ставка", True),
        ("трактор наїхав на щось у полі, вибух, тато в лікарні", True),
        ("сусед араў і выварачыў бомбу, вялікую", True),
        ("Our fixer spotted what looks like a tail fin sticking out of the ground", True),
        ("bir demir sey cixdi qanadlari var", True),
        ("mesede agaclar arasinda mefteller cekilib", True),
        # From the tenth set: the parts of a munition on a thing described.
        ("внук принёс с речки железку, похожа на бутылку с крылышками сзади", True),
        ("ми знайшли в посадці зелене яйце з кільцем", True),
        ("сын принес штучку типо ручки но тяжолая и с колпачком на конце", True),
        ("За гаражами в траве уже час что-то пищит, как будильник", True),
        ("трактором зачепив щось у ріллі", True),
        ("во дворе из земли торчит зелёное что-то, как термос", True),
        ("Сантэхнік: экскаватар зачапіў авіябомбу", True),
        ("Na polu znalazłem coś jak zardzewiała rura z lotkami", True),
        ("bahçemize bir drone düştü ama patlamadı", True),
        ("Порадьте просту розтяжку для початківців, після пологів", False),  # stretching
        ("Bacım Mina Almaniyada yaşayır, ona yardım paketi necə göndərmək olar?", False),
        ("Сын в кружке ракетомоделирования, запускали ракету, она улетела в кусты", False),
        ("Хачу напісаць школьны праект пра тое, як брат падарваўся на міне", False),
        # ...and the same words not reporting anything.
        ("Toy ucun feyerverk ve raketler haradan almaq olar?", False),
        ("Растяжка после тренировки 15 минут достаточно?", False),
        ("Новина вибухова: класна керівниця виходить заміж!", False),
        ("Наш дом разрушен снарядом ещё в августе, положена ли компенсация?", False),
        ("Яка в тебе міна була, коли вчителька сказала про контрольну", False),
        ("kupil novuju raketku dlja badmintona", False),
        ("Córka zrobiła taką minę, kiedy powiedziałam", False),
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
    assert names_explosive(text) is named


@unit
def test_a_message_read_as_french_names_a_foreign_weapon_only_without_a_french_word() -> None:
    assert names_foreign_explosive("Diti prynesly dodomu vybukhivku")
    assert not names_foreign_explosive("mon chat s'appelle Snaryad, il est perdu")
    assert names_foreign_explosive("evin damina dron dusub, partlamayib, ne edek")  # "ne" alone
    assert not names_foreign_explosive("grenade fruit koman eplucher")  # French, the French rule's


@unit
def test_what_the_french_rule_may_read_of_a_message_in_another_language() -> None:
    assert for_the_french_rule("a colleague of mine is missing", "en") == "a colleague of   is missing"
    assert for_the_french_rule("Qarabağda minalar haqqında maarifləndirmə dərsləri?", "az") is None
    assert for_the_french_rule("Ich brauche eine neue Mine für meinen Kugelschreiber", "other") != (
        "Ich brauche eine neue Mine für meinen Kugelschreiber"
    )
    assert for_the_french_rule("Wir haben eine Mine im Garten gefunden", "other") == (
        "Wir haben eine Mine im Garten gefunden"
    )
    # Read as French, the language not told: the other languages' everyday senses only.
    assert "mina" not in (for_the_french_rule("u mene kysla mina na oblychchi", None) or "")
    assert (
        for_the_french_rule("j'ai trouvé un obus dans le jardin", None)
        == "j'ai trouvé un obus dans le jardin"
    )


@unit
@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Нашли снаряд во дворе", "a weapon's word: 'снаряд'"),
        ("There is a mine near our house", "'mine', said to be there"),
        ("бомба в огороде", "'бомба', said to be there"),
        ("сусід зачепив ногою дріт у траві", "an object described: 'дріт у трав'"),
        ("ракеты летят каждую ночь", None),
    ],
)
def test_what_names_the_danger_is_said(text: str, why: str | None) -> None:
    """`ask --explain` shows curators which words of the rule of the other languages fired."""
    assert why_explosive(text) == why
