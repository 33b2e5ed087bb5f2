"""Does a message in another language report an explosive object?

The French rule (`bot.core.safety`) reads French. A message in another language is read here, by
its own words for the weapons and for an object being there, found, fallen or unexploded; the
same words spoken of strikes, the news, mines in general or in their everyday senses ("a friend
of mine", "кислая мина", "bu mahnı bombadır") are not reports. `for_the_french_rule` says what
of such a message the French rule may still read. Pure and cheap, as `bot.core.languages`.
"""

from __future__ import annotations

import re

from bot.core.languages import FRENCH_WORDS, WORD, words_of

# Words with their apostrophes ("doesn't"), where the words around one matter.
_WORD_OR_APOSTROPHE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


# Explosive objects named in the other languages the bot recognises. In a message that is not
# French, naming one is enough: the person writes to a humanitarian line about something that
# can kill, and the safety advice costs little where it was not needed. The words of strikes too
# (rockets, bombs, drones), and English words that have everyday senses, count only when the
# object is said to be somewhere (below).
_EXPLOSIVE_WORDS = words_of("""
    мина мину мины мине миной минам минами минах міна міну міни міні міною міны мін мінам мінами
    мінах мінамі граната гранату гранаты гранате гранатой гранати запал запалом вог ргд пмн пфм
    птм
    mina minaya minalar minaları minanı minadan minada
    minu miny snaryad snaryady snarjad granata granatu granaty granatoy bombu
    granate granaten blindgänger blindganger sprengkörper sprengkorper munition geschoss geschosse
    geschosses sprengsatz landminen panzermine panzerminen streubombe fliegerbombe
    granat granatę granaty granatów granatow granatami granacie granatem niewybuch niewybuchy
    niewybuchu niewypał niewypal pocisk pociski pocisku pocisków pociskow
    granada granadas explosivo explosivos mayın mayin bombası bombasi
    արկ արկը արկեր արկերը miną
""")
# With the word stems: blown up on something ("подорвался", "підірвався"), and the "petal"
# anti-personnel mine by its everyday name ("лепесток", "пелюстка").
_EXPLOSIVE_STARTS = tuple(
    words_of("""
    снаряд снарад боеприпас суббоеприпас боєприпас боепрыпас неразорва нерозірван взрывчат
    взрывн вибухов выбухов растяжк миномет міномет mərmi mermi partlamamış partlamamis partlayıcı
    partlayici qumbara raket minalar minalan minatan kasetli sursat ական պայթուցիկ նռնակ
    детонатор детанатар підривач підривник взрыватель фугас вибухівк выбухоўк вибухонебезпечн
    кассетн касетн кассетк касетк протитанков противотанков протипіхот противопехот процітанк
    процiтанк авіабомб авиабомб авіябомб qranat amunicj patlamad
    взрывоопасн выбуханебяспечн
    неразарв rastyazhk vybukhivk boyeprypas boieprypas patlamamış patlamamis mühimmat muhimmat
    proyectil ნაღმ ყუმბარ ჭურვ ასაფეთქებ
    подорва підірва падарва лепест пялёст пелюст
    boepripas boyepripas nerazorva vzryvchat vzryvn podorva pidirva snariad
""")
)
# English words for the weapons alone: named, they are a danger, except in a question about them
# in general with nothing said to be there ("what does the ICRC do about landmines?"), as the
# French rule's `general_cues` read it.
_ENGLISH_EXPLOSIVE = words_of("""
    landmine landmines minefield minefields unexploded uxo grenade grenades ordnance bomblet
    bomblets detonator detonators submunition submunitions
""")
_ENGLISH_GENERAL = re.compile(
    r"\b(?:what (?:does|do|is) (?:the )?(?:icrc|red cross|red crescent|you|your organi[sz]ation)"
    r"(?: \w+)? do|how many|statistics|figures|awareness|education|educational|programs?"
    r"|programmes?|campaigns?|demining|de-mining|clearance|victims|survivors|research|paper"
    r"|thesis|study|studying|article|report on|lessons?|classes|sessions?|workshops?|training"
    r"|projects?|homework|history class)\b"
)
# Rockets, bombs and drones in Cyrillic, as "roquette", "bombe" and "drone" in French: the words
# of strikes and news too ("ракеты летят каждую ночь", "дрони над містом"), a danger only when
# said to be somewhere, found, fallen, unexploded or to have hurt someone (`_there`).
_CYRILLIC_IF_PRESENT = words_of("""
    ракета ракету ракеты ракете ракетой ракети ракетою бомба бомбу бомбы бомбе бомбой бомби бомбою
    набій набої набоїв набоями
""")
# Drones, and cartridges and casings as "munitions" and "douille" in French ("патроны во дворе").
_CYRILLIC_IF_PRESENT_STARTS = (
    "дрон",
    "беспилотник",
    "безпілотник",
    "беспілотнік",
    "шахед",
    # Ukrainian's trip wire is also its word for stretching ("проста розтяжка для початківців").
    "розтяжк",
    "патрон",
    "гильз",
    "гільз",
)
# Drones, bombs and cartridges in Azerbaijani or in romanised Russian and Ukrainian: the words
# of strikes, songs ("bu mahnı bombadır") and weddings filmed from above too, as in Cyrillic.
_LATIN_IF_PRESENT_STARTS = ("dron", "bomba", "bombu", "patron", "giliz", "güllə", "gulle")
_LATIN_THERE = re.compile(
    r"\b(?:tap|düşdü|düşüb|dusdu|dusub|partlama|həyət|heyet|bağda|bagda|bağım|bagim|bağçada|bagcada"
    r"|sahə|sahe|qalıq|qaliq|tarla|dam|toxun|yerdə|yerde|qaldı|qaldi|durur|nashl|nashel|nashyol|lezhit|lezhat"
    r"|upal|upav|vpav|ne vzorv|ne razorv|ne vybukh|ne vybuh|vo dvore|v ogorode|u dvori|na horodi"
    r"|na kryshe|na dakhu|znaishl|znaishov|znayshl|znayshov|götür|gotur|gətir|getir|düştü|dustu"
    # found, in the garden or the field, lying there: Spanish, German, Polish, Turkish, Italian,
    # Portuguese, Lithuanian
    r"|encontr|hallamos|jardín|jardin|campo|gefunden|garten|feld|liegt|znale|ogród|ogrod|polu\b"
    r"|leży|lezy|trovat|giardino|quintal|bulduk|buldum|bahçe|bahce|rado|radom|lauke|sode)"
)
_LATIN_NEAR = re.compile(
    r"\b(?:yanında|yaninda|yaxın|yaxin|yaral|nə etməli|ne etmeli|nə edim|ne edim|nə edək|ne edek"
    r"|u nas|vozle|okolo|ryadom|bilya|poruch|chto delat|shcho robyty|ranen|poranen)"
)
# Strikes, and for a drone or a "bomb" of a song, the song, the wedding and its filming.
_LATIN_STRIKES = re.compile(
    r"\b(?:obstrel|obstril|leteli|letyat|letiat|letayut|litayut|ataka|ataku|udar|zərbə|zerbe"
    r"|hücum|hucum|atəş|ates|toy|çəkiliş|cekilis|mahnı|mahni)"
)
# Said to be there: found, lying, fallen, unexploded, in a yard, a field, on a roof...
_CYRILLIC_THERE = re.compile(
    r"\b(?:нашл|нашёл|нашел|найшл|знайшл|знайшов|знайдено|найдено|обнаруж|виявил|виявлен|лежит"
    r"|лежать|лежить|ляжыць|валя|торчит|торчать|стирчить|застрял|застряг|упал|упав|впав|впал|упаў"
    r"|не взорв|не разорв|не вибухн|не розірв|не выбухн|не сработ|не спрацюв|двор|двір|подвір"
    r"|огород|на городі|у городі|в саду|у саду|в поле\b|у полі\b|на поле\b|на полі\b|участк"
    r"|ділянц|на даху|на дах\b|крыш|сара|подвал|підвал|возле дом|около дом|рядом с дом|біля будин"
    r"|біля хат|трога|торка|поднял|підняв|принес|принёс|приніс|обломк|уламк|кусок|шматок|агарод"
    r"|двар|вывернул|вивернув|выварачыў|выкопал|викопав|выкапаў|откопал|откапал)"
)
# Near, at our place, hurt, "what to do": enough, unless the message speaks of strikes (below).
_CYRILLIC_NEAR = re.compile(
    r"\b(?:у нас|у меня|в нас|у мене|у нашего|біля|возле|около|рядом|поруч|коло|каля|на улиц"
    r"|на вулиц|на дорог|у дорог|в лесу|у лісі|у лесе|у реки|у річ|в доме|в будинку|в квартир"
    r"|в подъезд|под окн|під вікн|у дом|под дом|за дом|перед дом|ранен|поранен"
    r"|что делать|що робити|што рабіць|куда звонить|кому звонить|кому дзвонити|куди дзвонити)"
)
# Strikes: what rockets, bombs and drones do in the news and the nights near the front. There,
# only an object said to be there is one ("ракеты летят каждую ночь, у нас выбило окна").
_CYRILLIC_STRIKES = re.compile(
    r"\b(?:удар|обстрел|обстріл|атак|прилет|приліт|прилетел|прилетіл|летят|летять|летают|літають"
    r"|летали|літали|лятаюць|ляцяць|ляталі|каждую ночь|каждый день|щоночі|щодня|кожної ночі|сирен"
    r"|тревог|тривог|попал|ударил|вдарил|ложил|новост|новин"
    r"|попав|влучи|взрыв|вибух|бомбят|бомбили|бомбардир|бомбежк|бомбардув)"
)


