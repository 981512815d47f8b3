"""Demo data for `make run`: the resource library's tags and some fifteen resources, of every
kind and visibility, a few of them new this month."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from collaboratives.models import ChangePackage, Collaborative
from members.models import User
from resources import services
from resources.models import Resource, Tag

TAGS = {
    Tag.Kind.PROBLEM: ["Chronic absenteeism", "Math for students with disabilities",
                       "School improvement planning", "Ninth-grade on-track"],
    Tag.Kind.METHOD: ["PDSA", "Driver diagram", "Run chart", "Empathy interview",
                      "Fishbone diagram", "Process map"],
    Tag.Kind.AUDIENCE: ["Team leads", "Data analysts", "Sponsors", "Classroom teachers",
                        "Improvement coaches"],
}

# A one-page PDF (text drawn with a built-in font), so the demo's file downloads open.
WORKSHEET_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 88>>stream\nBT /F1 18 Tf 72 720 Td (PDSA cycle worksheet: Plan, Do, "
    b"Study, Act) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n")
RUN_CHART_CSV = (b"Week,Percent of students chronically absent\n2026-09-07,24.1\n2026-09-14,23.8\n"
                 b"2026-09-21,22.9\n2026-09-28,21.7\n")

# (title, kind, visibility, tags, days ago, summary, url or file)
RESOURCES = [
    ("Improvement science in one page", "link", "public", ["PDSA", "Sponsors"], 200,
     "The three questions of the Model for Improvement and the PDSA cycle, on one page for "
     "board members and sponsors.", "https://ncsup.example.org/guides/improvement-one-page"),
    ("Running your first PDSA cycle", "link", "members",
     ["PDSA", "Chronic absenteeism", "Team leads"], 3,
     "A worked example: texting families after a first absence, from prediction to the "
     "decision to adapt.", "https://ncsup.example.org/guides/first-pdsa"),
    ("PDSA cycle worksheet", "file", "members", ["PDSA", "Classroom teachers"], 5,
     "A printable worksheet for planning a cycle: change idea, question, prediction, the "
     "data you will collect.", ("pdsa-cycle-worksheet.pdf", WORKSHEET_PDF)),
    ("Run chart template", "file", "members", ["Run chart", "Data analysts"], 12,
     "A CSV with weekly rates to start a run chart from; replace the sample values with your "
     "school's aggregate rate.", ("run-chart-template.csv", RUN_CHART_CSV)),
    ("Reading a run chart: shifts, trends and astronomical points", "link", "members",
     ["Run chart", "Data analysts", "Improvement coaches"], 40,
     "The four run-chart rules with examples from attendance data, and what not to conclude "
     "from a single point.", "https://ncsup.example.org/guides/run-chart-rules"),
    ("Building a driver diagram for chronic absenteeism", "link", "members",
     ["Driver diagram", "Chronic absenteeism", "Team leads"], 60,
     "From aim to primary and secondary drivers to change ideas, with the diagram the first "
     "collaborative used.", "https://ncsup.example.org/guides/driver-diagram-attendance"),
    ("Empathy interviews with families", "link", "members",
     ["Empathy interview", "Chronic absenteeism", "Classroom teachers"], 8,
     "How to ask families about mornings, transport and illness without blame; a protocol "
     "and a note-taking sheet.", "https://ncsup.example.org/guides/empathy-interviews"),
    ("Fishbone diagrams for ninth-grade course failure", "link", "members",
     ["Fishbone diagram", "Ninth-grade on-track"], 90,
     "A facilitation guide for a root-cause session with ninth-grade teams.",
     "https://ncsup.example.org/guides/fishbone-ninth-grade"),
    ("Mapping the attendance-intervention process", "link", "members",
     ["Process map", "Chronic absenteeism", "Data analysts"], 120,
     "Who does what between the third absence and a home visit: a process map to find "
     "delays.", "https://ncsup.example.org/guides/process-map-attendance"),
    ("Co-teaching routines for math with students with disabilities", "link", "members",
     ["Math for students with disabilities", "Classroom teachers"], 15,
     "Five routines special and general educators tested together, with what they measured.",
     "https://ncsup.example.org/guides/co-teaching-math"),
    ("School improvement planning with improvement science", "link", "members",
     ["School improvement planning", "Sponsors", "Team leads"], 150,
     "Turning a state-required school improvement plan into a set of testable aims and "
     "changes.", "https://ncsup.example.org/guides/sip-improvement-science"),
    ("Coaching call agenda and notes template", "link", "tier2",
     ["Improvement coaches", "Team leads"], 20,
     "The agenda coaches use on monthly calls: data first, cycles second, barriers third.",
     "https://ncsup.example.org/tier2/coaching-call-agenda"),
    ("Webinar recording: measuring chronic absenteeism well", "recording", "members",
     ["Chronic absenteeism", "Data analysts", "Run chart"], 2,
     "Sixty minutes on operational definitions, enrolment churn and why a rate beats a count.",
     "https://ncsup.example.org/recordings/measuring-absenteeism"),
    ("Webinar recording: sponsors and the improvement team", "recording", "members",
     ["Sponsors"], 75,
     "A superintendent and a dean on what sponsors do between convenings.",
     "https://ncsup.example.org/recordings/sponsors"),
    ("Collaborative baseline data guide", "link", "collaborative",
     ["Chronic absenteeism", "Run chart", "Data analysts"], 25,
     "How this collaborative's teams agreed to measure their baseline, for participants only.",
     "https://ncsup.example.org/collaborative/baseline-guide"),
]


def ensure(*, staff: User) -> None:
    """Idempotent: adds the tags and resources that are missing (by title)."""
    for kind, names in TAGS.items():
        for position, name in enumerate(names):
            Tag.objects.get_or_create(kind=kind, slug=name.lower().replace(" ", "-"),
                                      defaults={"name": name, "position": position})
    tags = {tag.name: tag for tag in Tag.objects.all()}
    collaborative = Collaborative.objects.order_by("pk").first()
    now = timezone.now()
    for title, kind, visibility, tag_names, days, summary, target in RESOURCES:
        if Resource.objects.filter(title=title).exists():
            continue
        if visibility == "collaborative" and collaborative is None:
            continue
        chosen = [tags[name] for name in tag_names]
        if kind == "file":
            name, content = target
            path = default_storage.save(f"resources/files/demo-{name}", ContentFile(content))
            resource = Resource(file_path=path, original_name=name, file_size=len(content))
        else:
            resource = Resource(url=target)
        resource.title, resource.kind, resource.visibility = title, kind, visibility
        resource.summary, resource.published_at = summary, now - timedelta(days=days)
        resource.collaborative = collaborative if visibility == "collaborative" else None
        services.resource_save(resource=resource, actor=staff, tags=chosen)
    package = ChangePackage.objects.filter(status=ChangePackage.Status.PUBLISHED).first()
    if package is not None and not Resource.objects.filter(change_package=package).exists():
        services.resource_save(resource=Resource(
            title=package.title, kind=Resource.Kind.CHANGE_PACKAGE, change_package=package,
            summary="The change ideas the collaborative's teams adopted, with their evidence.",
            visibility=Resource.Visibility.MEMBERS), actor=staff, tags=[tags["PDSA"]])
