import functools
import html

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from core import fragments
from core.forms import service_errors_show
from core.fragments import fragment
from core.links import url_maker
from core.once import FIELD, form_token_new, submit_once
from core.pagination import page_of
from core.ratelimit import ratelimit
from members import hooks, selectors, services
from members.forms import ApplicationForm, InstitutionForm, InviteForm, RoleForm
from members.models import MembershipApplication, Role, Team, covered_seats
from members.prefill import apply_prefill


def _institution_forms(data=None, initial=()):
    initial = [*initial, {}, {}]
    forms = [
        InstitutionForm(data, prefix="institution_0", initial=initial[0]),
        InstitutionForm(data, prefix="institution_1", required=False, initial=initial[1]),
    ]
    forms[0].section, forms[1].section = "Your institution", "Partner institution"
    return forms


def _fees_in_force():
    """The fee schedule in force, from the app that owns fees (members.hooks). None when no
    schedule is in force."""
    return hooks.fees_in_force()


def _show_service_errors(error: ValidationError, form, institution_forms):
    """``institution_<n>`` errors go on that institution's name; the rest as on any form."""
    if hasattr(error, "error_dict"):
        rest = {}
        for field, field_errors in error.message_dict.items():
            if field.startswith("institution_"):
                institution_forms[int(field[-1])].add_error("name", field_errors)
            else:
                rest[field] = field_errors
        if not rest:
            return
        error = ValidationError(rest)
    service_errors_show(form, error)


@login_required
@ratelimit("apply")
def application_create(request):
    fees = _fees_in_force()
    if request.method == "POST":
        form = ApplicationForm(request.POST, fees=fees)
        institution_forms = _institution_forms(request.POST)
        # A single institution's application ignores the partner section (hidden on the page,
        # but still posted): it is neither checked nor saved, and stays as typed if shown again.
        if request.POST.get("kind") != MembershipApplication.Kind.PARTNERSHIP:
            institution_forms[1].ignore()
        valid = form.is_valid() & all([f.is_valid() for f in institution_forms])
        if valid:
            kind = form.cleaned_data["kind"]
            institutions = [institution_forms[0].to_data()]
            if kind == MembershipApplication.Kind.PARTNERSHIP:
                if institution_forms[1].has_content():
                    institutions.append(institution_forms[1].to_data())
                else:
                    institution_forms[1].add_error(
                        "name", "A partnership names its partner institution here."
                    )
                    valid = False
        if valid:
            data = {k: v for k, v in form.cleaned_data.items() if k != "closed_tier_choice"}
            tier = data.pop("requested_tier")
            try:
                return submit_once(request, form, lambda: reverse(
                    "members:application_submitted", kwargs={"pk": services.application_submit(
                        applicant=request.user, institutions=institutions, tier=tier,
                        join_waitlist=form.join_waitlist, **data,
                    ).pk}))
            except ValidationError as error:
                _show_service_errors(error, form, institution_forms)
    else:
        # A link made by members.prefill (the partner directory's "apply together") fills in
        # the institutions; anything else in the query is ignored.
        prefill = apply_prefill(request.GET) or {}
        initial = {"contact_email": request.user.email,
                   "contact_name": request.user.get_full_name()}
        if prefill:
            initial["kind"] = prefill["kind"]
        form = ApplicationForm(initial=initial, fees=fees)
        institution_forms = _institution_forms(initial=prefill.get("institutions", ()))
    return render(request, "members/application_form.html", {
        "form": form,
        "institution_forms": institution_forms,
        "fees": fees,
        # The summary lists errors in the order the page shows the fields.
        "error_forms": [*form.non_field_errors(), form["kind"], *institution_forms,
                        *(form[name] for name in form.fields if name != "kind")],
        "has_errors": form.errors or any(f.errors for f in institution_forms),
    })


@login_required
def application_submitted(request, pk):
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    return render(request, "members/application_submitted.html", {"application": application})


@login_required
def application_list(request):
    page = page_of(request, selectors.applications_of(request.user), size=20)
    return render(request, "members/application_list.html", {"page": page})


@login_required
def application_detail(request, pk):
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    return render(request, "members/application_detail.html", {"application": application})


