"""Forms about convenings: an RSVP, and the reason given when one is cancelled."""

from django import forms

from collaboratives.convenings.models import RSVP, Convening
from collaboratives.programme.forms import text
from core.once import OnceForm  # creating forms: posted twice, they save once


class RSVPForm(OnceForm):
    response = forms.ChoiceField(choices=RSVP.Response.choices, widget=forms.RadioSelect,
                                 label="Your answer")


class ReasonForm(forms.Form):
    reason = text(Convening, "cancellation_reason", required=False,
                  help_text="Included in the notice to members.")
