"""The collaboratives app's models, as Django finds them.

The app is split by domain into sub-packages (``programme``, ``convenings``, ``cycles``,
``measures``, ``changepackages``); each owns its models. Django loads ``<app>.models``, so this
module only imports them: that registers every model under the one app label
``collaboratives`` (tables, migrations and URL names stay as they were). Nothing is defined here;
import a model from its sub-package.

The migrations refer to four helpers by this module's path (``collaboratives.models.TextLimit``
and the rest): they are re-exported below so the migrations keep loading unchanged."""

from collaboratives.changepackages.models import ChangePackage, ChangePackageEntry
from collaboratives.convenings.models import (
    RSVP,
    CalendarToken,
    Convening,
    ReminderLog,
    new_calendar_token,
)
from collaboratives.cycles.models import (
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    CycleAttachment,
    CycleComment,
    PDSACycle,
    PrimaryDriver,
    TeamAim,
)
from collaboratives.measures.models import (
    AstronomicalPoint,
    Measure,
    MeasurePhase,
    MeasureValue,
    TeamMeasure,
)
from collaboratives.programme.models import (
    Collaborative,
    Enrollment,
    GradeBand,
    Locale,
    Phase,
    TextLimit,
    coach_choices,
    validate_slug_not_reserved,
)

__all__ = [
    "RSVP", "ActionPeriod", "AstronomicalPoint", "CalendarToken", "ChangeIdea", "ChangePackage",
    "ChangePackageEntry", "CoachingCall", "Collaborative", "Convening", "CycleAttachment",
    "CycleComment", "Enrollment", "GradeBand", "Locale", "Measure", "MeasurePhase",
    "MeasureValue", "PDSACycle", "Phase", "PrimaryDriver", "ReminderLog", "TeamAim",
    "TeamMeasure",
    # referred to by the migrations
    "TextLimit", "coach_choices", "new_calendar_token", "validate_slug_not_reserved",
]