@login_required
def application_withdraw(request, pk):
    """GET asks "Withdraw your application for X?"; only the POST from that page withdraws."""
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    if request.method != "POST":
        if not application.is_pending:
            messages.info(request, f"This application is {application.get_status_display()}: "
                                   "there is nothing to withdraw.")
            return redirect(application.get_absolute_url())
        return render(request, "members/application_withdraw.html", {
            "application": application,
            "names": application.display_name(),
        })
    try:
        services.application_withdraw(application=application, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your application is withdrawn.")
    return redirect(application.get_absolute_url())


@login_required
def dashboard(request):
    # The person's places and memberships are read once (hooks.portal_person) and shared with
    # the panels; rows come as plain values with their strings ready, so the page costs a
    # fixed handful of simple queries.
    user = request.user

    def content():
        return render_to_string("members/partials/dashboard_content.html", {
            "applications": selectors.recent_applications(user),
            "memberships": hooks.portal_person(request).memberships,
            "panels": hooks.dashboard_panels(request),
        }, request=request)

    # Served from the cache until a table it read is written (core/fragments.py). Panels compare
    # events with the clock, so it renders anew every 10 minutes at most; what they read of the
    # person's own account (staff or not, their address) is in the key.
    return render(request, "members/dashboard.html", {"content": fragment(
        "dashboard", [user.is_staff, user.is_superuser, user.email], content, viewer=user,
        period=600)})


# --- Improvement-team roster ----------------------------------------------------------------------
def _team_for(request, pk):
    return get_object_or_404(selectors.teams_visible_to(request.user), pk=pk)


# The roster's rows are built here, once a row, rather than by the template: there, each row's
# tags, filters, ``{% url %}``s and ``{% csrf_token %}`` were two thirds of the page's work
# (issue 18). Every value is escaped (``_e``) before it goes in; the role menus, the URLs around
# each pk and the CSRF field are built once a page.
_e = html.escape  # what django.utils.html.escape does, without its lazy-string wrapper

_MEMBER_ROW = (
    '<tr>\n<th scope="row"><bdi class="person">{name}</bdi>{you}{email}{title}</th>\n'
    '<td data-label="Role">{role}</td>{actions}\n</tr>\n')
_YOU = ' <span class="optional">(you)</span>'
_PERSON_LINE = '<span class="person-email">{}</span>'
_MEMBER_ACTIONS = (
    '\n<td class="roster-actions">\n'
    '<form method="post" action="{role_url}" class="inline-form">{csrf}\n'
    '<label class="visually-hidden" for="role-{pk}">Role of {name}</label>\n'
    '<select name="role" id="role-{pk}">{menu}</select>\n'
    '<button type="submit" class="button button-secondary button-tiny">Change role</button>\n'
    '</form>\n'
    '<a href="{lead_url}">Make lead</a> ·\n'
    '<a href="{remove_url}" class="danger-link">Remove</a>\n'
    '</td>')
_LEAD_ACTIONS = '\n<td class="roster-actions"><span class="optional">Team lead</span></td>'
_INVITATION_ROW = (
    '<tr>\n<th scope="row"><bdi class="person">{name}</bdi>'
    '<span class="person-email">{email}</span></th>\n'
    '<td data-label="Role">{role}</td>\n'
    '<td data-label="Expires">{expires}</td>\n'
    '<td class="roster-actions">\n'
    '<form method="post" action="{resend_url}" class="inline-form">{csrf}<button type="submit" '
    'class="button button-secondary button-tiny">Resend</button></form>\n'
    '<form method="post" action="{revoke_url}" class="inline-form">{csrf}<button type="submit" '
    'class="button button-secondary button-tiny">Revoke</button></form>\n'
    '</td>\n</tr>\n')
_EXPIRED = '<span class="status status-void">expired</span> (seat freed)'
_ROLE_LABELS = {value: _e(capfirst(label)) for value, label in Role.choices}
# The role menu's options with each role selected in turn (a lead's role is handed over, not
# chosen: members.forms.GIVEN_ROLES)
_ROLE_MENUS = {role: "".join(
    f'<option value="{_e(value)}"{" selected" if value == role else ""}>{_e(capfirst(label))}'
    '</option>' for value, label in RoleForm.base_fields["role"].choices)
    for role, _ in RoleForm.base_fields["role"].choices}


def _member_rows(rows, *, team, viewer, is_lead: bool, csrf: str) -> str:
    """The page's rows of ``selectors.roster_rows_of``: each person's name (their email for an
    account without one), "(you)", their email and job title, their role and, for the lead, the
    forms to change their role, hand over the lead role or remove them (the lead's own row says
    "Team lead")."""
    role_url, lead_url, remove_url = (
        url_maker(f"members:{name}", team.pk)
        for name in ("member_role", "member_make_lead", "member_remove"))
    html_rows = []
    for row in rows:
        # User.display_name and User.has_name, on the row's values
        first, last = row["user__first_name"].strip(), row["user__last_name"].strip()
        name = _e(f"{first} {last}" if first and last else first or last or row["user__email"])
        actions = ""
        if is_lead:
            pk = row["pk"]
            actions = _LEAD_ACTIONS if row["role"] == Role.LEAD else _MEMBER_ACTIONS.format(
                pk=pk, name=name, csrf=csrf, menu=_ROLE_MENUS.get(row["role"], ""),
                role_url=role_url(pk), lead_url=lead_url(pk), remove_url=remove_url(pk))
        html_rows.append(_MEMBER_ROW.format(
            name=name, you=_YOU if row["user_id"] == viewer.pk else "",
            email=_PERSON_LINE.format(_e(row["user__email"])) if first and last else "",
            title=_PERSON_LINE.format(_e(row["user__job_title"])) if row["user__job_title"]
            else "",
            role=_ROLE_LABELS.get(row["role"], ""), actions=actions))
    return mark_safe("".join(html_rows))  # noqa: S308 (every value in them is escaped above)


def _invitation_rows(invitations, *, team, now, csrf: str) -> str:
    """The lead's list of pending invitations: name, email, role, when it expires (or that it
    has, and its seat is free) and the forms to resend or revoke it."""
    resend_url, revoke_url = (url_maker(f"members:{name}", team.pk)
                              for name in ("invitation_resend", "invitation_revoke"))
    return mark_safe("".join(  # noqa: S308 (every value in them is escaped)
        _INVITATION_ROW.format(
            name=_e(invitation["name"]), email=_e(invitation["email"]),
            role=_ROLE_LABELS.get(invitation["role"], ""),
            expires=_EXPIRED if invitation["expires_at"] <= now
            else _e(date_format(timezone.localtime(invitation["expires_at"]))),
            resend_url=resend_url(invitation["pk"]), revoke_url=revoke_url(invitation["pk"]),
            csrf=csrf)
        for invitation in invitations))


INVITE_FIELDS = "members/partials/invite_fields.html"
_ONCE_SLOT = "once-token-slot"


@functools.cache
def _blank_invite_fields() -> str:
    """A blank invite form's fields, with a slot for its one-time token: rendering them (five
    templates a widget) was a sixth of the roster's work, and only the token differs from one
    request to the next. Its inputs are the form's code and the templates alone, so it is kept
    for the life of the process (and rendered afresh under DEBUG, where templates change)."""
    return render_to_string(INVITE_FIELDS,
                            {"invite_form": InviteForm(initial={FIELD: _ONCE_SLOT})})


def _invite_fields(form: InviteForm) -> str:
    """The invite form's token, errors and fields: a form sent back with errors is rendered as
    it is; a blank one comes from ``_blank_invite_fields`` with a new token."""
    if form.is_bound or settings.DEBUG:
        return render_to_string(INVITE_FIELDS, {"invite_form": form})
    return mark_safe(_blank_invite_fields().replace(  # noqa: S308 (the template escaped it)
        _ONCE_SLOT, _e(form_token_new())))


def _roster_context(request, team, leads: bool, invite_form=None, csrf=None,
                    once_slot: bool = False):
    # A lapsed membership's roster is read-only: nobody gets the lead's controls.
    read_only = team.membership.is_read_only
    is_lead = leads and not read_only
    page = page_of(request, selectors.roster_rows_of(team), size=25)
    csrf = csrf_input(request) if csrf is None else csrf
    now = timezone.now()
    # Pending invitations hold seats until they expire, so every viewer's page reads them; the
    # lead also sees them listed.
    invitations = list(selectors.pending_invitations_of(team)
                       .values("pk", "name", "email", "role", "expires_at"))
    # Membership.objects.with_seats's seats (services.membership_seats), from rows this page
    # reads anyway: active members (the roster's count) and pending invitations not expired,
    # against models.covered_seats. tests/members/test_roster_page.py checks they agree.
    institutions, granted = selectors.covered_seat_counts(team.membership_id)
    covered = covered_seats(per_institution=team.membership.tier.covered_seats_per_institution,
                            institutions=institutions, granted=granted)
    used = page.paginator.count + sum(invitation["expires_at"] > now for invitation in invitations)
    in_arrears = services.membership_in_arrears(team.membership)
    invite_form = invite_form or InviteForm()
    return {
        "team": team,
        "page": page,
        "member_rows": _member_rows(page.object_list, team=team, viewer=request.user,
                                    is_lead=is_lead, csrf=csrf),
        "invitations": invitations if is_lead else [],
        "invitation_rows": _invitation_rows(invitations, team=team, now=now, csrf=csrf)
        if is_lead else "",
        "csrf_field": csrf,
        "is_lead": is_lead,
        "read_only": read_only,
        "seats_covered": covered,
        "seats_used": used,
        "seats_free": max(covered - used, 0),
        "in_arrears": in_arrears,
        # services.invitations_blocked, without asking billing a second time
        "invites_blocked": settings.ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS and in_arrears,
        "invite_form": invite_form,
        # (the slot left in for a cached page: each request puts its own token in)
        "invite_fields": ((mark_safe(_blank_invite_fields()) if once_slot  # noqa: S308
                           else _invite_fields(invite_form)) if is_lead else ""),
        "center_email": settings.CENTER_STAFF_EMAIL,
        "invitation_days": settings.INVITATION_EXPIRY_DAYS,
    }


def _roster_team_or_404(request, pk) -> tuple[Team, bool]:
    """The team and whether the person leads it (``selectors.roster_team``), asked of the
    fragment cache: every roster request asks it, and any write to what it read (the team, its
    roster, the membership, the tier) counts on the next request."""
    user = request.user
    found = fragments.cached("roster-team", [pk, user.is_staff], lambda: _roster_team(user, pk),
                             viewer=user)
    if found is None:
        raise Http404
    return found


def _roster_team(user, pk):
    try:
        return selectors.roster_team(user, pk)
    except Team.DoesNotExist:
        return None


def _roster_page(request, pk) -> str:
    """The roster's part of the page from the fragment cache (core/fragments.py): rendered with
    placeholders for the visitor's CSRF token and the invite form's one-time token, which each
    request gets afresh. It renders anew when a table it read is written, the day turns, or
    every 10 minutes (invitations expire at an hour of the day)."""
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
                       fragments.CSRF_PLACEHOLDER)

    def content():
        team, leads = _roster_team_or_404(request, pk)  # ties the fragment to what it read
        return fragments.render_to_string("members/partials/roster_content.html",
                                          _roster_context(request, team, leads, csrf=csrf,
                                                          once_slot=True),
                                          request)

    html = fragments.fragment("roster", [pk, request.user.is_staff, request.GET.urlencode()],
                              content, viewer=request.user, period=600, request=request)
    return mark_safe(html.replace(_ONCE_SLOT, _e(form_token_new())))  # noqa: S308


