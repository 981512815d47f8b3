"""How institution names are cleaned and compared: one key, computed here, in Python, only.

The database never folds case or characters itself (SQLite's ``LOWER()`` folds only A-Z, so a
key computed there disagrees with Python's for "ÑANDÚ"); the key is stored in
``Institution.name_key`` by the code that creates or renames an institution, and every lookup
compares against ``institution_name_key()`` of what the applicant typed.

The key of a name, step by step:

1. Unicode NFKC: full-width "\\uff2f\\uff38..." reads "OX...", ligatures and compatibility forms
   become plain letters.
2. Invisible characters are dropped: every format character (category Cf: zero-width space and
   joiner, byte-order mark, soft hyphen, bidi marks and embeddings) and the other default-
   ignorable code points (Hangul fillers, combining grapheme joiner, variation selectors).
3. Case is folded with ``str.casefold`` ("ß" reads "ss").
4. Accents are folded: the name is decomposed and its combining marks (category Mn) dropped, so
   "École" and "Ecole", "Ñandú" and "Nandu" are one name.
5. Cyrillic and Greek letters that imitate Latin ones read as the Latin letter ("Oxford" with a
   Cyrillic "O", U+041E, is "Oxford"), so a look-alike spelling is not a new institution.
6. "&" reads "and": "Texas A&M" and "Texas A and M" are one name.
7. Only letters and digits remain: spaces, punctuation and symbols are dropped (and the
   apostrophes Unicode files as letters), so apostrophe variants ("St. Mary's", "St Mary\\u2019s",
   "St Marys"), full stops ("U.S."), commas, hyphens and slashes ("Winston-Salem", "Winston
   Salem") and spacing ("OxfordSchool District") all compare alike. Spaces go too, not only
   collapse: a dropped zero-width space joins two words ("Oxford\\u200bSchool District"), and a
   missing space is the commonest typo.
8. The result is cut to ``NAME_KEY_LENGTH`` characters (only names made of characters that
   expand under NFKC come near it).

A name whose key is empty (only punctuation, or only invisible characters) names nothing and is
refused.

Changing these rules changes stored keys: add a migration that recomputes ``name_key`` for every
institution (as ``members/migrations/0004_institution_name_key_nfkc.py`` does).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

NAME_KEY_LENGTH = 255

# Default-ignorable code points that are not format characters (Cf): Hangul fillers, the
# combining grapheme joiner, Khmer inherent vowels, Mongolian variation selectors and the
# variation selectors. (The marks among them would go in step 4 anyway; listed for clarity.)
_IGNORABLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"
    + "".join(map(chr, range(0x180B, 0x1810)))
    + "".join(map(chr, range(0xFE00, 0xFE10)))
)
_WHITESPACE = re.compile(r"\s+")
# Apostrophes that Unicode files as modifier letters (category Lm), dropped like the others:
# the modifier-letter apostrophe, prime, turned comma (Hawaiian okina) and half rings.
_APOSTROPHE_LETTERS = frozenset("\u02b9\u02ba\u02bb\u02bc\u02bd\u02be\u02bf\u02c8")
# Case-folded Cyrillic and Greek letters whose lower or upper case looks like a Latin letter,
# written as escapes (the letters themselves would be indistinguishable here).
_LOOK_ALIKES = str.maketrans(
    # Cyrillic a be ie shha en i je ka palochka em o er qa dze te u we ha es komi-de
    "\u0430\u0432\u0435\u04bb\u043d\u0456\u0458\u043a\u04cf\u043c\u043e\u0440\u051b\u0455\u0442"
    "\u0443\u051d\u0445\u0441\u0501"
    # Greek alpha beta epsilon eta iota kappa mu nu omicron rho tau chi zeta
    "\u03b1\u03b2\u03b5\u03b7\u03b9\u03ba\u03bc\u03bd\u03bf\u03c1\u03c4\u03c7\u03b6",
    "abehhijklmopqstywxcd"
    "abehikmnoptxz",
)


def _visible(text: str) -> str:
    return "".join(c for c in text if c not in _IGNORABLE and unicodedata.category(c) != "Cf")


def institution_name_clean(name: str) -> str:
    """The name as it is stored and shown: NFKC, invisible characters dropped, one space between
    words. Letters, accents and punctuation stay as typed."""
    return _WHITESPACE.sub(" ", _visible(unicodedata.normalize("NFKC", name))).strip()


def institution_name_key(name: str) -> str:
    """The key two names of the same institution share (see the module's docstring)."""
    text = _visible(unicodedata.normalize("NFKC", name)).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if unicodedata.category(c) != "Mn")
    text = unicodedata.normalize("NFKC", text).translate(_LOOK_ALIKES).replace("&", "and")
    key = "".join(c for c in text if c not in _APOSTROPHE_LETTERS
                  and (unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Mc"))
    return key[:NAME_KEY_LENGTH]


def institution_name_validate(name: str) -> str:
    """The cleaned name, or a ValidationError when it has no letter or digit to go by."""
    if not institution_name_key(name):
        raise ValidationError("Enter the institution's name in letters or digits.",
                              code="name_without_letters")
    return institution_name_clean(name)



# Lower-case words that begin a family name: "Juan Carlos de la Cruz", "Ludwig van Beethoven".
FAMILY_NAME_PARTICLES = {"al", "bin", "da", "de", "del", "della", "der", "des", "di", "dos",
                         "du", "el", "la", "le", "st", "ten", "ter", "van", "von"}


def person_name_split(full_name: str) -> tuple[str, str]:
    """A contact's one-line name as (given name, family name), for the accounts that an
    application or invitation names. The family name is the last word, or starts at a lower-case
    particle: "Zoë O'Brien-Smith" -> ("Zoë", "O'Brien-Smith"), "Mary Ann Smith" -> ("Mary Ann",
    "Smith"), "Juan Carlos de la Cruz" -> ("Juan Carlos", "de la Cruz"). One word is a given
    name alone; the person completes it on the "Tell us your name" page."""
    words = full_name.split()
    if len(words) < 2:
        return (words[0][:150] if words else ""), ""
    start = len(words) - 1
    for index in range(1, len(words) - 1):
        if words[index] in FAMILY_NAME_PARTICLES:
            start = index
            break
    return " ".join(words[:start])[:150], " ".join(words[start:])[:150]
