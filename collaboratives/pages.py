"""The pages that compose several domains, the top layer of the app: the list of collaboratives
(with each one's next convening), a collaborative's home (phases, convenings, every team's
progress in the current action period, the shared learning, the latest change package) and the
coach's teams across collaboratives. Queries do not grow with the number of teams."""


from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from collaboratives.convenings import selectors as convenings_selectors
from collaboratives.convenings.models import RSVP, Convening
from collaboratives.cycles import selectors as cycles_selectors
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.models import Enrollment
from collaboratives.programme.web import collaborative_or_404, page_context, paginate


def _next_convening_start(now):
    """Each collaborative's next scheduled convening (for ``next_convening_at``)."""
    return Subquery(
        Convening.objects.filter(collaborative=OuterRef("pk"), status=Convening.Status.SCHEDULED,
                                 starts_at__gt=now).order_by("starts_at").values("starts_at")[:1])


@login_required
def collaborative_list(request):
    collaboratives = (programme_selectors.collaboratives_visible_to(request.user)
                      .annotate(next_convening_at=_next_convening_start(timezone.now()))
                      .order_by("-start", "name"))
    return render(request, "collaboratives/collaborative_list.html", {
        "page": paginate(request, collaboratives),
        "coaches_any": Enrollment.objects.filter(coach=request.user).exists(),
        "today": timezone.localdate(),
    })


@login_required
def collaborative_home(request, slug):
    """Phase timeline, convenings, and each team's progress in the current action period.
    The number of queries does not grow with the number of teams."""
    collaborative, viewer = collaborative_or_404(request, slug)
    now = timezone.now()
    period = cycles_selectors.current_action_period(collaborative)
    convenings = list(convenings_selectors.convenings_of(collaborative).order_by("starts_at", "pk"))
    upcoming = [c for c in convenings if not c.is_cancelled and c.starts_at > now]
    next_convening = upcoming[0] if upcoming else None
    my_rsvp = (RSVP.objects.filter(convening=next_convening, user=request.user).first()
               if next_convening else None)
    own_team_ids = viewer.my_team_ids | viewer.coached_team_ids
    own_enrollments = (Enrollment.objects.filter(collaborative=collaborative,
                                                 team_id__in=own_team_ids)
                       .select_related("collaborative", "team").order_by("team__name"))
    progress = paginate(request, cycles_selectors.team_progress(collaborative, period), size=25)
    return render(request, "collaboratives/collaborative_detail.html", page_context(
        collaborative, viewer,
        phases=list(collaborative.phases.all()),
        convenings=convenings,
        next_convening=next_convening,
        my_rsvp=my_rsvp,
        period=period,
        progress=progress,
        behind_count=cycles_selectors.teams_behind_count(collaborative, period),
        team_count=progress.paginator.count,
        learning=list(cycles_selectors.shared_cycles(request.user, collaborative, viewer)[:5]),
        own_enrollments=own_enrollments,
        latest_package=collaborative.change_packages.filter(status="published")
        .order_by("-version").first(),
    ))


@login_required
def coach_teams(request):
    """The coach's view: every team they coach, across collaboratives."""
    if not programme_selectors.is_coach(request.user):
        raise Http404
    teams = cycles_selectors.coached_teams(request.user)
    return render(request, "collaboratives/coach_teams.html", {
        "page": paginate(request, teams), "today": timezone.localdate()})