@login_required
@ratelimit("invite")
def roster(request, pk):
    team, leads = _roster_team_or_404(request, pk)
    invite_form = None
    if request.method == "POST":
        invite_form = InviteForm(request.POST)
        if invite_form.is_valid():
            def invite():
                invitation = services.seat_invite(team=team, actor=request.user,
                                                  **invite_form.cleaned_data)
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return team.get_absolute_url()

            try:
                return submit_once(request, invite_form, invite)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as error:
                if getattr(error, "code", None) == "seat_cap":
                    pass  # the page's seat-cap notice says it, once, with how to get more
                elif hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        invite_form.add_error(field if field in invite_form.fields else None,
                                              errors)
                else:
                    invite_form.add_error(None, error.messages)
    if invite_form is None and fragments.enabled() and not settings.DEBUG:
        return render(request, "members/roster.html",
                      {"team": team, "content": _roster_page(request, pk)})
    return render(request, "members/roster.html", {
        "team": team, "content": render_to_string(
            "members/partials/roster_content.html",
            _roster_context(request, team, leads, invite_form), request=request)})


def _lead_action(request, pk, action):
    """POST-only roster change by the lead. Non-leads get 404, like people from other teams."""
    team = _team_for(request, pk)
    if not services.team_lead_of(team, request.user):
        raise Http404
    try:
        message = action(team)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect(team.get_absolute_url())


