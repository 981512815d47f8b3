"""Demo data for the learning app: the introductory course in improvement science (four modules,
a quiz each), the demo collaborative's onboarding checklist, and some progress to look at.
``ensure()`` is idempotent: it adds only what is missing."""

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from collaboratives.models import Collaborative
from learning import services
from learning.models import (
    ChecklistItem,
    Choice,
    Course,
    CourseEnrollment,
    Lesson,
    LessonFile,
    Module,
    Question,
)
from members.models import TeamMember

SLUG = "improvement-science"
COLLABORATIVE_SLUG = "chronic-absenteeism-2026"

RUN_CHART_CSV = (
    "week_starting,value,note\n"
    "2026-09-07,24.1,baseline\n"
    "2026-09-14,23.8,\n"
    "2026-09-21,24.6,\n"
    "2026-09-28,,enter one value a week\n"
)

# (title, introduction, lessons [(title, minutes, body)], quiz [(question, choices, right, why)])
MODULES = [
    (
        "What is improvement science?",
        "Why good ideas often fail to spread, and a disciplined way to get better at getting "
        "better.",
        [
            ("Why improvement needs a method", 6, """\
Schools try new things all the time: a new attendance policy, a new reading programme, a new
schedule. Many of them do not last, and most of the time nobody can say whether they helped.

Improvement science is a way of working that takes that problem seriously. It asks a team to:

- be **specific** about the problem they want to solve,
- study the **system** that produces today's results,
- test changes on a **small scale** before spreading them, and
- use **data over time** to learn whether a change is an improvement.

> Every system is perfectly designed to get the results it gets.

That saying, often heard in improvement work, is a reminder that results come from how the
work is organised, not from people trying harder. If we want different results, we have to
change the system.
"""),
            ("Six principles of improvement", 7, """\
The Carnegie Foundation for the Advancement of Teaching, whose iLEAD network this Center grew out
of, describes six principles:

1. **Make the work problem-specific and user-centred.** Start with the problem, not the solution.
2. **Variation in performance is the core problem.** Ask what works, for whom, under what
   conditions.
3. **See the system that produces the current outcomes.**
4. **We cannot improve at scale what we cannot measure.**
5. **Use disciplined inquiry to drive improvement.** Plan-Do-Study-Act cycles are the engine.
6. **Accelerate learning through networked communities.** No team has to learn alone.

You will meet each of these again in the modules that follow. You can read more on the
[Carnegie Foundation's site](https://www.carnegiefoundation.org).
"""),
            ("How a Breakthrough Collaborative works", 5, """\
A Breakthrough Collaborative brings teams working on the same problem together for about a year.
Teams meet at **convenings**, and between them run **action periods** in which they test
changes in their own schools and share what they learn.

## What your team commits to

- attending every convening and coaching call,
- running and recording PDSA cycles in each action period,
- uploading your measures regularly, and
- sharing your learning with the other teams, including what did not work.

Your improvement coach from the Center meets your team regularly to help you plan and study
your tests.
"""),
        ],
        [
            ("What is the first step in improvement science?",
             ["Choosing a programme that worked somewhere else",
              "Being specific about the problem you want to solve",
              "Training every teacher in the new approach"], 1,
             "Improvement starts with the problem and the people who live with it, not with a "
             "solution."),
            ("“Every system is perfectly designed to get the results it gets” means that…",
             ["Results come from how the work is organised",
              "People need to try harder",
              "Nothing can be changed"], 0,
             "To get different results we change the system, not the effort people put in."),
            ("Why test a change on a small scale first?",
             ["It is cheaper to buy", "We learn quickly and safely whether it helps here",
              "Small schools are easier"], 1,
             "Small tests are quick and low-risk, and show whether a change works in your own "
             "setting before you spread it."),
        ],
    ),
    (
        "Aims and measures",
        "Saying what you want to accomplish, and how you will know a change is an improvement.",
        [
            ("Writing an aim statement", 6, """\
An aim statement answers the first question of the Model for Improvement: **what are we trying
to accomplish?** A good aim says:

- **what** will improve,
- **how much**, and
- **by when**, and for **whom**.

For example: *Reduce chronic absenteeism among students in grades 6-8 at our two middle schools
from 24% to 18% by June 2027.*

Avoid aims that are vague (\"improve attendance\") or that describe an activity rather than a
result (\"launch a mentoring programme\"). The activity may be one of your changes; the aim is
the result you want.
"""),
            ("Outcome, process and balancing measures", 7, """\
The second question of the Model for Improvement is: **how will we know that a change is an
improvement?** Teams usually track three kinds of measure.

## Outcome measures
The result in your aim, for example the share of students who are chronically absent.

## Process measures
Whether the changes are happening as planned, for example the share of families contacted on
the day of a first absence.

## Balancing measures
Whether something else got worse, for example the time teachers spend on phone calls.

Every measure needs an **operational definition**: exactly what is counted, from which source,
and how often, so that everyone counts it the same way each time.

Only aggregate numbers belong in the portal: never upload data about individual students.
"""),
        ],
        [
            ("Which of these is a good aim statement?",
             ["Improve attendance",
              "Reduce chronic absenteeism in grades 6-8 from 24% to 18% by June 2027",
              "Launch a mentoring programme"], 1,
             "It says what will improve, by how much, by when and for whom."),
            ("The share of families contacted on the day of a first absence is…",
             ["An outcome measure", "A process measure", "A balancing measure"], 1,
             "It tells you whether the change is happening as planned."),
            ("What is a balancing measure for?",
             ["Checking that something else did not get worse",
              "Balancing the budget", "Comparing two schools"], 0,
             "Changes can have side effects; balancing measures watch for them."),
        ],
    ),
    (
        "PDSA cycles",
        "Plan-Do-Study-Act: the small, quick tests that drive improvement.",
        [
            ("The four steps of a PDSA cycle", 7, """\
The third question of the Model for Improvement is: **what change can we make that will result
in improvement?** PDSA cycles are how we find out.

1. **Plan**: describe the change idea, the question the test answers, and your **prediction**.
   Plan who does what, when and where, and what data you will collect.
2. **Do**: run the test. Write down what happened, including surprises.
3. **Study**: compare the data with your prediction. What did you learn?
4. **Act**: decide to **adopt** the change, **adapt** it and test again, or **abandon** it.

Writing the prediction down before the test is what turns an activity into learning.
"""),
            ("Start small, then ramp up", 5, """\
The first test of a change should be very small: one teacher, one class, one family, one day.
A small test is quick, costs little, and if it fails, nobody is harmed.

When a change works, test it again under different conditions: another class, another grade,
a busy week. Each cycle builds confidence. Only when a change works reliably across conditions
is it ready to **spread**.

A useful rule: *what can we test by next Tuesday?*
"""),
            ("Recording cycles in the portal", 4, """\
Your team records each cycle under your collaborative's **My team's workspace**. Start a cycle
when you plan it, and come back to record what happened, what you learned and your decision.

Completed cycles are shared with the other teams in the collaborative, so everyone learns from
every test, including those that did not work.
"""),
        ],
        [
            ("Which step of a PDSA cycle includes writing a prediction?",
             ["Plan", "Do", "Study", "Act"], 0,
             "The prediction is written in the Plan step, before the test runs."),
            ("A first test of a change should be…",
             ["School-wide, to get enough data", "Very small and quick",
              "Run by the Center"], 1,
             "Small tests are fast and safe; scale up as confidence grows."),
            ("After studying a test, the team may…",
             ["Only adopt the change", "Adopt, adapt or abandon the change",
              "Wait until the end of the year"], 1,
             "The Act step ends with a decision: adopt, adapt or abandon."),
        ],
    ),
    (
        "Run charts",
        "Reading data over time, and telling a real change from noise.",
        [
            ("What a run chart shows", 6, """\
A run chart plots a measure over time, week by week or month by month, with a line at the
**median**. It lets a team see whether changes are followed by an improvement, without
waiting a whole year for an end-of-year figure.

Plot the data points in time order, mark when you made changes, and keep adding points as the
weeks go by. A run chart needs no statistics software: a pencil would do.

The portal draws your run charts from the values your team uploads. Download the template
below to collect a week's value at a time.
"""),
            ("Four rules for reading a run chart", 8, """\
Data always goes up and down a little. These published rules tell a **signal** (a real change)
from that random variation:

1. **Shift**: six or more points in a row all above, or all below, the median.
2. **Trend**: five or more points in a row all going up, or all going down.
3. **Too few or too many runs**: a run is a series of points on one side of the median. Too
   few or too many for the number of points suggests something is going on.
4. **Astronomical point**: a point that is obviously, wildly different from the rest.

Points that fall exactly on the median do not count towards a shift, and they neither add to
nor break a run.

When you see a signal after a change, that is evidence the change is an improvement. When you
see none, keep testing.
"""),
        ],
        [
            ("What line does a run chart draw across the data?",
             ["The average", "The median", "The target"], 1,
             "Run charts use the median, so the run rules work whatever the data's shape."),
            ("Six points in a row above the median is…",
             ["A shift", "A trend", "An astronomical point"], 0,
             "Six or more consecutive points on one side of the median is a shift."),
            ("Why use run charts instead of comparing this year with last year?",
             ["They are prettier",
              "They show quickly, over time, whether changes are followed by improvement",
              "The state requires them"], 1,
             "Data over time shows whether changes are working while there is still time to act."),
        ],
    ),
]

