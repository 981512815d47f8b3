"""The change package: members of the collaborative read its published versions (page and PDF);
staff and the collaborative's coaches compile the draft and publish it. Anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from collaboratives.changepackages import selectors, services
from collaboratives.changepackages.forms import ChangePackageForm, EntryAddForm, EntryCommentaryForm
from collaboratives.changepackages.models import ChangePackage
from collaboratives.cycles.models import ChangeIdea
from collaboratives.programme.selectors import in_network
from collaboratives.programme.web import collaborative_or_404, page_context, posted_id
from core.files import stored_pdf_response
from core.forms import service_errors_show
from core.once import submit_once


@login_required
def change_package_list(request, slug):
    """The latest published version first, then the earlier ones (and the draft, for those who
    compile it)."""
    collaborative, viewer = collaborative_or_404(request, slug)
    packages = list(selectors.packages_visible_to(request.user, collaborative)
                    .order_by("-version"))
    published = [p for p in packages if p.is_published]
    return render(request, "collaboratives/changepackage_list.html", page_context(
        collaborative, viewer, published=published,
        draft=next((p for p in packages if not p.is_published), None),
        may_compile=selectors.may_compile(request.user, collaborative)))


@login_required
def change_package_detail(request, slug, version):
    collaborative, viewer = collaborative_or_404(request, slug)
    package = get_object_or_404(selectors.packages_visible_to(request.user, collaborative),
                                version=version)
    return render(request, "collaboratives/changepackage_detail.html", page_context(
        collaborative, viewer, package=package,
        entries=selectors.entries_for_page(package, size="small"),
        may_compile=selectors.may_compile(request.user, collaborative)))


@login_required
def change_package_pdf(request, slug, version):
    """The stored PDF of a published version, for people who may read the collaborative."""
    collaborative, _ = collaborative_or_404(request, slug)
    package = get_object_or_404(selectors.published_of(collaborative), version=version)
    return stored_pdf_response(package.pdf_path, package.pdf_filename,
                               missing="The PDF of this version is being prepared.")


def _draft_page(request, collaborative, viewer, draft, *, forms=None, status=200):
    forms = forms or {}
    candidates = selectors.candidates(collaborative)
    entries = selectors.entries_for_page(draft, with_charts=False) if draft else []
    included = {item["entry"].change_idea_id for item in entries}
    open_ideas = [(idea, evidence) for idea, evidence in candidates if idea.pk not in included]
    context = {"draft": draft, "entries": entries, "candidates": open_ideas}
    if draft:
        context["package_form"] = forms.get("package") or ChangePackageForm(
            initial={"title": draft.title, "introduction": draft.introduction})
        context["add_form"] = forms.get("add") or EntryAddForm(
            ideas=ChangeIdea.objects.filter(pk__in=[i.pk for i, _ in open_ideas]))
        for item in entries:
            item["form"] = EntryCommentaryForm(
                initial={"commentary": item["entry"].commentary},
                prefix=f"entry-{item['entry'].pk}")
    latest = selectors.published_of(collaborative).first()
    return render(request, "collaboratives/changepackage_draft.html", page_context(
        collaborative, viewer, latest=latest, **context), status=status)


@login_required
def change_package_draft(request, slug):
    """Staff and coaches compile the next version: the adopted ideas, each with what the
    evidence says about for whom and under what conditions; then publish it."""
    collaborative, viewer = collaborative_or_404(request, slug)
    if not selectors.may_compile(request.user, collaborative):
        raise Http404
    draft = collaborative.change_packages.filter(status=ChangePackage.Status.DRAFT).first()
    if request.method != "POST":
        return _draft_page(request, collaborative, viewer, draft)
    if "start" in request.POST:
        draft = services.change_package_draft(collaborative=collaborative,
                                                    actor=request.user)
        messages.success(request, f"Version {draft.version} is started.")
        return redirect("collaboratives:change_package_draft", slug)
    if draft is None:
        raise Http404("No draft to change: start a new version first.")
    form, forms = None, {}
    try:
        if "publish" in request.POST:
            package = services.change_package_publish(package=draft, actor=request.user)
            messages.success(request, f"Version {package.version} is published to the "
                                      "collaborative. Its PDF is being prepared.")
            return redirect(package.get_absolute_url())
        if "remove" in request.POST:
            entry = get_object_or_404(draft.entries, pk=posted_id(request, "remove"))
            services.change_package_entry_remove(entry=entry, actor=request.user)
            messages.success(request, f"“{entry.change_idea}” is out of the draft.")
            return redirect("collaboratives:change_package_draft", slug)
        if "save_entry" in request.POST:
            entry = get_object_or_404(draft.entries, pk=posted_id(request, "save_entry"))
            form = EntryCommentaryForm(request.POST, prefix=f"entry-{entry.pk}")
            if form.is_valid():
                services.change_package_entry_update(
                    entry=entry, actor=request.user, commentary=form.cleaned_data["commentary"])
                messages.success(request, f"Saved the notes on “{entry.change_idea}”.")
                return redirect("collaboratives:change_package_draft", slug)
        elif "add" in request.POST:
            candidates = [idea.pk for idea, _ in selectors.candidates(collaborative)]
            forms["add"] = form = EntryAddForm(
                request.POST, ideas=ChangeIdea.objects.filter(
                    primary_driver__collaborative=collaborative, pk__in=candidates))
            if form.is_valid():
                def add_entry():
                    entry = services.change_package_entry_add(
                        package=draft, actor=request.user, **form.cleaned_data)
                    messages.success(request, f"“{entry.change_idea}” is in the draft.")
                    return reverse("collaboratives:change_package_draft", args=[slug])
                return submit_once(request, form, add_entry)
        else:
            forms["package"] = form = ChangePackageForm(request.POST)
            if form.is_valid():
                services.change_package_update(package=draft, actor=request.user,
                                                     **form.cleaned_data)
                messages.success(request, "The title and introduction are saved.")
                return redirect("collaboratives:change_package_draft", slug)
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("collaboratives:change_package_draft", slug)
        service_errors_show(error=error, form=form)
    return _draft_page(request, collaborative, viewer, draft, forms=forms, status=400)


@login_required
def library(request):
    allowed = in_network(request.user)
    packages = []
    if allowed:
        latest = {}
        for package in selectors.published_everywhere():
            latest.setdefault(package.collaborative_id, package)
        packages = list(latest.values())
    return render(request, "collaboratives/library.html",
                  {"packages": packages, "allowed": allowed})


def _library_package(request, pk):
    if not in_network(request.user):
        raise Http404
    return get_object_or_404(selectors.published_everywhere(), pk=pk)


@login_required
def library_package(request, pk):
    package = _library_package(request, pk)
    return render(request, "collaboratives/library_package.html", {
        "package": package, "collaborative": package.collaborative,
        "entries": selectors.entries_for_page(package, size="small"),
    })


@login_required
def library_pdf(request, pk):
    package = _library_package(request, pk)
    return stored_pdf_response(package.pdf_path, package.pdf_filename,
                               missing="The PDF of this version is being prepared.")