@login_required
@require_POST
def member_role(request, pk, member_pk):
    def action(team):
        member = get_object_or_404(team.members.select_related("user"), pk=member_pk)
        form = RoleForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Choose a role from the list.")
        services.member_role_change(member=member, actor=request.user,
                                    role=form.cleaned_data["role"])
        return f"{member.user} is now {member.get_role_display()}."
    return _lead_action(request, pk, action)


@login_required
def member_remove(request, pk, member_pk):
    team = _team_for(request, pk)
    member = get_object_or_404(team.members.select_related("user"), pk=member_pk,
                               status="active")
    if request.method == "POST":
        def action(team):
            services.member_remove(member=member, actor=request.user)
            return f"{member.user} is no longer on the team; their seat is free."
        return _lead_action(request, pk, action)
    if not services.team_lead_of(team, request.user):
        raise Http404
    return render(request, "members/member_confirm.html", {
        "team": team, "member": member, "verb": "remove",
        "question": f"Remove {member.roster_label} from {team}?",
        "explain": "Their seat frees at once, and they stop being a billing contact if they "
                   "were one. The team keeps the record that they were a member.",
        "button": "Remove from the team",
    })


@login_required
def member_make_lead(request, pk, member_pk):
    team = _team_for(request, pk)
    member = get_object_or_404(team.members.select_related("user"), pk=member_pk,
                               status="active")
    if request.method == "POST":
        def action(team):
            services.lead_handover(team=team, actor=request.user, to=member)
            return f"{member.user} now leads the team. You remain a team member."
        return _lead_action(request, pk, action)
    if not services.team_lead_of(team, request.user):
        raise Http404
    return render(request, "members/member_confirm.html", {
        "team": team, "member": member, "verb": "lead",
        "question": f"Hand the lead role to {member.user}?",
        "explain": "A team has exactly one lead. You will stay on the team as a team member and "
                   "will no longer be able to change the roster.",
        "button": "Hand over the lead role",
    })


