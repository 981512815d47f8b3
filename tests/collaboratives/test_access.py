"""Every collaboratives URL, requested by each kind of person. Team A owns the objects."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collaboratives.convenings.services import calendar_token_for
from collaboratives.cycles import attachments as cycles_attachments
from collaboratives.models import ChangePackage
from tests.collaboratives.util import url
from tests.factories import MeasureFactory, MeasureValueFactory, PDSACycleFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "member_a", "member_b", "coach_a", "coach_b", "staff"]
LOGIN = "login"


def everyone_but_outsiders(ok=200):
    return {"anonymous": LOGIN, "outsider": 404, "member_a": ok, "member_b": ok, "coach_a": ok,
            "coach_b": ok, "staff": ok}


def only(*personas, ok=200):
    return {"anonymous": LOGIN, **{p: ok if p in personas else 404 for p in PERSONAS[1:]}}


@pytest.fixture
def objects(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea)  # planned: team A's own
    attachment = cycles_attachments.attachment_add(
        cycle=cycle, actor=world.member_a,
        upload=SimpleUploadedFile("data.csv", b"week,absent\n1,4\n"))
    token = calendar_token_for(user=world.member_a).token
    measure = MeasureFactory(collaborative=world.collaborative)
    MeasureValueFactory(team=world.team_a, measure=measure)
    package = ChangePackage.objects.create(  # a published version with its stored PDF
        collaborative=world.collaborative, version=1, title="Change package",
        status=ChangePackage.Status.PUBLISHED, published_at=timezone.now(),
        pdf_path=default_storage.save("collaboratives/change-packages/test.pdf",
                                      ContentFile(b"%PDF-1.4 test")))
    return {"cycle": cycle, "attachment": attachment, "token": token, "measure": measure,
            "package": package}


def _matrix():
    s = "attendance-works"
    return {
        "home": (lambda w, o: url("home", s), "get", everyone_but_outsiders()),
        "drivers": (lambda w, o: url("drivers", s), "get", everyone_but_outsiders()),
        "cycles": (lambda w, o: url("cycles", s), "get", everyone_but_outsiders()),
        "convening": (lambda w, o: url("convening", s, w.period.closing_convening.pk), "get",
                      everyone_but_outsiders()),
        "convening_ics": (lambda w, o: url("convening_ics", s, w.period.closing_convening.pk),
                          "get", everyone_but_outsiders()),
        "cycle": (lambda w, o: url("cycle", s, o["cycle"].pk), "get",
                  only("member_a", "coach_a", "staff")),
        "attachment": (lambda w, o: url("attachment", s, o["attachment"].pk), "get",
                       only("member_a", "coach_a", "staff")),
        "cycle_edit": (lambda w, o: url("cycle_edit", s, o["cycle"].pk), "get",
                       only("member_a", "staff")),
        "cycle_advance": (lambda w, o: url("cycle_advance", s, o["cycle"].pk), "get",
                          only("member_a", "staff")),
        # Asks first: the uploader (member_a) and staff; not the coach, not another team.
        "attachment_delete": (lambda w, o: url("attachment_delete", s, o["attachment"].pk),
                              "get", only("member_a", "staff")),
        "attachment_add": (lambda w, o: url("attachment_add", s, o["cycle"].pk), "post",
                           only("member_a", "staff", ok=400)),  # 400: no file in the request
        "comment_add": (lambda w, o: url("comment_add", s, o["cycle"].pk), "post",
                        only("coach_a", "staff", ok=400)),  # 400: empty comment
        "workspace": (lambda w, o: url("workspace", s, w.team_a.pk), "get",
                      only("member_a", "coach_a", "staff")),
        "aim": (lambda w, o: url("aim", s, w.team_a.pk), "get",
                only("member_a", "coach_a", "staff")),
        "call_create": (lambda w, o: url("call_create", s, w.team_a.pk), "get",
                        only("coach_a", "staff")),
        "cycle_create": (lambda w, o: url("cycle_create", s, w.team_a.pk), "get",
                         only("member_a", "staff")),
        # The secret address is the key: calendar apps have no session.
        "calendar_feed": (lambda w, o: url("calendar_feed", o["token"]), "get",
                          dict.fromkeys(PERSONAS, 200)),
        "list": (lambda w, o: url("list"), "get", everyone_but_outsiders() | {"outsider": 200}),
        "calendar": (lambda w, o: url("calendar"), "get",
                     everyone_but_outsiders() | {"outsider": 200}),
        "coaching": (lambda w, o: url("coaching"), "get", only("coach_a", "coach_b", "staff")),
        # Measures: every team's charts are shared learning (read-only for other teams); a
        # team's members enter its values; its members and coach set up its charts; its coach
        # marks astronomical points; staff and the coaches define measures and compare teams.
        "measures": (lambda w, o: url("measures", s), "get", everyone_but_outsiders()),
        "measure_create": (lambda w, o: url("measure_create", s), "get",
                           only("coach_a", "coach_b", "staff")),
        "measure_edit": (lambda w, o: url("measure_edit", s, o["measure"].pk), "get",
                         only("coach_a", "coach_b", "staff")),
        "measure_teams": (lambda w, o: url("measure_teams", s, o["measure"].pk), "get",
                          only("coach_a", "coach_b", "staff")),
        "csv_template": (lambda w, o: url("csv_template", s), "get", everyone_but_outsiders()),
        "team_measures": (lambda w, o: url("team_measures", s, w.team_a.pk), "get",
                          everyone_but_outsiders()),
        "team_measure": (lambda w, o: url("team_measure", s, w.team_a.pk, o["measure"].pk),
                         "get", everyone_but_outsiders()),
        "values_export": (lambda w, o: url("values_export", s, w.team_a.pk), "get",
                          everyone_but_outsiders()),
        "values_upload": (lambda w, o: url("values_upload", s, w.team_a.pk), "get",
                          only("member_a", "staff")),
        "value_add": (lambda w, o: url("value_add", s, w.team_a.pk, o["measure"].pk), "post",
                      only("member_a", "staff", ok=400)),  # 400: no value in the request
        "value_remove": (lambda w, o: url("value_remove", s, w.team_a.pk, o["measure"].pk),
                         "post", only("member_a", "staff", ok=400)),  # 400: no value chosen
        "chart_settings": (lambda w, o: url("chart_settings", s, w.team_a.pk, o["measure"].pk),
                           "post", only("member_a", "coach_a", "staff", ok=302)),
        "astronomical": (lambda w, o: url("astronomical", s, w.team_a.pk, o["measure"].pk),
                         "post", only("coach_a", "staff", ok=400)),  # 400: no point chosen
        # The change package: published versions for everyone in the collaborative.
        # The network's library of published packages: every current member, any tier.
        "library": (lambda w, o: url("library"), "get", dict.fromkeys(PERSONAS[1:], 200)
                    | {"anonymous": LOGIN}),
        "library_package": (lambda w, o: url("library_package", o["package"].pk), "get",
                            dict.fromkeys(PERSONAS[1:], 200) | {"anonymous": LOGIN}),
        "library_pdf": (lambda w, o: url("library_pdf", o["package"].pk), "get",
                        dict.fromkeys(PERSONAS[1:], 200) | {"anonymous": LOGIN}),
        "change_packages": (lambda w, o: url("change_packages", s), "get",
                            everyone_but_outsiders()),
        "change_package": (lambda w, o: url("change_package", s, o["package"].version), "get",
                           everyone_but_outsiders()),
        "change_package_pdf": (lambda w, o: url("change_package_pdf", s, o["package"].version),
                               "get", everyone_but_outsiders()),
        "change_package_draft": (lambda w, o: url("change_package_draft", s), "get",
                                 only("coach_a", "coach_b", "staff")),
    }


MATRIX = _matrix()


def test_every_collaboratives_url_is_in_the_matrix():
    from django.urls import get_resolver

    names = set(get_resolver().namespace_dict["collaboratives"][1].reverse_dict.keys())
    assert {n for n in names if isinstance(n, str)} == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(client, world, objects, staff, name, persona):
    build, method, expected = MATRIX[name]
    path = build(world, objects)
    if persona != "anonymous":
        client.force_login(staff if persona == "staff" else getattr(world, persona))
    response = getattr(client, method)(path)
    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response.url, path
    else:
        assert response.status_code == want, f"{persona} {method.upper()} {path}"