# (title, kind, members needed, what to do)
CHECKLIST = [
    ("The team lead finished the introductory course", ChecklistItem.Kind.COURSE_LEAD, 0,
     "Under Learn: Introduction to improvement science."),
    ("Three team members finished the introductory course", ChecklistItem.Kind.COURSE_MEMBERS, 3,
     "Everyone on the team is enrolled when they join."),
    ("Team aim drafted", ChecklistItem.Kind.AIM, 0,
     "Set it on your team's workspace: what, how much, by when."),
    ("Baseline data uploaded", ChecklistItem.Kind.BASELINE, 0,
     "At least one value of a collaborative measure, before you start testing changes."),
    ("First coaching call held", ChecklistItem.Kind.COACHING_CALL, 0,
     "Your coach logs it after the call."),
    ("Team charter signed by the sponsor", ChecklistItem.Kind.MANUAL, 0,
     "The sponsor commits time and support for the year."),
    ("Data-sharing agreement in place between the partner institutions",
     ChecklistItem.Kind.MANUAL, 0, "Aggregate data only: no student-level records."),
]


def _course() -> Course:
    course, created = Course.objects.get_or_create(slug=SLUG, defaults={
        "title": "Introduction to improvement science",
        "summary": "Four short modules on the method behind the Center's collaboratives: "
                   "improvement science, aims and measures, PDSA cycles and run charts.",
        "published": True, "enrol_new_team_members": True})
    if not created:
        return course
    for m_pos, (title, intro, lessons, quiz) in enumerate(MODULES, start=1):
        module = Module.objects.create(course=course, title=title, introduction=intro,
                                       position=m_pos)
        for l_pos, (l_title, minutes, body) in enumerate(lessons, start=1):
            lesson = Lesson.objects.create(module=module, title=l_title, minutes=minutes,
                                           body=body, position=l_pos)
            if l_title == "What a run chart shows":
                attachment = LessonFile(lesson=lesson, title="Run chart data template (CSV)",
                                        size=len(RUN_CHART_CSV))
                attachment.file.save("run-chart-template.csv",
                                     ContentFile(RUN_CHART_CSV.encode()), save=True)
        for q_pos, (text, choices, right, why) in enumerate(quiz, start=1):
            question = Question.objects.create(module=module, text=text, explanation=why,
                                               position=q_pos)
            Choice.objects.bulk_create(
                Choice(question=question, text=choice, correct=n == right, position=n + 1)
                for n, choice in enumerate(choices))
    return course


