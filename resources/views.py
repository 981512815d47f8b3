from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from core.files import private_file_response
from core.forms import service_errors_show
from core.once import submit_once
from core.pagination import page_of
from core.uploads import IdentifiersFound, upload_hold_on_form, upload_source
from resources import selectors, services
from resources.forms import NO_STUDENT_DATA, LibrarySearchForm, ResourceFileForm
from resources.models import Resource

PAGE_SIZE = 20


def library(request):
    """The library: search, filter by tag and kind, paged. Everyone sees what is public;
    members see what their membership gives them (``resources_visible_to``)."""
    tags = selectors.tags_by_kind()
    form = LibrarySearchForm(request.GET or None, tags=tags)
    resources = selectors.resources_visible_to(request.user)
    if form.is_bound and form.is_valid():
        resources = selectors.resources_filter(resources, tags=form.chosen_tags(),
                                               kind=form.cleaned_data.get("kind", ""))
        resources = selectors.resources_search(resources, form.cleaned_data.get("q", ""))
    page = page_of(request, resources.for_list(), size=PAGE_SIZE)
    return render(request, "resources/library.html", {
        "form": form, "page": page, "searching": form.active,
        "in_network": selectors.in_network(request.user),
    })


def _visible(request, pk) -> Resource:
    return get_object_or_404(selectors.resources_visible_to(request.user).for_list(), pk=pk)


def detail(request, pk):
    return render(request, "resources/resource_detail.html", {"resource": _visible(request, pk)})


def download(request, pk):
    """Serves a file to whoever may see the resource, and to nobody else (404)."""
    resource = _visible(request, pk)
    if resource.kind != Resource.Kind.FILE or not resource.file_path:
        raise Http404("This resource is not a file.")
    content_type = services.content_type_of(resource)
    return private_file_response(
        resource.file_path, filename=resource.original_name, content_type=content_type,
        as_attachment=not content_type.startswith("image/"),
        missing="The file is missing from storage.", cache_control="private, max-age=0")


@login_required
def upload(request):
    """Staff add a file. The file is checked and scanned; if the scan finds what looks like
    student identifiers, the file is held and the page asks the uploader to confirm."""
    if not request.user.is_staff:
        raise Http404
    findings, held = [], None
    if request.method == "POST":
        form = ResourceFileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            source = upload_source(data["file"], data["held"], owner_id=request.user.pk)
            if source is None:
                form.add_error("file", "Choose the file to add.")
            else:
                upload, name, held = source

                def create():
                    resource = services.resource_file_add(
                        actor=request.user, upload=upload, original_name=name,
                        title=data["title"], summary=data["summary"],
                        visibility=data["visibility"], collaborative=data["collaborative"],
                        tags=list(data["tags"]), listed=data["listed"],
                        no_student_data_confirmed=data["no_student_data_confirmed"])
                    messages.success(request, f"“{resource.title}” is in the library.")
                    return resource

                try:
                    response = submit_once(request, form, create)
                except IdentifiersFound as found:
                    findings = found.findings
                    held = upload_hold_on_form(form, data["file"], owner_id=request.user.pk)
                except ValidationError as error:
                    service_errors_show(form, error)
                else:
                    if held is not None:
                        default_storage.delete(held.path)
                    return response
                finally:
                    if source[2] is not None:
                        upload.close()
    else:
        form = ResourceFileForm()
    return render(request, "resources/resource_upload.html", {
        "form": form, "findings": findings, "held": held, "no_student_data": NO_STUDENT_DATA,
    }, status=400 if form.is_bound else 200)
