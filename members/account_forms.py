"""allauth's sign-in and sign-up forms in the portal's words (settings.ACCOUNT_FORMS)."""

from allauth.account import forms as allauth_forms
from allauth.core import context as allauth_context

from members.forms import name_fields_add, names_tidy
from members.names import person_name_split


def _drop_placeholders(form):
    # Labels sit above every field; a placeholder repeating them only gets in the way.
    for field in form.fields.values():
        field.widget.attrs.pop("placeholder", None)


RULES_HELP = "At least 8 characters; not a common password, your name or only digits."


def _password_copy(form, new=""):
    """Short, plain password labels and help (Django's validators list four bullet points)."""
    form.fields["password1"].label = f"{new}password".capitalize()
    form.fields["password1"].help_text = RULES_HELP
    form.fields["password1"].error_messages["required"] = f"Choose a {new}password."
    form.fields["password2"].label = f"{new}password again".capitalize()
    form.fields["password2"].error_messages["required"] = f"Type the {new}password again."


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        self.fields["login"].label = "Email address"
        self.fields["login"].error_messages["required"] = "Enter your email address."
        self.fields["password"].error_messages["required"] = "Enter your password."
        self.fields["password"].help_text = ""  # the page links "Forgot your password?" once
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"


class SignupForm(allauth_forms.SignupForm):
    """Asks for the person's given and family name; allauth's adapter stores them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_add(self)
        _drop_placeholders(self)
        self.fields["email"].label = "Work email address"
        self.fields["email"].help_text = "Use your work email: your Center invitations go there."
        self.fields["email"].error_messages["required"] = "Enter your work email address."
        _password_copy(self)
        self.order_fields(["first_name", "last_name", "email", "password1", "password2"])
        # Arriving from a team invitation: the name the lead typed is the first guess.
        request = getattr(allauth_context, "request", None)
        invited = request.session.get("invited_name", "") if request is not None else ""
        if invited and not self.is_bound:
            given, family = person_name_split(invited)
            self.initial.setdefault("first_name", given)
            self.initial.setdefault("last_name", family)

    def clean(self):
        return names_tidy(super().clean(), fields=("first_name", "last_name"))


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        self.fields["oldpassword"].label = "Current password"
        self.fields["oldpassword"].help_text = ""
        _password_copy(self, "new ")


class SetPasswordForm(allauth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        _password_copy(self)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        self.fields["email"].label = "Email address"


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        _password_copy(self, "new ")


class AddEmailForm(allauth_forms.AddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drop_placeholders(self)
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "Use your work email: your Center invitations go there."