@login_required
@require_POST
def invitation_resend(request, pk, invitation_pk):
    def action(team):
        invitation = get_object_or_404(team.invitations, pk=invitation_pk)
        services.invitation_resend(invitation=invitation, actor=request.user)
        return f"Invitation sent again to {invitation.email}."
    return _lead_action(request, pk, action)


@login_required
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    def action(team):
        invitation = get_object_or_404(team.invitations, pk=invitation_pk)
        services.invitation_revoke(invitation=invitation, actor=request.user)
        return f"Invitation to {invitation.email} revoked; its seat is free."
    return _lead_action(request, pk, action)


@ratelimit("invitation", methods=("GET", "POST"))
def invitation_respond(request, token):
    """The emailed link. Anyone can see what it is; only the invited address can accept."""
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(request, "members/invitation.html",
                      {"problem": " ".join(error.messages)}, status=404)
    problem = None
    if invitation.status == invitation.Status.REVOKED:
        problem = "This invitation was withdrawn by the team lead."
    elif invitation.status == invitation.Status.ACCEPTED:
        problem = "This invitation has already been accepted."
    elif invitation.expires_at <= timezone.now():
        problem = "This invitation has expired. Ask the team lead to send a new one."
    if not request.user.is_authenticated and not problem:
        # The link reached this address, so an account made with it needs no second check.
        get_adapter(request).stash_verified_email(request, invitation.email)
        # ... and the name the lead typed is the first guess on the sign-up form.
        request.session["invited_name"] = invitation.name
    if request.method == "POST" and request.user.is_authenticated and not problem:
        try:
            member = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, f"Welcome to {member.team}.")
            return redirect(member.team.get_absolute_url())
    wrong_email = (request.user.is_authenticated
                   and request.user.email.lower() != invitation.email.lower())
    return render(request, "members/invitation.html", {
        "invitation": invitation, "problem": problem, "wrong_email": wrong_email,
        "token": token,
    }, status=410 if problem and request.method == "GET" else 200)
