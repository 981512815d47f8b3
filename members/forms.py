from django import forms
from django.utils.translation import ngettext

from core.money import format_usd
from core.once import OnceForm  # creating forms: posted twice, they save once
from core.usstates import US_STATES
from members import hooks
from members.models import Institution, MembershipApplication, Role, Tier, User
from members.names import institution_name_validate
from members.services import InstitutionData


class InstitutionForm(forms.Form):
    name = forms.CharField(max_length=200, label="Institution name")
    kind = forms.ChoiceField(choices=Institution.Kind.choices, widget=forms.RadioSelect,
                             label="Kind of institution")
    city = forms.CharField(max_length=100)
    state = forms.ChoiceField(choices=[("", "Choose a state"), *US_STATES], label="US state")
    website = forms.URLField(required=False, assume_scheme="https")
    nces_id = forms.CharField(
        max_length=12, required=False, label="NCES or IPEDS id",
        help_text="Your NCES district id, or your college's IPEDS unit id.",
    )

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_required = required
        if not required:
            for name, field in self.fields.items():
                # Required once a partner is named; not marked "(optional)" on the page.
                field.conditional = name in ("name", "kind", "city", "state")
                field.required = False

    def clean_name(self):
        """Stored cleaned (invisible characters out, one space between words); a name with no
        letter or digit is refused here, next to the field."""
        name = self.cleaned_data.get("name", "")
        return institution_name_validate(name) if name else name

    def has_content(self):
        return any((self.data.get(self.add_prefix(name)) or "").strip()
                   for name in ("name", "city"))

    def ignore(self):
        """Keep what was typed (to show it again) but check none of it: a single institution's
        application ignores the partner section."""
        self.ignored = True

    def full_clean(self):
        if getattr(self, "ignored", False) or (not self.is_required and not self.has_content()):
            self.cleaned_data = {}
            self._errors = forms.utils.ErrorDict()
            return
        if not self.is_required:
            for name in ("name", "kind", "city", "state"):
                self.fields[name].required = True
        super().full_clean()

    def to_data(self) -> InstitutionData:
        return InstitutionData(**self.cleaned_data)


class ApplicationForm(OnceForm):
    WAITLIST, OTHER_TIER = "waitlist", "other"

    kind = forms.ChoiceField(
        choices=MembershipApplication.Kind.choices, widget=forms.RadioSelect,
        initial=MembershipApplication.Kind.SINGLE, label="We apply as",
    )
    requested_tier = forms.ModelChoiceField(
        queryset=Tier.objects.all(), widget=forms.RadioSelect, empty_label=None,
        label="Membership tier",
    )
    closed_tier_choice = forms.ChoiceField(
        choices=[(WAITLIST, "Put us on the waitlist for the tier we chose"),
                 (OTHER_TIER, "Apply for a tier that is open now")],
        widget=forms.RadioSelect, required=False,
        label="If the tier you choose is closed for this cohort",
    )
    problem_of_practice = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text="The problem your team wants to improve, e.g. chronic absenteeism.",
    )
    contact_name = forms.CharField(max_length=120, label="Name")
    contact_title = forms.CharField(max_length=120, required=False, label="Title")
    contact_email = forms.EmailField(label="Email")
    contact_phone = forms.CharField(max_length=30, required=False, label="Phone")
    billing_name = forms.CharField(max_length=120, label="Billing contact name")
    billing_email = forms.EmailField(label="Billing contact email")
    billing_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
                                      label="Billing address")
    pays_by_po = forms.BooleanField(required=False, label="We pay by purchase order")
    po_number = forms.CharField(max_length=60, required=False,
                                label="Purchase order number (if you have one)")
    commitment_accepted = forms.BooleanField(
        label="We accept the membership's commitment, invoiced once a year."
    )

    def __init__(self, *args, fees=None, **kwargs):
        """``fees``: the fee schedule in force (or None), so the form says what membership
        costs and how long the commitment is, from data rather than code."""
        super().__init__(*args, **kwargs)
        years = fees.commitment_years if fees is not None else hooks.commitment_years()
        self.fields["commitment_accepted"].label = ngettext(
            "We commit to %(years)d year of membership, invoiced once a year.",
            "We commit to %(years)d years of membership, invoiced once a year.",
            years) % {"years": years}
        if fees is not None:
            Kind = MembershipApplication.Kind
            self.fields["kind"].choices = [
                (Kind.SINGLE, f"{Kind.SINGLE.label}: {format_usd(fees.institution_fee)} a year"),
                (Kind.PARTNERSHIP,
                 f"{Kind.PARTNERSHIP.label}: {format_usd(fees.partnership_fee)} a year"),
            ]
        tiers = list(Tier.objects.all())
        self.fields["requested_tier"].queryset = Tier.objects.all()
        self.fields["requested_tier"].label_from_instance = (
            lambda t: t.name if t.enrollment_open else f"{t.name} (enrollment closed: waitlist)"
        )
        self.any_tier_closed = any(not t.enrollment_open for t in tiers)
        self.open_tiers = [t for t in tiers if t.enrollment_open]

    def clean(self):
        data = super().clean()
        tier = data.get("requested_tier")
        if tier and not tier.enrollment_open:
            choice = data.get("closed_tier_choice")
            if not choice:
                self.add_error(
                    "requested_tier",
                    f"Enrollment in {tier.name} is closed for this cohort. Choose below whether "
                    "to join its waitlist or to apply for a tier that is open now.",
                )
            elif choice == self.OTHER_TIER:
                if not self.open_tiers:
                    self.add_error("closed_tier_choice", "No tier is open right now; "
                                   "please choose the waitlist.")
                else:
                    data["requested_tier"] = self.open_tiers[0]
        if data.get("pays_by_po") is False and data.get("po_number"):
            data["pays_by_po"] = True
        return data

    @property
    def join_waitlist(self):
        return self.cleaned_data.get("closed_tier_choice") == self.WAITLIST


