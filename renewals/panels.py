"""The renewal banners on "My portal" (members.hooks.dashboard_panel): the offer to a billing
contact, the grace period and the lapse to everyone on the team; a count for staff."""

from django.conf import settings
from django.utils import timezone

from members.hooks import dashboard_panel
from renewals import selectors


@dashboard_panel(order=5, template="renewals/panel.html")
def renewal_banners(request):
    user = request.user
    if user.is_staff:
        count = selectors.staff_attention_count()
        return {"staff_count": count} if count else None
    renewals = selectors.renewals_for_banner(user)
    if not renewals:
        return None
    return {"renewals": renewals, "today": timezone.localdate(),
            "grace_days": settings.RENEWAL_GRACE_DAYS}