def _there(text: str, there: re.Pattern[str], near: re.Pattern[str], strikes: re.Pattern[str]) -> bool:
    """Whether a weapon named with an everyday or a strike's sense is said to be there: found,
    lying, fallen, in a yard; or near, at home, hurting someone, where no strike is spoken of."""
    return there.search(text) is not None or (near.search(text) is not None and not strikes.search(text))


# A question about mines in general in Russian, Ukrainian, Belarusian or Azerbaijani (lessons,
# how many, the victims, a programme), with nothing said to be there, found or hurting someone: as
# the French rule's `general_cues` read it ("Qarabağda minalar haqqında maarifləndirmə dərsləri
# keçirilir?", "Сколько людей подорвалось на минах после войны?").
_GENERAL = re.compile(
    r"\b(?:сколько|скільки|колькі|статисти|урок|уроки|заняти|занятт|занятк|обучени|образовани"
    r"|навчанн|навучанн|освіт|адукацы|просвещ|просвіт|програм|жертв|пострадавш|постраждал|maarifl"
    r"|dərs|ders|təlim|telim|öyrət|oyret|proqram|statistik|statystyk|neçə|nece|qurban|zərər çəkən"
    r"|zerer ceken|təmizlə|temizle"
    r"|məqalə|meqale|jurnalist|tələbə|telebe|layihə|layihe|проект|проєкт|курсов|диплом|реферат"
    r"|доповід|цифр|праект|архів|архив)"
)


