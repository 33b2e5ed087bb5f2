"""Which language a message is written in, when it is not French.

The bot answers in French. Someone who writes in English, Russian, Belarusian, Ukrainian or
Azerbaijani gets a short notice in their language (the knowledge base's `notice` entries) rather
than a French "je n'ai pas compris". Pure and cheap: letters first (a script or a letter only one
language uses), then common function words for English; anything unsure is French, so a French
message naming a town in Cyrillic or an English organisation ("ICRC Belarus") stays French.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

OTHER = "other"  # a language the bot has no notice for: it gets the English one
_READ = 1000  # the first characters tell the language; a long message is not read to the end

_WORD = re.compile(r"[^\W\d_]+")


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Letters only one of the Cyrillic languages uses.
_UKRAINIAN_ONLY = frozenset("їєґЇЄҐ")
_BELARUSIAN_ONLY = frozenset("ўЎ")
_NOT_UKRAINIAN = frozenset("ыэёъЫЭЁЪ")  # Russian or Belarusian letters Ukrainian lacks
_UKRAINIAN_OR_BELARUSIAN = frozenset("іІ")
_AZERBAIJANI_ONLY = frozenset("əƏ")
_TURKIC = frozenset("ğışĞİŞ")
_TURKIC_LETTERS = _AZERBAIJANI_ONLY | _TURKIC

# Common English words that French does not share (so not "a", "on", "me", "pour"...).
_ENGLISH = _words("""
    the is are was were be been my your our their his her its i you we they he she it this that
    these those what where when who why how which can could would should will do does did don't
    doesn't have has had not no yes please help find looking missing lost with from about
    and or of to for in at by after since there here need want know any anyone someone speak
    english hello hi thanks thank office number phone address red cross family brother
    sister mother father daughter husband wife still news found near home
    tell give get got now today tomorrow yesterday really very much many some every
    buy cheap free sell money send joke funny weather
    than then them us him am an if so but also too only just good best bad new old
    who's what's it's i'm i've you're we're can't won't isn't aren't
""")
_FRENCH = _words("""
    le la les un une des du de est sont je tu il elle nous vous ils elles mon ma mes ton ta tes
    son sa ses notre votre leur et ou où qui que quoi comment pourquoi quand avec sans pour dans
    sur chez pas ne plus mais aussi bonjour merci svp stp cherche aide aider peux pouvez faire
    fils fille mari femme frère soeur mère père famille disparu nouvelles croix rouge numéro
    adresse contacter bjr slt jai c koi jsuis cest
""")
_AZERBAIJANI = _words("""
    və mən sən bu üçün necə harada haradadır kömək qırmızı aypara xaç salam zəhmət edin olar
    mənim atam anam qardaşım bacım oğlum qızım itkin var yox nə
""")
# Turkish shares "ğ", "ı" and "ş" with Azerbaijani, not "ə": where those letters come without it,
# Turkish's own common words (each spelt otherwise in Azerbaijani: "kardeş" and "qardaş", "nasıl"
# and "necə") tell it apart. Like the other languages of the countries people went to, it gets the
# English notice, not the Azerbaijani one.
_TURKISH = _words("""
    merhaba kardeş kardeşim kardeşimi kardesim kardesimi kayıp kayip kayboldu kaybolan nerede
    nasıl nasil için icin annem kızımı kizimi yok değil degil teşekkürler tesekkurler teşekkür
    lütfen lutfen arıyorum ariyorum yapmalıyım yapmaliyim numarası numarasi haber kızılay kizilay
    kızılhaç kizilhac şarkı sarki gibi olmuş olmus herkes dinlesin
