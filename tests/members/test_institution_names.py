"""The institution name key (members.names): pure functions, no database."""

import pytest
from django.core.exceptions import ValidationError

from members.names import (
    NAME_KEY_LENGTH,
    institution_name_clean,
    institution_name_key,
    institution_name_validate,
)

SAME = [
    ("Oxford School District", "Oxford\u200bSchool District"),  # zero-width space
    ("Oxford School District", "\uff2f\uff38\uff26\uff2f\uff32\uff24 School District"),  # wide
    ("Ñandú École Publique X", "ÑANDÚ ÉCOLE publique X"),
    ("Ñandú École Publique X", "N\u0303andu\u0301 E\u0301cole Publique X"),  # decomposed accents
    ("Ecole Publique", "École Publique"),
    ("Texas A&M University", "Texas A and M University"),
    ("Texas A&M University", "TEXAS A\uff06M UNIVERSITY"),  # full-width ampersand
    ("St. Mary's Academy", "St Mary\u2019s Academy"),
    ("St. Mary's Academy", "St Marys Academy"),
    ("St. Mary's Academy", "St. Mary\u02bcs Academy"),  # modifier-letter apostrophe
    ("Winston-Salem/Forsyth County Schools", "Winston Salem Forsyth County Schools"),
    ("Winston-Salem Schools", "Winston\u2011Salem Schools"),  # non-breaking hyphen
    ("Oxford School District", "Oxford\u00a0School\u3000District"),  # no-break, ideographic space
    ("Oxford School District", "\ufeffOxford School District\u200e"),  # BOM, left-to-right mark
    ("Oxford School District", "Ox\u00adford School Dis\u200dtrict"),  # soft hyphen, joiner
    ("Oxford School District", "\u202bOxford School District\u202c"),  # bidi embedding
    ("Oxford School District", "Ox\u3164ford School District"),  # Hangul filler
    ("Oxford School District", "\u041exford School District"),  # Cyrillic capital O
    ("Boston Public Schools", "\u0412\u041e\u0405\u0422\u041e\u039d Public Schools"),  # look-alikes
    ("Oxford School District", "OXFORD   school  district  "),
    ("Oxford School District", "OxfordSchool District"),
    ("Straße Academy", "STRASSE ACADEMY"),
    ("Official Schools", "O\ufb03cial Schools"),  # the "ffi" ligature
    ("U.S. Grant High School", "US Grant High School"),
]

DIFFERENT = [
    ("Oxford School District", "Oxford High School"),
    ("St. Mary's Academy", "St. Mark's Academy"),
    ("Texas A&M University", "Texas State University"),
    ("District 1", "District 11"),
    ("Lafayette County Schools", "Lafayette Parish Schools"),
    ("Ñandú Academy", "Nando Academy"),
    ("Public School 12", "Public School 21"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_spellings_of_one_institution_share_a_key(one, other):
    assert institution_name_key(one) == institution_name_key(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_institutions_keep_different_keys(one, other):
    assert institution_name_key(one) != institution_name_key(other)


def test_the_key_keeps_letters_and_digits_only_in_one_case():
    assert institution_name_key("Texas A&M University") == "texasaandmuniversity"
    assert institution_name_key("P.S. 12 — Bronx") == "ps12bronx"


@pytest.mark.parametrize("name", ["Ñandú École", "Oxford\u200bSchool", "\uff2f\uff38 1",
                                  "St. Mary's", "Texas A&M"])
def test_the_key_of_a_cleaned_name_is_the_key_of_the_name(name):
    assert institution_name_key(institution_name_clean(name)) == institution_name_key(name)
    assert institution_name_key(institution_name_key(name)) == institution_name_key(name)


def test_cleaning_drops_invisible_characters_and_extra_spaces_but_keeps_what_was_typed():
    assert institution_name_clean(" Oxford\u200b School \ufeff  District\u00a0") == (
        "Oxford School District")
    assert institution_name_clean("\uff2f\uff38\uff26\uff2f\uff32\uff24 School") == "OXFORD School"
    assert institution_name_clean("Ñandú École St. Mary's A&M") == "Ñandú École St. Mary's A&M"


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200d\ufeff", "...", "- / -", "\u3164"])
def test_a_name_without_letters_or_digits_has_no_key_and_is_refused(name):
    assert institution_name_key(name) == ""
    with pytest.raises(ValidationError) as error:
        institution_name_validate(name)
    assert error.value.messages == ["Enter the institution's name in letters or digits."]


def test_validate_returns_the_cleaned_name():
    assert institution_name_validate("  Oxford\u200bSchool  District ") == "OxfordSchool District"


def test_the_key_fits_its_column_even_when_characters_expand():
    name = "\ufdfa" * 200  # one character that NFKC spells with 18
    assert len(institution_name_key(name)) == NAME_KEY_LENGTH