# The same words in their everyday senses in other languages, set aside unless an object is said to
# be there: a face ("какая кислая мина", "masz minę"), health or trust undermined ("здоровье
# подорвал"), a gymnast's apparatus, a pomegranate ("сок граната"), a pencil's lead ("eine Mine für
# meinen Kugelschreiber").
_FOREIGN_NOT_DANGERS = re.compile(
    r"(?:кисл|таку|такая|такой|недовольн|грустн|обиженн|постн|серьёзн|серьезн|важн|яка|какая|какую"
    r"|яку)\w*(?: \w+){0,2} (?:мин|мін)\w*"
    r"|\b(?:мин|мін)\w* (?:скорчил|состроил|строил|зробив|зробила|зрабіў|зрабіла)\w*"
    r"|\b(?:zrobił|zrobiła|zrobil|zrobila|masz|miał|miała|mial|miala|robi)(?: \w+)? min[ęe]\b|\bmin[ęe] na\b"
    # fireworks; a racket; explosive news or temper; a house hit long ago; shells that fell all night
    r"|(?:feyerverk|fişəng|fiseng|фейерверк|феєрверк|салют)\w*(?: \w+){0,3} (?:raket|ракет)\w*"
    r"|(?:raket|ракет)\w*(?: \w+){0,3} (?:feyerverk|fişəng|fiseng|фейерверк|феєрверк|салют)\w*"
    r"|\braketk\w*|(?:новин|новост|новость|реакц|характер|темперамент)\w* (?:\w+ )?(?:вибухов|взрывн"
    r"|выбухов)\w*|(?:вибухов|взрывн|выбухов)\w* (?:\w+ )?(?:новин|новост|характер|темперамент|реакц)\w*"
    r"|(?:разрушен|разбит|зруйнован|пошкоджен|повреждён|поврежден|уничтожен|знищен)\w*(?: \w+){0,2}"
    r" (?:снаряд|ракет|бомб|дрон|шахед)\w*|(?:снаряд|ракет|бомб|мин|мін)\w* (?:\w+ )?(?:ложил|рвал|рвут"
    r"|разрывал|летел|летят|летали|свистел|падал|падают|прилетал)\w*"
    r"|(?:растяжк|розтяжк)\w*(?: \w+){0,4} (?:тренировк|трениров|тренуван|зал|мышц|м'яз|йог|спорт"
    r"|шпагат|упражнен|вправ)\w*|(?:тренировк|тренуван|йог|спорт|мышц|м'яз|шпагат|упражнен|вправ)\w*"
    r"(?: \w+){0,4} (?:растяжк|розтяжк)\w*"
    r"|(?:подорва|підірва|падарва)\w*(?: \w+){0,2} (?:здоров|здароў|довер|довір|репутац|экономик"
    r"|економік|нерв|авторитет)|(?:здоров|здароў|нерв)\w*(?: \w+){0,2} (?:подорва|підірва|падарва)\w*"
    r"|(?:спортивн|гимнаст|гімнаст)\w*(?: \w+){0,4} снаряд\w*|снаряд\w* (?:\w+ )?(?:бревно|брусья|кольца"
    r"|турник|колода)|гранат\w*(?: \w+){0,5} (?:сок|сік|салат|соус|рецепт|фрукт|зерн|корисн|полезн"
    r"|кров|їсти|есть|купить|купити)\w*|(?:сок|сік|салат|соус|рецепт|фрукт|зерн|корисн|полезн|їсти"
    r"|есть|купить|купити)\w*(?: \w+){0,5} гранат\w*"
    # a woman named Mina; news or a song that is "a bomb"; a model rocket; a pomegranate bought, a
    # sour face, in romanised Russian and Ukrainian
    r"|(?:bacım|bacim|qızım|qizim|xalam|bibim|nənəm|nenem|anam|dostum|rəfiqəm|refiqem|qonşum|qonsum"
    r"|sister|daughter|дочка|сестра|доньк)\w* mina\w*|\bmina (?:xanım|xanim)"
    r"|(?:xəbər|xeber|mahnı|mahni|video|film|şarkı|sarki) bomba\w*|\bbomba (?:oldu|kimi|gibi)"
    r"|ракетомодел\w*|модел\w* ракет\w*"
    r"|(?:kupil|kupila|sok|sik|rynk|rynok|frukt)\w*(?: \w+){0,3} granat\w*"
    r"|granat\w*(?: \w+){0,3} (?:gnil|sok|rynk|frukt|vkusn|sladk)\w*"
    r"|(?:kysla|kislaya|kislaja|kyslu|kisluyu) min\w*|\bmina na (?:oblychchi|lice|litse)"
    r"|\b(?:mine|minen|mina|minas)\b(?: \w+){0,3} (?:kugelschreiber|bleistift|druckbleistift|lápiz"
    r"|lapiz|portaminas|ołówk|olowk|długopis|dlugopis)\w*|(?:kugelschreiber|bleistift|lápiz|lapiz"
    r"|ołówk|olowk|długopis|dlugopis)\w*(?: \w+){0,3} (?:mine|minen|mina|minas)\b"
)


