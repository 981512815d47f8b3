from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from members import selectors, services
from members.forms import ApplicationForm, InstitutionForm
from members.models import MembershipApplication


def _institution_forms(data=None):
    return [
        InstitutionForm(data, prefix="institution_0"),
        InstitutionForm(data, prefix="institution_1", required=False),
    ]


def _show_service_errors(error: ValidationError, form, institution_forms):
    for field, field_errors in error.message_dict.items():
        if field.startswith("institution_"):
            institution_forms[int(field[-1])].add_error("name", field_errors)
        elif field in form.fields:
            form.add_error(field, field_errors)
        else:
            form.add_error(None, field_errors)


@login_required
def application_create(request):
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        institution_forms = _institution_forms(request.POST)
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
                application = services.application_submit(
                    applicant=request.user, institutions=institutions, tier=tier,
                    join_waitlist=form.join_waitlist, **data,
                )
            except ValidationError as error:
                _show_service_errors(error, form, institution_forms)
            else:
                return redirect("members:application_submitted", pk=application.pk)
    else:
        form = ApplicationForm(initial={"contact_email": request.user.email,
                                        "contact_name": request.user.get_full_name()})
        institution_forms = _institution_forms()
    return render(request, "members/application_form.html", {
        "form": form,
        "institution_forms": institution_forms,
        "has_errors": form.errors or any(f.errors for f in institution_forms),
    })


@login_required
def application_submitted(request, pk):
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    return render(request, "members/application_submitted.html", {"application": application})


@login_required
def application_list(request):
    page = Paginator(selectors.applications_of(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "members/application_list.html", {"page": page})


@login_required
def application_detail(request, pk):
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    return render(request, "members/application_detail.html", {"application": application})


@login_required
@require_POST
def application_withdraw(request, pk):
    application = get_object_or_404(selectors.applications_of(request.user), pk=pk)
    try:
        services.application_withdraw(application=application, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your application is withdrawn.")
    return redirect(application.get_absolute_url())


@login_required
def dashboard(request):
    return render(request, "members/dashboard.html", {
        "applications": selectors.applications_of(request.user)[:5],
        "memberships": selectors.memberships_of(request.user),
    })
