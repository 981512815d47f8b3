"""Give accounts without a name the one the Center already holds for them: the contact name of
an application whose contact email is the account's address (newest first), else the name an
accepted invitation gave them. Accounts still without one are asked at their next sign-in."""

from django.db import migrations

from members.names import person_name_split


def names_fill(apps, schema_editor):
    User = apps.get_model("members", "User")
    Application = apps.get_model("members", "MembershipApplication")
    Invitation = apps.get_model("members", "Invitation")
    for user in User.objects.filter(first_name="", last_name="").iterator():
        contact = (Application.objects.filter(contact_email__iexact=user.email)
                   .exclude(contact_name="").order_by("-created_at", "-pk")
                   .values_list("contact_name", flat=True).first())
        invited = (Invitation.objects.filter(accepted_by=user).exclude(name="")
                   .order_by("-created_at", "-pk").values_list("name", flat=True).first())
        given, family = person_name_split(contact or invited or "")
        if given:
            User.objects.filter(pk=user.pk).update(first_name=given, last_name=family)


class Migration(migrations.Migration):
    dependencies = [("members", "0008_user_job_title")]

    operations = [migrations.RunPython(names_fill, migrations.RunPython.noop, elidable=True)]