""")


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def _script(letter: str) -> str:
    code = ord(letter)
    if code < 0x250 or 0x1E00 <= code < 0x1F00:
        return "LATIN"
    if 0x400 <= code < 0x530:
        return "CYRILLIC"
    return unicodedata.name(letter, "?").split(" ", 1)[0]  # ARMENIAN, GEORGIAN, ARABIC...


def detect(text: str) -> str | None:
    """ "en", "ru", "be", "uk", "az", OTHER, or None for French (and anything unsure)."""
    text = text[:_READ]
    letters = _letters(text)
    if not letters:
        return None
    scripts: dict[str, int] = {}
    for letter in letters:
        script = _script(letter)
        scripts[script] = scripts.get(script, 0) + 1
    main, count = max(scripts.items(), key=lambda item: item[1])
    if count < len(letters) * 0.6:
        return None  # mixed: French with a name in another script, most often
    words = [w.lower() for w in _WORD.findall(text)]
    if main == "CYRILLIC":
        return _cyrillic(set(letters), words)
    if main != "LATIN":
        return OTHER
    present = set(letters)
    french = sum(w in _FRENCH for w in words)
    turkish = sum(w in _TURKISH for w in words)
    # Without "ə", Azerbaijani's words must outnumber Turkish's ("bu" and "var" are both).
    turkic_words = bool(present & _TURKIC) and sum(w in _AZERBAIJANI for w in words) > turkish
    azerbaijani = present & _AZERBAIJANI_ONLY or turkic_words
    # A French sentence naming a town or a person as Azerbaijani spells them ("près de Tərtər",
    # "Elşən Məmmədov") is French: the letter alone does not outweigh its words.
    if azerbaijani and not (french >= 2 and french > _azerbaijani_words(words)):
        return "az"
    english = sum(w in _ENGLISH for w in words)
    if english >= 2 and english > 2 * french:
        return "en"
    # Other languages in Latin letters: Russian, Ukrainian, Belarusian or Azerbaijani typed on a
    # phone without their keyboard, and the languages of the countries people fled to. Each by
    # common words French does not share, as English above.
    counts = Counter(language for w in words for language in _LATIN_LANGUAGES.get(w, ()))
    # Azerbaijani typed without its letters still writes "q" before other letters than "u"
    # ("qumbara", "qorxuram", "usaq"), which French, English and Turkish hardly do.
    q_words = sum(1 for w in words if _AZERBAIJANI_Q.search(w) and w not in _LATIN_LANGUAGES)
    if counts["az"]:  # beside a word of theirs: a keyboard's "azdkjqsd mlkq" is no language
        counts["az"] += q_words
    language = max(_LATIN_WORDS, key=counts.__getitem__)  # on a tie, the first listed
    # With letters French never writes ("ş", "ğ", "ı"), or its "q" before another letter than "u",
    # the words need only outnumber French's, whose "de" and "ne" Turkish and Azerbaijani write too
    # ("Bakü'de", "ne yapmalıyım", "ne oldugunu bilmirem").
    weight = 1 if present & _TURKIC or (language == "az" and q_words) else 2
    if counts[language] >= 2 and counts[language] > weight * french:
        return language
    return None


def _azerbaijani_words(words: list[str]) -> int:
    """The words French would not write: Azerbaijani's common words, and any with a letter of
    the Turkic alphabets ("ə", "ı", "ğ", "ş"), as most of an Azerbaijani sentence's words have."""
    return sum(w in _AZERBAIJANI_KNOWN or not _TURKIC_LETTERS.isdisjoint(w) for w in words)


# Common words of the languages written in Latin letters that are not English, none of them a
# French word or an English one (so not "de", "la", "a", "es", "mi", "son", "on") nor a first
# name ("Jon", "Jana", "Mia"): romanised as people type it ("zdravstvuite", "dziakuj",
# "axtariram"), accents or not.
_LATIN_WORDS = {
    "ru": _words("""
        zdravstvuyte zdravstvuite zdravstvujte privet pozhaluysta pozhalujsta pojaluysta spasibo
        ishchu ishu ischu otca muzha dochku propal propala nashli nashel nashla chto shto gde kak
        eto menya vo dvore ogorode ogorod lezhit delat pomogite skazhite mozhno nuzhno ochen tolko
        eshche uzhe sejchas seychas izvinite vecher utro netu ili kogda pochemu segodnya vchera
        zavtra krasnogo kresta krest delaet vy mne nado znat rabotaete govorite nuzhna
        nuzhen pomoshch svyazatsya vami vashim teper kuda pisat ponimayu
        vsyu vsyo noch nochyu nochju opyat opjat snova leteli letyat spat nevozmozhno strashno
        videli novosti bombili menja tjotja bespilotnik
        bespilotniki obstrel obstrely vzorvalsya vzorvalas upal upala dvore
    """),
    "uk": _words("""
        shukayu shukaiu dyakuyu diakuiu bud laska dopomozhit dopomozit znyk znykla znajshly
        znaishly shcho scho hochu khochu vzhe tilky dobryj dobroho dobrogo vechir sohodni
        chy khto shukaty znyklykh otrymaty dopomogu dopomoha dlia pobachennya chervonym khrestom
        pratsiuie potribna robyt mii vin poloni zvyazatysya
        znovu obstril obstrily khata tsila zhyvi vchora nich vnochi strashno znaishov znayshov
        diti dity prynesly prynis dodomu bilya podviri horodi dytyna
    """),
    "be": _words("""
        dziakuj dziakuju dzyakuj dakuju shukaju šukaju dapamazhyce dapamažycie dapamohu dzie dze
        laska vitaju dzien dzień palonie možna mozhna kryza kryž chyrvony
    """),
    # Not `_AZERBAIJANI` (its "bu", "var", "nə" are French words or near them, fine beside
    # Azerbaijani letters, not alone).
    "az": _words("""
        salam axtariram axtarıram qardasimi qardaşımı atam anam oglum qizim itkin komek kömək
        lazimdir lazımdır xeber xəbər yoxdu yoxdur nomreniz nömrəniz bakida bakıda kimsiniz
        olun sag sağ cox çox usaq usaqlar uşaqlar indi hele hələ tapdim tapdiq tapib gorduk
        gordum qorxuram bilmir bilmirem edim edek etmeli zehmet kend kendimizin rayonu evde
        evimizin yaninda kenarinda sahede sahesinde tarlada heyetde hardadir haqqinda ucun
        qardasim isleyir maasi deyil kimi olub mahni mahnini yeni dinledin tapmisam tapsam
        etmeliyem isteyirem isteyirik bilmirik yaziram toxunmadim partlamayib qorxu gece eger
    """),
    OTHER: _words("""
        guten tag hallo ich suche meinen meine meiner bruder schwester mutter vater sohn tochter
        bitte danke wie kann können konnen sie wir ist sind nicht und mit für fur das der die
        dem haben seit keine gibt wo was helfen hilfe rote kreuz vermisst geehrte damen herren
        dzień dzien dobry dobrý szukam mojego mojej syna brata ojca matki czy może moze mogę moge
        że kiedy taką taki bardzo dziś dzisiaj wczoraj córka mój moja nasz nasza gdzie jestem mamy
        jest nie się sie dziękuję dziekuje pomóc pomoc proszę prosze zaginął zaginal zaginęła
        czerwony czerwonego krzyża krzyza hledám hledam svého sveho bratra prosím prosim
        hola buenas buenos tardes días dias busco necesito ayuda ayudarme puede pueden gracias
        una el los las del encontramos encontré encontre hemos tenemos muy nuestro nuestra
        hermano hermana madre padre hijo hija desaparecido desaparecida cruz roja estoy está
        dónde donde cómo cuánto cuanto por favor tengo hay alguien hable quedan
        merhaba arıyorum ariyorum yardım yardim edebilir misiniz mısınız kaybolan bir akrabamı
        amcamı teşekkürler tesekkurler lütfen lutfen nasıl nasil kızılhaç kizilhac
        buongiorno ciao cerco fratello sorella aiuto grazie croce rossa sono
        olá obrigado obrigada procuro meu minha irmão irmao ajuda
        barev dzez
    """)
    | _TURKISH,
}

