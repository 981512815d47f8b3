"""Issue 13, the people half: every account has a name, shown with the email secondary."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from collaboratives.cycles import nudges
from core.emails import email_queue
from core.models import OutboundEmail
from members import services
from members.models import Institution, Role, User
from members.names import person_name_split
from members.services import InstitutionData
from members.templatetags.people import browser_name
from tests.factories import (
    ActionPeriodFactory,
    ApplicationFactory,
    CoachFactory,
    EnrollmentFactory,
    TeamFactory,
    TeamMemberFactory,
    TierFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

ZOE = ("Zoë", "O'Brien-Smith")
MARKUP = '<script>alert("x")</script>'
RTL = "زينب الهاشمي"


def nameless(email="old.account@district.example.org", **extra):
    return UserFactory(email=email, first_name="", last_name="", **extra)


# --- The name and how it reads ---------------------------------------------------------------

def test_display_name_is_given_then_family_name_and_falls_back_to_the_email():
    assert UserFactory(first_name=ZOE[0], last_name=ZOE[1]).display_name == "Zoë O'Brien-Smith"
    assert str(UserFactory(first_name=ZOE[0], last_name=ZOE[1])) == "Zoë O'Brien-Smith"
    assert nameless().display_name == "old.account@district.example.org"


def test_roster_label_names_the_role():
    lead = UserFactory(first_name=ZOE[0], last_name=ZOE[1])
    team = TeamFactory(lead=lead)
    assert team.members.get(user=lead).roster_label == "Zoë O'Brien-Smith (Lead)"
    analyst = TeamMemberFactory(team=team, role=Role.DATA_ANALYST,
                                user=UserFactory(first_name="Ana", last_name="Ruiz"))
    assert analyst.roster_label == "Ana Ruiz (Data analyst)"


@pytest.mark.parametrize(("full", "split"), [
    ("Zoë O'Brien-Smith", ("Zoë", "O'Brien-Smith")),
    ("Mary Ann Smith", ("Mary Ann", "Smith")),
    ("Juan Carlos de la Cruz", ("Juan Carlos", "de la Cruz")),
    ("  Cher  ", ("Cher", "")),
    ("", ("", "")),
])
def test_a_one_line_name_splits_sensibly(full, split):
    assert person_name_split(full) == split


# --- Sign-up asks for the name -----------------------------------------------------------------

SIGNUP = {"email": "zoe@district.example.org", "password1": "a-long-pass-phrase-42",
          "password2": "a-long-pass-phrase-42"}


def test_sign_up_stores_the_given_and_family_name(client):
    response = client.post(reverse("account_signup"),
                           {**SIGNUP, "first_name": " Zoë ", "last_name": "O'Brien-Smith"})
    assert response.status_code == 302
    user = User.objects.get(email="zoe@district.example.org")
    assert (user.first_name, user.last_name) == ZOE


def test_sign_up_without_a_name_says_so_next_to_the_fields_and_keeps_the_rest(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "first_name": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.filter(email="zoe@district.example.org").exists()
    summary = html[html.index('id="error-summary"'):]
    assert '<a href="#id_first_name">Given name</a>: Enter your given name.' in summary
    assert '<a href="#id_last_name">Family name</a>: Enter your family name.' in summary
    assert 'value="zoe@district.example.org"' in html  # nothing typed is lost


def test_sign_up_from_an_invitation_is_prefilled_with_the_invited_name(client):
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    services.seat_invite(team=team, actor=lead, name="Zoë O'Brien-Smith",
                         email="zoe@district.example.org", role="member")
    link = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client.get(link)
    html = client.get(reverse("account_signup")).content.decode()
    assert 'value="Zoë"' in html and 'value="O&#x27;Brien-Smith"' in html


# --- Accounts named by an application or invitation -------------------------------------------

def _submit(applicant, **overrides):
    data = dict(applicant=applicant, kind="single", tier=TierFactory(),
                institutions=[InstitutionData(name="Oxford School District", city="Oxford",
                                              kind=Institution.Kind.LEA, state="MS")],
                problem_of_practice="Chronic absenteeism", contact_name="Zoë O'Brien-Smith",
                contact_email=applicant.email, billing_name="AP", billing_email="ap@x.org",
                billing_address="1 Way", commitment_accepted=True)
    data.update(overrides)
    return services.application_submit(**data)


def test_an_application_names_the_applicant_who_had_no_name():
    applicant = nameless()
    _submit(applicant)
    applicant.refresh_from_db()
    assert (applicant.first_name, applicant.last_name) == ZOE


def test_a_one_word_contact_name_is_a_given_name_and_the_family_name_is_asked_later(client):
    applicant = nameless()
    _submit(applicant, contact_name="Cher")
    applicant.refresh_from_db()
    assert (applicant.first_name, applicant.last_name) == ("Cher", "")
    client.force_login(applicant)
    assert client.get(reverse("members:dashboard")).url.startswith(reverse("members:name"))


def test_an_application_for_another_contact_or_a_named_account_changes_no_name():
    applicant = nameless()
    _submit(applicant, contact_email="someone.else@district.example.org")
    applicant.refresh_from_db()
    assert applicant.first_name == ""
    named = UserFactory(first_name="Pat", last_name="Lee")
    _submit(named, institutions=[InstitutionData(name="Denver Public Schools", city="Denver",
                                                 kind=Institution.Kind.LEA, state="CO")])
    named.refresh_from_db()
    assert (named.first_name, named.last_name) == ("Pat", "Lee")


def test_accepting_an_invitation_takes_the_invited_name():
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    invitation = services.seat_invite(team=team, actor=lead, name="Zoë O'Brien-Smith",
                                      email="zoe@district.example.org", role="member")
    invitee = nameless(email="zoe@district.example.org")
    services.invitation_accept(invitation=invitation, user=invitee)
    invitee.refresh_from_db()
    assert (invitee.first_name, invitee.last_name) == ZOE


def test_the_invitation_email_says_who_invites_by_name_with_their_email():
    lead = UserFactory(first_name=ZOE[0], last_name=ZOE[1], email="zoe@district.example.org")
    team = TeamFactory(lead=lead, name="Oxford School District")
    services.seat_invite(team=team, actor=lead, name="Sam Poe", email="sam@x.org", role="member")
    message = mail.outbox[-1]
    assert message.subject.startswith("[NCSUP] Zoë O'Brien-Smith invites you") or \
        "Zoë O'Brien-Smith invites you" in message.subject
    assert "Zoë O'Brien-Smith (zoe@district.example.org) invites you" in message.body
    html = message.alternatives[0][0]
    assert "Zoë O&#x27;Brien-Smith (zoe@district.example.org) invites you" in html


# --- Asked once at the next sign-in ------------------------------------------------------------

def test_an_account_without_a_name_is_asked_once_then_goes_where_it_was_going(client):
    user = nameless()
    client.force_login(user)
    response = client.get(reverse("members:application_list"))
    assert response.status_code == 302
    assert response.url == (reverse("members:name") + "?next=" +
                            reverse("members:application_list").replace("/", "%2F"))
    page = client.get(response.url).content.decode()
    assert "<h1>Tell us your name</h1>" in page
    done = client.post(reverse("members:name"), {
        "first_name": "Zoë", "last_name": "O'Brien-Smith",
        "next": reverse("members:application_list")})
    assert done.url == reverse("members:application_list")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ZOE
    assert client.get(reverse("members:application_list")).status_code == 200
    assert client.get(reverse("members:name")).status_code == 302  # filled: skipped


def test_staff_without_a_name_are_asked_too(client):
    staff = nameless(email="new.staff@ncsup.example.org", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/staff/")
    assert response.url.startswith(reverse("members:name"))


def test_the_name_page_is_prefilled_from_a_pending_invitation(client):
    lead = UserFactory()
    services.seat_invite(team=TeamFactory(lead=lead), actor=lead, name="Zoë O'Brien-Smith",
                         email="zoe@district.example.org", role="member")
    client.force_login(nameless(email="zoe@district.example.org"))
    html = client.get(reverse("members:name")).content.decode()
    assert 'value="Zoë"' in html and 'value="O&#x27;Brien-Smith"' in html


def test_the_name_page_refuses_blanks_and_overlong_names_and_an_offsite_next(client):
    user = nameless()
    client.force_login(user)
    response = client.post(reverse("members:name"), {"first_name": "Z", "last_name": "x" * 151})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in html
    assert 'value="Z"' in html
    response = client.post(reverse("members:name"), {"first_name": "", "last_name": "Ng"})
    assert "Enter your given name." in response.content.decode()
    response = client.post(reverse("members:name"), {
        "first_name": "Z", "last_name": "x" * 150, "next": "https://evil.example.com/"})
    assert response.url == reverse("members:dashboard")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Z", "x" * 150)


def test_the_name_page_needs_a_sign_in(client):
    response = client.get(reverse("members:name"))
    assert response.url.startswith(reverse("account_login"))


# --- Names on rosters: escaped, isolated, never breaking the layout ----------------------------

def test_the_roster_shows_names_escaped_with_the_email_secondary(client):
    lead = UserFactory(first_name=ZOE[0], last_name=ZOE[1], email="zoe@district.example.org")
    team = TeamFactory(lead=lead)
    TeamMemberFactory(team=team, user=UserFactory(first_name=MARKUP, last_name=RTL,
                                                  email="z@x.org"))
    client.force_login(lead)
    html = client.get(team.get_absolute_url()).content.decode()
    assert MARKUP not in html
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ' + RTL in html
    assert ('<bdi class="person">Zoë O&#x27;Brien-Smith</bdi> <span class="optional">(you)'
            '</span><span class="person-email">zoe@district.example.org</span>') in html


def test_roster_cells_wrap_long_names():
    css = Path("static/css/portal.css").read_text()
    assert re.search(r"\.stack-table th\[scope=row\][^{]*\{[^}]*overflow-wrap: anywhere", css)


# --- Email preferences: one check in core.emails ---------------------------------------------

def test_a_person_who_turned_nudges_off_gets_none_but_still_gets_essential_mail():
    user = UserFactory(email="quiet@district.example.org", email_nudges=False)
    context = {"application": ApplicationFactory(), "names": ["X"], "tier": TierFactory()}
    assert email_queue(key="n1", to="QUIET@district.example.org", template="application_received",
                       context=context, category="nudge") is None
    assert email_queue(key="e1", to=user.email, template="application_received",
                       context=context) is not None
    assert list(OutboundEmail.objects.values_list("key", flat=True)) == ["e1"]
    UserFactory(email="keen@district.example.org")
    assert email_queue(key="n2", to="keen@district.example.org", template="application_received",
                       context=context, category="nudge") is not None


def test_an_unknown_email_category_is_refused():
    with pytest.raises(ValueError, match="Unknown email category"):
        email_queue(key="x", to="a@b.org", template="application_received", context={},
                    category="newsletter")


def test_action_period_nudges_skip_people_who_turned_them_off():
    period = ActionPeriodFactory()
    enrollment = EnrollmentFactory(collaborative=period.collaborative)
    quiet = TeamMemberFactory(team=enrollment.team, user=UserFactory(email_nudges=False))
    keen = TeamMemberFactory(team=enrollment.team)
    nudges.action_period_nudge_send(period=period)
    sent_to = {m.to[0] for m in mail.outbox}
    assert keen.user.email in sent_to
    assert quiet.user.email not in sent_to



def test_removing_someone_asks_by_name_and_role(client):
    lead = UserFactory()
    team = TeamFactory(lead=lead, name="Oxford School District")
    member = TeamMemberFactory(team=team, role=Role.DATA_ANALYST,
                               user=UserFactory(first_name="Ana", last_name=MARKUP))
    client.force_login(lead)
    html = client.get(reverse("members:member_remove", args=[team.pk, member.pk])).content.decode()
    assert ("<h1>Remove Ana &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (Data analyst) "
            "from Oxford School District?</h1>") in html


@pytest.mark.parametrize(("agent", "name"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
     "Firefox on Linux"),
    ("", "Unknown browser"),
    ("<script>", "Unknown browser"),
])
def test_sessions_are_named_by_browser_and_system(agent, name):
    assert browser_name(agent) == name


def test_coach_views_name_the_coach_with_the_email_secondary(client):
    coach = CoachFactory(first_name="Zoë", last_name="O'Brien-Smith", email="coach@ncsup.org")
    enrollment = EnrollmentFactory(coach=coach)
    client.force_login(coach)
    html = client.get(reverse("collaboratives:workspace", args=[
        enrollment.collaborative.slug, enrollment.team.pk])).content.decode()
    assert "coach: <bdi>Zoë O&#x27;Brien-Smith</bdi> (coach@ncsup.org)" in html
