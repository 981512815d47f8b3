"""core.admin.ServiceAdmin: an admin form saves through a service, shows the service's errors
next to their fields, and refuses to save at all when no service is named."""

import pytest
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.admin import ServiceAdmin
from members.models import Institution
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = {"name": "Oxford School District", "kind": "lea", "city": "Oxford", "state": "MS",
        "website": "", "nces_id": ""}


def _form(admin_class, data):
    request = RequestFactory().post("/", data)
    request.user = UserFactory(staff=True)
    model_admin = admin_class(Institution, AdminSite())
    return model_admin.get_form(request, None, change=False, fields=list(DATA))(data)


def test_an_admin_without_a_service_cannot_save():
    class Forgetful(ServiceAdmin):
        pass

    with pytest.raises(NotImplementedError, match="must define service_save"):
        _form(Forgetful, DATA).is_valid()
    assert not Institution.objects.exists()


def test_the_services_errors_go_next_to_their_fields_and_nothing_is_saved():
    class Refusing(ServiceAdmin):
        def service_save(self, request, obj, form, change):
            raise ValidationError({"city": ["Not a city we know."], "other": ["General."]})

    form = _form(Refusing, DATA)
    assert not form.is_valid()
    assert form.errors["city"] == ["Not a city we know."]
    assert form.non_field_errors() == ["General."]
    assert form["name"].value() == "Oxford School District"  # what was typed stays
    assert not Institution.objects.exists()


def test_the_service_saves():
    class Saving(ServiceAdmin):
        def service_save(self, request, obj, form, change):
            obj.name_key = "oxfordschooldistrict"
            obj.save()
            return obj

    form = _form(Saving, DATA)
    assert form.is_valid()
    assert Institution.objects.get().name_key == "oxfordschooldistrict"
