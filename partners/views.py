from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import service_errors_show
from core.once import submit_once
from core.pagination import page_of
from core.ratelimit import ratelimit
from partners import selectors, services
from partners.forms import AnswerForm, DirectorySearchForm, IntroductionForm, ListingForm
from partners.models import STATE_NAMES, Introduction, Listing

PAGE_SIZE = 20


def _members_only(request):
    """The directory is for members with an active membership: others get a page that says so
    (403), naming no institution."""
    return render(request, "partners/members_only.html", status=403)


@login_required
def directory(request):
    if not selectors.may_use_directory(request.user):
        return _members_only(request)
    form = DirectorySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    listings = selectors.directory(text=filters.get("q", ""), kind=filters.get("kind", ""),
                                   state=filters.get("state", ""),
                                   region=filters.get("region", ""),
                                   seeking=filters.get("seeking", ""))
    return render(request, "partners/directory.html", {
        "form": form, "page": page_of(request, listings, size=PAGE_SIZE),
        "searching": form.active, "led": list(selectors.institutions_led_by(request.user)),
        "mine": set(selectors.institutions_of(request.user).order_by()
                    .values_list("pk", flat=True)),
    })


@login_required
@ratelimit("introduction")
def listing(request, pk):
    """An institution's entry, and "introduce us". Not listed (or not a member now): 404."""
    if not selectors.may_use_directory(request.user):
        return _members_only(request)
    entry = get_object_or_404(selectors.directory(), pk=pk)
    mine = selectors.institutions_of(request.user).exclude(pk=entry.institution_id)
    ours = list(mine)
    form = IntroductionForm(request.POST or None, institutions=mine,
                            initial={"from_institution": ours[0].pk} if len(ours) == 1 else {})
    if request.method == "POST" and form.is_valid():
        try:
            return submit_once(request, form, lambda: _requested(request, entry, form))
        except ValidationError as error:
            service_errors_show(form, error)
    them = entry.institution
    under_way = list(Introduction.objects.filter(
        Q(from_institution__in=ours, to_institution=them)
        | Q(from_institution=them, to_institution__in=ours),
        status__in=Introduction.OPEN).select_related("from_institution", "to_institution"))
    return render(request, "partners/listing_detail.html", {
        "listing": entry, "form": form, "ours": ours, "under_way": under_way,
        "own_entry": selectors.institutions_of(request.user).filter(pk=them.pk).exists(),
        "state_name": STATE_NAMES.get(entry.institution.state, entry.institution.state),
    }, status=400 if form.is_bound else 200)


def _requested(request, entry, form):
    introduction = services.introduction_request(
        actor=request.user, from_institution=form.cleaned_data["from_institution"],
        listing=entry, message=form.cleaned_data["message"])
    messages.success(request, f"Your request went to {entry.institution.name}'s team lead. "
                              "You will get an email when they answer.")
    return introduction


@login_required
def listing_edit(request, institution_pk):
    """The institution's team lead writes (or hides) its directory entry."""
    institution = get_object_or_404(selectors.institutions_led_by(request.user),
                                    pk=institution_pk)
    existing = Listing.objects.filter(institution=institution).first()
    form = ListingForm(request.POST or None, instance=existing or Listing(institution=institution))
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_save(institution=institution, actor=request.user,
                                  **{name: form.cleaned_data[name] for name in form.fields})
        except ValidationError as error:
            service_errors_show(form, error)
        else:
            messages.success(request, f"{institution.name}'s directory entry is saved"
                                      f"{'' if form.cleaned_data['listed'] else ' (not shown)'}.")
            return redirect("partners:introductions")
    return render(request, "partners/listing_form.html", {
        "form": form, "institution": institution, "existing": existing,
    }, status=400 if form.is_bound else 200)


@login_required
def introductions(request):
    """A person's introductions (asked by them, or to and from the institutions they lead)
    and the directory entries they write."""
    led = list(selectors.institutions_led_by(request.user).select_related("partner_listing"))
    page = page_of(request, selectors.introductions_of(request.user), size=PAGE_SIZE)
    led_ids = {institution.pk for institution in led}
    for institution in led:  # the entry, or None (a reverse one-to-one raises when missing)
        institution.entry = getattr(institution, "partner_listing", None)
    for introduction in page.object_list:
        introduction.to_answer = (introduction.status == Introduction.Status.PENDING
                                  and introduction.to_institution_id in led_ids)
    return render(request, "partners/introduction_list.html", {
        "page": page, "led": led, "may_use": selectors.may_use_directory(request.user),
    })


def _introduction_or_404(request, pk) -> Introduction:
    introduction = selectors.introduction_for(request.user, pk)
    if introduction is None:
        raise Http404("No such introduction.")
    return introduction


@login_required
def introduction(request, pk):
    introduction = _introduction_or_404(request, pk)
    contacts = selectors.introduction_contacts(introduction, request.user)
    party = not request.user.is_staff or introduction.requested_by_id == request.user.pk
    return render(request, "partners/introduction_detail.html", {
        "introduction": introduction, "contacts": contacts,
        "may_answer": selectors.may_answer(request.user, introduction),
        "may_withdraw": (introduction.requested_by_id == request.user.pk
                         and introduction.status == Introduction.Status.PENDING),
        "apply_url": services.apply_together_url(introduction) if party else "",
    })


@login_required
@require_POST
def introduction_answer(request, pk):
    introduction = _introduction_or_404(request, pk)
    if not selectors.institutions_led_by(request.user).filter(
            pk=introduction.to_institution_id).exists():
        raise Http404("No such introduction.")  # only the asked institution's lead answers
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to accept or decline.")
        return redirect(introduction)
    accept = form.cleaned_data["answer"] == "accept"
    try:
        services.introduction_answer(introduction=introduction, actor=request.user,
                                     accept=accept)
    except ValidationError as error:
        if error.code == "forbidden":
            raise Http404("No such introduction.") from error
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Accepted: you now see each other's contact details."
                         if accept else "Declined. Nothing about you was shared.")
    return redirect(introduction)


@login_required
@require_POST
def introduction_withdraw(request, pk):
    introduction = _introduction_or_404(request, pk)
    try:
        services.introduction_withdraw(introduction=introduction, actor=request.user)
    except ValidationError as error:
        if error.code == "forbidden":
            raise Http404("No such introduction.") from error
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your request is withdrawn.")
    return redirect(introduction)


@login_required
def staff_introductions(request):
    """Staff: every introduction made through the directory, newest first."""
    if not request.user.is_staff:
        raise Http404
    status = request.GET.get("status", "")
    queryset = Introduction.objects.select_related(
        "from_institution", "to_institution", "requested_by", "answered_by")
    if status in Introduction.Status.values:
        queryset = queryset.filter(status=status)
    return render(request, "partners/staff_introductions.html", {
        "page": page_of(request, queryset, size=50), "status": status,
        "statuses": Introduction.Status.choices,
    })
