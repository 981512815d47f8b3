"""`make run`'s demo staff account shows the second factor; production never learns its secret."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from devdata.management.commands.seed_demo import STAFF_EMAIL, STAFF_TOTP_SECRET
from members.models import User
from tests.factories import totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def demo_app():
    return TOTP(Authenticator.objects.get(user=User.objects.get(email=STAFF_EMAIL),
                                          type=Authenticator.Type.TOTP))


def test_under_debug_the_demo_staff_app_secret_is_printed_and_works(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert STAFF_TOTP_SECRET in capsys.readouterr().out
    assert demo_app().validate_code(totp_code(STAFF_TOTP_SECRET))
    call_command("seed_demo")  # again: still one app
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 1


def test_without_debug_the_secret_is_neither_printed_nor_the_demo_one(settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo")
    assert STAFF_TOTP_SECRET not in capsys.readouterr().out
    assert not demo_app().validate_code(totp_code(STAFF_TOTP_SECRET))
