"""Institution.name_key becomes a plain column that Python computes (members.names).

The generated column compared SQLite's LOWER(), which folds only A-Z, with Python's lower-casing,
so "ÑANDÚ" and "Ñandú" were two institutions on SQLite. A generated field cannot be altered into
a normal one: it is removed, added back as a column, filled in Python and indexed.
"""

from django.db import migrations, models

from members.names import institution_name_key


def compute_keys(apps, schema_editor):
    # The live function, on purpose: after every migration has run, stored keys are what the code
    # computes. A later change of the rules adds a migration that runs this again. A stored name
    # with no letter or digit (the form never allowed one) gets a key no other name can have.
    Institution = apps.get_model("members", "Institution")
    rows = [Institution(pk=pk, name_key=institution_name_key(name) or f"#{pk}")
            for pk, name in Institution.objects.values_list("pk", "name")]
    Institution.objects.bulk_update(rows, ["name_key"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0004_billing_contacts"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="institution", name="members_ins_name_ke_fa60b3_idx"),
        migrations.RemoveField(model_name="institution", name="name_key"),
        migrations.AddField(
            model_name="institution",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(compute_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="institution",
            index=models.Index(fields=["name_key", "state"], name="institution_name_key_state"),
        ),
        migrations.AddConstraint(
            model_name="institution",
            constraint=models.CheckConstraint(
                condition=models.Q(("name_key", ""), _negated=True),
                name="institution_has_name_key",
                violation_error_message="The institution's name needs letters or digits.",
            ),
        ),
    ]
