import pytest
from django.urls import reverse

from core.links import url_maker


@pytest.mark.parametrize("pk", [1, 42, 987654321, 10**12])
def test_url_maker_gives_what_reverse_gives(pk):
    assert url_maker("renewals:offer")(pk) == reverse("renewals:offer", args=[pk])


def test_url_maker_refuses_a_url_without_one_integer_argument():
    with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch or ValueError, both refuse
        url_maker("members:dashboard")


def test_url_maker_takes_only_integers():
    with pytest.raises(ValueError):
        url_maker("renewals:offer")("1/../../admin")


def test_url_maker_keeps_the_leading_arguments_given():
    make = url_maker("members:member_role", 7)
    assert make(42) == reverse("members:member_role", args=[7, 42])