# "Мин", the mines (genitive plural: "много мин в поле"), also abbreviates minutes after a number
# ("через 10 мин").
_MINES_NOT_MINUTES = re.compile(r"(?<!\d)(?<!\d )\bмин\b")


def _general_question(text: str) -> bool:
    """A question about explosives in general, in another language, with nothing said to be there."""
    if not _GENERAL.search(text):
        return False
    present = (_CYRILLIC_THERE, _CYRILLIC_NEAR, _LATIN_THERE, _LATIN_NEAR)
    return not any(cue.search(text) for cue in present)


# English words with everyday senses too ("a bomb of a song", "gold mines", "shell company",
# "the rocket launch"): a danger only when said to be somewhere, found, or to have hurt someone.
_ENGLISH_IF_PRESENT = words_of("""
    mine mines shell shells mortar mortars rocket rockets missile missiles bomb bombs explosive
    explosives drone drones munition munitions ammunition cartridge cartridges bullet bullets
    casing casings
""")
# A weapon's kind said with it: the weapon, whatever else ("anti-tank mines laid on the verge").
_ENGLISH_WEAPON_KIND = re.compile(
    r"\b(?:anti-?tank|anti-?personnel|antipersonnel|land|cluster|unexploded|live|improvised)"
    r" (?:mines?|bombs?|shells?|munitions?|rockets?|grenades?|devices?|ordnance)\b"
)
_ENGLISH_THERE = re.compile(
    r"\b(?:found|find|finding|picked|pick|touched|touch|lying|stuck|buried|in (?:my|our|the)"
    r" (?:garden|yard|backyard|field|house|home|street|school|village|river|basement|roof)|garden"
    r"|yard|backyard|field|basement|on (?:my|our|the|a) roof|stepped|didn't explode|did not explode"
    r"|hasn't exploded|has not exploded|not exploded|fell|landed|crashed)\b"
)
_ENGLISH_NEAR = re.compile(
    r"\b(?:near|nearby|next to|there is|there's|there are|injured|hurt|killed|wounded|exploded|saw"
    r"|seen|spotted|noticed"
    r"|what should i do|what do i do|who do i call|dangerous)\b"
)
_ENGLISH_STRIKES = re.compile(
    r"\b(?:strikes?|attacks?|attacked|shelling|shelled|bombing|bombed|air raids?|sirens?"
    r"|every night|every day|each night|all night|front ?line|flying|fly over|flew over|overhead"
    r"|falling|hit|hits)\b"
)
# "Where can I find...", "help me find my brother": finding asked about, not an object found.
# Set aside before the presence cues are read, as `where_to_find` is in French.
_ENGLISH_TO_FIND = re.compile(
    r"\b(?:where|how) (?:can|could|do|should|would) (?:i|we|you|one) (?:\w+ )?find"
    r"|\b(?:where|how) to find|\b(?:help|helps|helping) (?:me|us) (?:to )?find"
    r"|\b(?:trying|want|wants|need|needs|hope|hoping) to find"
)
# The same words in their everyday senses: a mine that is dug for ore, a shelter from bombs,
# a company. "Mine" the pronoun is told apart by its neighbours (`_is_pronoun`).
_ENGLISH_NOT_DANGERS = re.compile(
    r"\b(?:coal|gold|salt|diamond|copper|iron|silver|uranium|lithium|potash|open pit|open-pit)"
    r" mines?\b|\bmines? (?:worker|workers|shaft|shafts)\b|\bbomb[- ]?shelters?\b"
    r"|\bshell (?:company|companies|station|stations|gas|petrol)\b|\bsea ?shells?\b"
)
# "A friend of mine", "but mine is broken", "yours or mine": the pronoun. "This kind of mine",
# "a piece of mine", "the mine is still there" name the weapon, and so does "there is mine" or
# "mine is in the field" from someone whose language has no articles.
_KINDS = frozenset({"type", "types", "kind", "kinds", "sort", "sorts", "piece", "pieces", "part", "parts"})
_PRONOUN_BEFORE = frozenset({"yours", "or", "his", "hers", "ours"})
_PRONOUN_AFTER = frozenset(
    {"is", "was", "are", "were", "has", "had", "does", "did", "doesn't", "didn't", "isn't", "wasn't", "too"}
)
_CLAUSE_START = frozenset({"and", "but", "while", "whereas", "because"})


