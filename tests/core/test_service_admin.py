"""core.admin's one service-backed admin (ServiceForm / ServiceAdmin): an admin form saves through
a service, shows the service's errors next to their fields with nothing written, and refuses to
save at all when no service is named."""

import pytest
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.admin import ServiceAdmin, ServiceForm
from members.models import Institution
from tests.factories import UserFactory
from tests.once import token

pytestmark = pytest.mark.django_db

DATA = {"name": "Oxford School District", "kind": "lea", "city": "Oxford", "state": "MS",
        "website": "", "nces_id": ""}


def _admin_form(save_through=None):
    attrs = {"Meta": type("Meta", (), {"model": Institution, "fields": list(DATA)})}
    if save_through is not None:
        attrs["save_through"] = save_through
    form_class = type("InstitutionTestForm", (ServiceForm,), attrs)
    admin_class = type("InstitutionTestAdmin", (ServiceAdmin,), {"form": form_class})
    data = {**DATA, **token()}  # an add form carries its one-time token (core.once)
    request = RequestFactory().post("/", data)
    request.user = UserFactory(staff=True)
    model_admin = admin_class(Institution, AdminSite())
    return model_admin, request, model_admin.get_form(request, None, change=False)(data)


def test_an_admin_without_a_service_cannot_save():
    _, _, form = _admin_form()
    with pytest.raises(NotImplementedError, match="must define save_through"):
        form.is_valid()
    assert not Institution.objects.exists()


def test_the_services_errors_go_next_to_their_fields_and_nothing_is_saved():
    def refuse(self, *, actor):
        self.instance.name_key = "oxfordschooldistrict"
        self.instance.save()  # written, then refused: the rehearsal rolls it back
        raise ValidationError({"city": ["Not a city we know."], "other": ["General."]})

    _, _, form = _admin_form(refuse)
    assert not form.is_valid()
    assert form.errors["city"] == ["Not a city we know."]
    assert form.non_field_errors() == ["General."]
    assert form["name"].value() == "Oxford School District"  # what was typed stays
    assert not Institution.objects.exists()
    assert form.instance.pk is None  # the instance is put back as it was before the rehearsal


def test_the_service_saves_once_for_real_after_its_rehearsal():
    calls = []

    def save(self, *, actor):
        calls.append(actor)
        self.instance.name_key = "oxfordschooldistrict"
        self.instance.save()
        return self.instance

    model_admin, request, form = _admin_form(save)
    assert form.is_valid()
    assert not Institution.objects.exists()  # validating only rehearsed
    model_admin.save_model(request, form.instance, form, change=False)
    assert Institution.objects.get().name_key == "oxfordschooldistrict"
    assert form.instance.pk == Institution.objects.get().pk
    assert calls == [request.user, request.user]  # the rehearsal, then the real save
