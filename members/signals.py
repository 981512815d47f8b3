"""What members announces to the apps above it (members imports no other app).

Each signal is sent after the transaction that made the change commits, with the row as a
keyword argument. Receivers are connected in the receiving app's ``AppConfig.ready()``; to see
what happens on an event, search for the signal's name.
"""

from django.dispatch import Signal

#: An application was approved and its membership created. Sent once, after commit, with
#: ``membership=`` (a ``members.Membership``). Billing issues the year-1 invoice
#: (``billing.receivers``). The welcome email is queued before this is sent.
membership_approved = Signal()

#: A person took a place on an improvement team: the lead when the membership is approved, an
#: invitee when they accept. Sent once per new place, after commit, with ``member=`` (a
#: ``members.TeamMember``). The learning app enrols them in the introductory course
#: (``learning.receivers``).
team_member_joined = Signal()
