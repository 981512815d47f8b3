"""IHI's Assessment Scale for Collaboratives (Breakthrough Series), its nine levels with their
published titles and descriptions, as data."""

from decimal import Decimal

from django.db import migrations

LEVELS = [
    ("1.0", "Forming team",
     "Team has been formed; target population identified; aim determined and baseline "
     "measurement begun."),
    ("1.5", "Planning for the project has begun",
     "Team is meeting, discussion is occurring. Plans for the project have been made."),
    ("2.0", "Activity, but no changes",
     "Team actively engaged in development, research, discussion but no changes have been "
     "tested."),
    ("2.5", "Changes tested, but no improvement",
     "Components of the model being tested but no improvement in measures. Data on key "
     "measures are being reported."),
    ("3.0", "Modest improvement",
     "Initial test cycles have been completed and implementation begun for several "
     "components. Evidence of moderate improvement in process measures."),
    ("3.5", "Improvement",
     "Some improvement in outcome measures, process measures continuing to improve, PDSA test "
     "cycles on all components of the change package, changes implemented for many "
     "components of the change package."),
    ("4.0", "Significant improvement",
     "Most components of the change package implemented for the population of focus. "
     "Evidence of sustained improvement in outcome measures, halfway toward accomplishing all "
     "of the goals. Plans for spreading the improvement are in place."),
    ("4.5", "Sustainable improvement",
     "Sustained improvement in outcome measures (at least 75% of goals achieved), spread to a "
     "larger population has begun."),
    ("5.0", "Outstanding sustainable results",
     "All change package components implemented, all goals of the aim have been accomplished, "
     "outcome measures at national benchmark levels, and spread to another population is "
     "under way."),
]


def load(apps, schema_editor):
    level = apps.get_model("rhythm", "ProgressLevel")
    for score, title, description in LEVELS:
        level.objects.update_or_create(score=Decimal(score),
                                       defaults={"title": title, "description": description})


def unload(apps, schema_editor):
    apps.get_model("rhythm", "ProgressLevel").objects.filter(
        score__in=[Decimal(s) for s, _, _ in LEVELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("rhythm", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