_ENGLISH_WORDS_OF_WEAPONS = _ENGLISH_IF_PRESENT | _ENGLISH_EXPLOSIVE


def _is_pronoun(words: list[str], at: int) -> bool:
    """Whether the "mine" at `at` is the English pronoun rather than the weapon."""
    before = words[at - 1] if at > 0 else None
    after = words[at + 1] if at + 1 < len(words) else None
    if before == "of":
        return at < 2 or words[at - 2] not in _KINDS
    if before in _PRONOUN_BEFORE:
        return True
    return after in _PRONOUN_AFTER and before in _CLAUSE_START


def english_weapon_words_blanked(text: str) -> str:
    """The text with the English words for weapons blanked out: in an English message the French
    rule would read "mine" ("a friend of mine") as its own word for the weapon, and knows no
    English question about them in general; the English rule (`names_explosive`) reads them."""
    return WORD.sub(lambda m: " " if m.group(0).lower() in _ENGLISH_WORDS_OF_WEAPONS else m.group(0), text)


# "A strange object": how people who do not know what they found describe it, in each language.
# A first name, a French word or a city ("Mina", "munition", "Granada") aside, a weapon's word of
# another language ("qumbara", "снаряд", "granatami") is no French message's: where the
# language was not told ("Diti prynesly dodomu vybukhivku"), it still names the danger.
_FRENCH_TOO = re.compile(r"\b(?:mina|munition|granada|granadas)\b")


