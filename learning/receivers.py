"""What the learning app does when members announces something (members.signals)."""

from django.dispatch import receiver

from learning import services
from members.signals import team_member_joined


@receiver(team_member_joined, dispatch_uid="learning.enrol_new_team_member")
def enrol_new_team_member(sender, member, **kwargs):
    """Everyone who joins an improvement team starts the introductory course."""
    services.team_member_enroll(member=member)
