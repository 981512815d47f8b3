from django import forms

from core.money import format_usd
from core.once import OnceForm  # accepting issues an invoice: posted twice, it issues one
from members.models import Tier
from renewals.models import Renewal
from renewals.services import DETAILS_MAX


class AcceptForm(OnceForm):
    years = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Renew for")
    tier = forms.ModelChoiceField(queryset=Tier.objects.none(), empty_label=None,
                                  label="Membership tier",
                                  help_text="Keep your tier, or change it from the new term.")

    def __init__(self, *args, renewal: Renewal, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        fee, years = renewal.annual_fee, renewal.commitment_years
        choices = [(1, f"One year: {format_usd(fee)}")]
        if years > 1:
            choices.append((years, f"Another {years}-year commitment: {format_usd(fee)} a year, "
                                   f"{format_usd(fee * years)} in all"))
        self.fields["years"].choices = choices
        self.fields["tier"].queryset = tiers
        self.initial.setdefault("years", years)
        self.initial.setdefault("tier", renewal.membership.tier_id)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"),
                                        *Renewal.DeclineReason.choices],
                               label="Why are you not renewing?")
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=DETAILS_MAX, label="Anything you would like us to know",
                              help_text="Required when you choose “Another reason”.")