def names_foreign_explosive(text: str) -> bool:
    """Whether a message read as French for want of any word of another language we know, and
    with no French word either, names an explosive object as another language would (a French
    message that quotes such a word is the French rule's, and its ranker's, to read)."""
    return why_foreign_explosive(text) is not None


def why_foreign_explosive(text: str) -> str | None:
    """What names the danger in such a message (`names_foreign_explosive`), or None."""
    text = text.lower()
    # Two French words at least: "ne" alone is Azerbaijani's and Turkish's "what" too.
    if len({w for w in WORD.findall(text) if w in FRENCH_WORDS}) >= 2:
        return None
    # English words are French ones too ("grenade", "mines", "missile"): the French rule reads them.
    return why_explosive(english_weapon_words_blanked(_FRENCH_TOO.sub(" ", text)))


def for_the_french_rule(text: str, language: str | None) -> str | None:
    """What the French safety rule may read of a message in another language, or None where
    the rule of that language alone decides. The French rule reads "mine" in "a friend of mine",
    "masz minę" or "Mine für meinen Kugelschreiber" as the weapon, and knows no question about
    mines in general in Azerbaijani or Lithuanian. A message read as French (`language` None)
    may still be one whose language was not told ("kysla mina na oblychchi"): the other
    languages' everyday senses are set aside from it too, and nothing else."""
    if language == "en":
        return english_weapon_words_blanked(text)
    lowered = text.lower()
    if language is not None and _general_question(lowered):
        return None
    everyday = _everyday(lowered)
    return text if everyday == lowered else everyday


def _everyday(text: str) -> str:
    """The text without the weapons' words in their everyday senses (`_FOREIGN_NOT_DANGERS`),
    unless an object is said to be there."""
    if any(cue.search(text) for cue in (_CYRILLIC_THERE, _LATIN_THERE, _ENGLISH_THERE)):
        return text
    return _FOREIGN_NOT_DANGERS.sub(" ", text)