def _checklist(course: Course) -> None:
    collaborative = Collaborative.objects.filter(slug=COLLABORATIVE_SLUG).first()
    if collaborative is None or collaborative.checklist_items.exists():
        return
    for position, (title, kind, needed, what) in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.create(
            collaborative=collaborative, title=title, kind=kind, members_needed=needed,
            help_text=what, position=position,
            course=course if kind in ChecklistItem.COURSE_KINDS else None)


def _right_answers(module: Module) -> dict[int, int]:
    return {q.pk: next(c.pk for c in q.choices.all() if c.correct)
            for q in module.questions.prefetch_related("choices")}


def _finish_module(module: Module, user) -> None:
    for lesson in module.lessons.all():
        services.lesson_done(lesson=lesson, user=user)
    services.quiz_submit(module=module, user=user, answers=_right_answers(module))


def _progress(course: Course) -> None:
    """Everyone on a demo team is enrolled (as joining a team would have done); the Oxford lead
    finished module 1, the Chesterfield lead the whole course."""
    if CourseEnrollment.objects.filter(course=course).exists():
        return
    for place in TeamMember.objects.filter(status=TeamMember.Status.ACTIVE).select_related("user"):
        services.course_enroll(course=course, user=place.user,
                               source=CourseEnrollment.Source.JOINED_TEAM)
    modules = list(course.modules.order_by("position"))
    users = get_user_model().objects
    oxford = users.filter(email="oxford@demo.ncsup.example.org").first()
    if oxford:
        _finish_module(modules[0], oxford)
    chesterfield = users.filter(email="chesterfield@demo.ncsup.example.org").first()
    if chesterfield:
        for module in modules:
            _finish_module(module, chesterfield)


def ensure() -> Course:
    course = _course()
    _checklist(course)
    _progress(course)
    return course