class DecisionForm(forms.Form):
    """The note staff send with an approval or a waitlisting (optional)."""

    reason = forms.CharField(label="Reason (optional, sent to the applicant)", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RejectionForm(forms.Form):
    reason = forms.CharField(label="Reason (required, sent to the applicant)",
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             error_messages={"required": "Say why, for the applicant and the "
                                                         "record."})


# Roles a lead gives (the lead role is handed over, not chosen), labelled as a list shows them:
# "Team member", where sentences say "a team member".
GIVEN_ROLES = [(value, label[:1].upper() + label[1:]) for value, label in Role.choices
               if value != Role.LEAD]


class InviteForm(OnceForm):
    name = forms.CharField(max_length=120)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=GIVEN_ROLES, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=GIVEN_ROLES)


class BillingContactMemberForm(forms.Form):
    """Add someone on the team as a billing contact (they then see the invoices in the portal)."""

    user = forms.ModelChoiceField(queryset=None, label="Team member",
                                  empty_label="Choose a team member",
                                  error_messages={"required": "Choose a team member.",
                                                  "invalid_choice": "Choose someone who is on "
                                                                    "the team now."})

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people if people is not None else User.objects.none()
        self.fields["user"].label_from_instance = (
            lambda u: u.email if u.display_name == u.email else f"{u.display_name} ({u.email})")


class BillingContactAddressForm(forms.Form):
    """Add an outside address, such as accounts payable: it gets the emails, not the portal."""

    name = forms.CharField(max_length=120, help_text="For example “Accounts payable”.",
                           error_messages={"required": "Give a name, such as “Accounts payable”."})
    email = forms.EmailField(label="Email address",
                             error_messages={"required": "Give the address the invoices go to."})


# --- People: names, sign-in and sign-up, the account page -----------------------------------------
NAME_HELP = "As you would like colleagues to see it, accents and all."


def _name_fields(form):
    form.fields["first_name"] = forms.CharField(
        label="Given name", max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": "Enter your given name."})
    form.fields["last_name"] = forms.CharField(
        label="Family name", max_length=150, help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={"required": "Enter your family name."})


def name_fields_add(form):
    """The given and family name fields, as every form that asks for a name shows them."""
    _name_fields(form)


def names_tidy(data: dict, fields=("first_name", "last_name", "job_title")) -> dict:
    """Runs of spaces (and tabs, newlines) in a name become one space."""
    for field in fields:
        if isinstance(data.get(field), str):
            data[field] = " ".join(data[field].split())
    return data


class PersonNameForm(forms.ModelForm):
    """Given and family name (both required) and, optionally, a job title."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "job_title"]

    def __init__(self, *args, with_title=True, **kwargs):
        super().__init__(*args, **kwargs)
        _name_fields(self)
        if with_title:
            self.fields["job_title"].help_text = "For example “Director of student services”."
        else:
            del self.fields["job_title"]

    def clean(self):
        return names_tidy(super().clean())


class EmailPreferenceForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email_nudges"]
        labels = {"email_nudges": "Send me action-period nudges and digests"}