_ODD_OBJECT = re.compile(
    r"\b(?:suspicious|strange|weird|unknown|metal) (?:object|thing|device)"
    r"|\b(?:ball|tube|object|thing|cylinder|canister|box|device) with (?:fins|a ring|a pin|a lever)\b"
    r"|\bstepped on (?:something|a thing)|\b(?:it|something) (?:exploded|blew up)"
    r"|\b(?:it )?(?:didn't|did not|has not|hasn't) (?:go off|explode)"
    # a tube or a thing "with fins" (not a bag "с крылышками"), in Ukrainian, Russian, Belarusian
    r"|(?:труб|трубк|предмет|штук|штуковин|цилиндр|циліндр|болванк|річ|вещ|рэч)\w* (?:\w+ )?"
    r"(?:з|с|із|со) (?:крильц|крилц|крылышк|крыльц|стабілізатор|стабилизатор)"
    r"|наступи\w* на (?:щось|что-то|что то|нешта)"
    r"|(?:натянут|натягнут|нацягнут)\w* (?:дріт|провол|провод|дрот)"
    r"|(?:qəribə|şübhəli) dəmir|(?:nazik|gərilmiş|gerilmis|dartılmış|dartilmis|tarım) (?:məftil|meftil)"
    r"|(?:bir şeyə|bir seye|nəyəsə|neyese) bas|pas(?:lı|li) (?:bir )?(?:şey|sey|dəmir|demir)|ucu sivri"
    r"|(?:qanadlı|qanadli) (?:bir )?(?:boru|dəmir|demir|şey|sey)"
    r"|(?:bir şey|bir sey)[^.!?]{0,40}partlamay"
    r"|(?:железяк|жалязяк|залізяк|штук|предмет|річ|вещ|циліндр|цилиндр|труб|коробк|ящик)\w* (?:\w+ )?"
    r"(?:с|з|со) (?:провод|правад|дрот)"
    # something (metal, green...) with fins or "whiskers", a round iron thing, a wire in the grass,
    # a tractor that drove over something
    r"|(?:щось|что-то|что то|нешта|шось|штось|железк|залізк|жалезк)\w*(?: \w+){0,2} (?:з|с|із|со)"
    r" (?:крильц|крилц|крылышк|крыльц|стабіліз|стабилиз|усик|вусик)"
    r"|(?:кругл)\w*(?: \w+){0,3} (?:залізн|железн|металев|металлическ|жалезн)"
    r"|(?:дріт|провод|провол|дрот)\w* (?:у|в) (?:трав|кущ|куст)"
    r"|(?:наїхав|наехал|наехав|наїхала|наехала|заехал|зачепив|зацепил) (?:\w+ )?на"
    r" (?:щось|что-то|что то|нешта|шось)"
    r"|(?:nastupil|naekhal|naikhav|nastupyv) na (?:chto|shchos|shchos')"
    r"|\b(?:tail fins?|trip ?wires?|rocket nose|nose cone|fins? sticking out)"
    r"|(?:məftil|meftil|meftel|məftəl)\w* (?:çəkilib|cekilib|dartılıb|dartilib)"
    r"|kaset\w* bomba"
    r"|оперени|оперенн|хвостовик"
    r"|(?:как|схож\w* на|похож\w* на|ніби|наче|як) (?:\w+ )?(?:бабочк|метелик|лепест|пелюст)"
    r"|(?:предмет|штук|кул|шар)\w* (?:\w+ )?(?:з|с) (?:ріжк|рожк|рог)"
    r"|(?:железн|металлическ|залізн|металев|жалезн|металіч)\w* (?:штук|штуковин|предмет|вещ|річ|рэч"
    r"|болванк|блин|цилиндр|циліндр)"
    r"|(?:упал|упав|впав|упаў)\w* (?:\w+ )?(?:беспилотник|безпілотник|беспілотнік)"
    r"|подозрительн\w* предмет|странн\w* предмет|підозріл\w* предмет|дивн\w* предмет"
    r"|падазрон\w* прадмет|дзіўн\w* прадмет|(?:şübhəli|qəribə|metal) əşya"
    # A thing with the parts of a munition: fins, a tail, feathers, whiskers, a ring, a cap, a
    # thread, wires ("бутылка с крылышками", "яйце з кільцем", "штучка ... с колпачком").
    r"|(?:штук|штучк|железк|железяк|залізк|залізяк|жалезк|болванк|хрен|херн|фигн|хрень|предмет|труб"
    r"|бутылк|бутыл|пляшк|банк|термос|цилиндр|циліндр|яйц|ручк|что-то|что то|щось|шось|нешта)"
    r"[^.!?\n]{0,40}\b(?:с|з|со|із) (?:крылышк|крыльц|крильц|стабил|стабіл|хвост|перь|пір|оперен|усик"
    r"|вусик|колечк|кільц|кольц|колпачк|ковпачк|пимпочк|резьб|різьб|дротик|проводк|провод|дрот)"
    # something beeping; a thing that went off and hurt
    r"|(?:что-то|что то|щось|шось|нешта|штук|shtuk|chto-to|shchos)[^.!?\n]{0,30}(?:пищ|пікає|пікал"
    r"|тикает|цокає|pyshch|pishch)"
    r"|(?:хлопнул|бахнул|бахнуло|рвануло|рванула|гахнуло|бабахнул)\w*[^.!?\n]{0,60}(?:ран|кров|оглух"
    r"|пальц|руку|ногу|лікар|больниц)"
    # Azerbaijani, Turkish, Polish, Lithuanian, English descriptions
    r"|(?:qəribə|qeribe|şübhəli|subheli) (?:bir )?(?:şey|sey|əşya|esya)|(?:məftil|meftil)\w* (?:çıxır|cixir)"
    r"|(?:dəmir|demir)[^.!?\n]{0,40}qanad|(?:dəmir|demir) (?:dairəvi|dairevi|uzunsov|yumru)"
    r"|z lotkami|ze statecznik|su sparnel|\b(?:pointy|pointed) (?:cap|nose|tip)|\bfuzes?\b"
    r"|(?:ран|рану|раной)[^.!?\n]{0,60}(?:хлопнул|бахнул|рванул)"
    r"|(?:зачепив|зачепила|зацепил|зацепила) (?:\w+ )?(?:щось|что-то|что то|шось)"
    r"|(?:из земли|із землі|з землі|из-под земли) (?:торчит|стирчить|торчало|торчала)"
    r"|(?:торчит|стирчить|торчало|торчала) (?:из земли|із землі|з землі)"
    # a blast that hurt: "it went off in his hand"
    r"|(?:подорвал|підірвав|падарваў)\w* на (?:чем-то|чомусь|нечым)"
)