# Each word, the languages it tells: a message's words are looked up once, not once a language.
_LATIN_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _language, _known in _LATIN_WORDS.items():
    for _word in _known:
        _LATIN_LANGUAGES[_word] = (*_LATIN_LANGUAGES.get(_word, ()), _language)

# Azerbaijani's words either list knows (`_azerbaijani_words`), joined once.
_AZERBAIJANI_KNOWN = _AZERBAIJANI | _LATIN_WORDS["az"]
_AZERBAIJANI_Q = re.compile(r"q(?!u)")

# Without a telling letter, a few common words tell Ukrainian from Russian.
_UKRAINIAN_WORDS = _words("""
    з та і й шукаю сина мій моя моє мого моєї будь ласка дякую де що чи як вже зник зникла знайти батька
    мати чоловіка доньку дружину допоможіть добрий доброго вечір привіт хочу дізнатися
    тривога тривоги летять чути знову вчора сьогодні зараз немає
""")
_RUSSIAN_WORDS = _words("""
    с и ищу сына мой моя моё моего моей пожалуйста спасибо где что как уже пропал пропала найти отца
    мать мужа дочь жену помогите добрый здравствуйте привет хочу узнать врач бабушка бабушке
    сейчас тоже очень можно нужно было будет если когда потому только ещё еще здесь сегодня вчера
    ночью утром говорят
""")


_BELARUSIAN_WORDS = _words("""
    калі ласка дзякуй дзень добры дзе што ці мой мая маё брат сястра дапамажыце каля шукаю
    знік знікла вельмі пра гэта як
""")


# The Belarusian words above that Russian spells the same do not tell the two apart.
_BELARUSIAN_NOT_RUSSIAN = _BELARUSIAN_WORDS - {"мой", "брат", "добры", "што"}


def _cyrillic(letters: set[str], words: list[str]) -> str:
    if letters & _BELARUSIAN_ONLY:
        return "be"
    if letters & _UKRAINIAN_ONLY:
        return "uk"
    if letters & _UKRAINIAN_OR_BELARUSIAN:
        if letters & _NOT_UKRAINIAN:
            return "be"
        belarusian = sum(w in _BELARUSIAN_WORDS for w in words)
        return "be" if belarusian > sum(w in _UKRAINIAN_WORDS for w in words) else "uk"
    russian = sum(w in _RUSSIAN_WORDS for w in words)
    if letters & _NOT_UKRAINIAN:
        # "ы", "э", "ё", "ъ" without "і": Russian, or Belarusian written without "і" ("дзякуй,
        # добрай ночы"). Belarusian says what Russian spells "ть" and "д" before a soft vowel
        # with "ць" and "дз" ("пагаварыць", "дзе", "дзень"), which Russian words hardly have.
        belarusian = sum(w in _BELARUSIAN_NOT_RUSSIAN or w.endswith("ць") or "дз" in w for w in words)
        return "be" if belarusian > russian else "ru"
    ukrainian = sum(w in _UKRAINIAN_WORDS for w in words)
    return "uk" if ukrainian > russian else "ru"


# Shared with `bot.core.foreign_dangers`, which reads the dangers such messages name.
WORD = _WORD
FRENCH_WORDS = _FRENCH
words_of = _words
