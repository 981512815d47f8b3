"""Services for people: their names and email preferences (the account page and name page)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import User
from members.names import person_name_split


def user_name_fill(user: User, full_name: str) -> None:
    """An account with no name yet takes the one the Center was given for it."""
    if user.first_name or user.last_name:
        return
    given, family = person_name_split(full_name)
    if given:
        user.first_name, user.last_name = given, family
        user.save(update_fields=["first_name", "last_name"])


@transaction.atomic
def user_name_save(*, user: User, first_name: str, last_name: str,
                   job_title: str | None = None) -> User:
    """A person's given and family name (and job title, when the form shows it)."""
    first_name, last_name = first_name.strip(), last_name.strip()
    errors = {field: ["Enter your given name." if field == "first_name" else
                      "Enter your family name."]
              for field, value in (("first_name", first_name), ("last_name", last_name))
              if not value}
    if errors:
        raise ValidationError(errors)
    user.first_name, user.last_name = first_name, last_name
    fields = ["first_name", "last_name"]
    if job_title is not None:
        user.job_title = job_title.strip()
        fields.append("job_title")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def user_email_preferences_save(*, user: User, nudges: bool) -> User:
    user.email_nudges = nudges
    user.save(update_fields=["email_nudges"])
    return user