def names_explosive(text: str) -> bool:
    """Whether a message in another language names an explosive object."""
    return why_explosive(text) is not None


def why_explosive(text: str) -> str | None:
    """What in a message in another language names an explosive object (`ask --explain`), or
    None where nothing does."""
    # Every pattern here is written in lower case and compiled without IGNORECASE, which made
    # them four times slower on long messages.
    text = text.lower()
    if odd := _ODD_OBJECT.search(text):
        return f"an object described: {odd.group(0)!r}"
    everyday = _everyday(_ENGLISH_NOT_DANGERS.sub(" ", text))
    words = WORD.findall(everyday)
    named = next((w for w in words if w in _EXPLOSIVE_WORDS or w.startswith(_EXPLOSIVE_STARTS)), None)
    if named is None and (minutes := _MINES_NOT_MINUTES.search(everyday)) is not None:
        named = minutes.group(0)
    if named is not None:
        return None if _general_question(text) else f"a weapon's word: {named!r}"
    cyrillic = next(
        (w for w in words if w in _CYRILLIC_IF_PRESENT or w.startswith(_CYRILLIC_IF_PRESENT_STARTS)), None
    )
    if cyrillic and _there(text, _CYRILLIC_THERE, _CYRILLIC_NEAR, _CYRILLIC_STRIKES):
        return f"{cyrillic!r}, said to be there"
    # (English "drone" and "bomb" are read with the English words below.)
    latin = next(
        (w for w in words if w.startswith(_LATIN_IF_PRESENT_STARTS) and w not in _ENGLISH_IF_PRESENT), None
    )
    if latin and _there(text, _LATIN_THERE, _LATIN_NEAR, _LATIN_STRIKES):
        return f"{latin!r}, said to be there"
    present = _there(_ENGLISH_TO_FIND.sub(" ", everyday), _ENGLISH_THERE, _ENGLISH_NEAR, _ENGLISH_STRIKES)
    kind = _ENGLISH_WEAPON_KIND.search(everyday)
    english = kind.group(0) if kind else next((w for w in words if w in _ENGLISH_EXPLOSIVE), None)
    if english and (present or not _ENGLISH_GENERAL.search(text)):
        return f"a weapon's word: {english!r}"
    spoken = [w for w in _WORD_OR_APOSTROPHE.findall(everyday)]
    everyday_word = next(
        (
            w
            for at, w in enumerate(spoken)
            if w in _ENGLISH_IF_PRESENT and not (w == "mine" and _is_pronoun(spoken, at))
        ),
        None,
    )
    return f"{everyday_word!r}, said to be there" if everyday_word and present else None
