"""Questions members asks the app that owns the answer (billing), without importing it.

Members sits below billing (pyproject.toml's layers), so billing registers the answers in its
``AppConfig.ready()``; members calls the functions below. One provider per question; asking
before one is registered gets the documented fallback. To find who answers, search for the
provider's name (``fees_in_force_provider``,
``commitment_years_provider``, ``arrears_provider``).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from members import selectors

_fees_in_force: list[Callable[[date | None], Any]] = []
_in_arrears: list[Callable[[Any], bool]] = []
_commitment_years: list[Callable[[date | None], int]] = []


def fees_in_force_provider(provider: Callable[[date | None], Any]) -> Callable:
    """Register ``provider(on) -> FeeSchedule | None``: what membership costs on a day (today
    for None), with its ``commitment_years``. Usable as a decorator."""
    _fees_in_force[:] = [provider]
    return provider


def commitment_years_provider(provider: Callable[[date | None], int]) -> Callable:
    """Register ``provider(on) -> int``: the initial commitment's length in years for a
    membership starting on a day (the fee schedule's ``commitment_years``)."""
    _commitment_years[:] = [provider]
    return provider


def arrears_provider(provider: Callable[[Any], bool]) -> Callable:
    """Register ``provider(membership) -> bool``: is its first invoice overdue?"""
    _in_arrears[:] = [provider]
    return provider


def fees_in_force(on: date | None = None):
    """The fee schedule in force on ``on`` (today by default), or None when there is none."""
    return _fees_in_force[0](on) if _fees_in_force else None


def commitment_years(on: date | None = None) -> int:
    """How many years the initial commitment lasts for a membership starting ``on``: the
    fee schedule's ``commitment_years``. Raises LookupError when no provider is registered
    (billing is not installed): the length has no other owner."""
    if not _commitment_years:
        raise LookupError("No commitment length provider is registered (billing's ready()).")
    return _commitment_years[0](on)


def membership_in_arrears(membership) -> bool:
    """Is the membership's first invoice unpaid after its due date? False with no provider."""
    return bool(_in_arrears and _in_arrears[0](membership))


# --- Dashboard panels -----------------------------------------------------------------------------
# Apps above members (billing, collaboratives, the network offer ...) put a panel on "My portal"
# without members importing them: ``@dashboard_panel(order=..., template=...)`` on a function
# ``panel(request) -> dict | None`` in the app's module that ``ready()`` imports. None means "no
# panel for this person". Each panel should cost a bounded number of queries.
_dashboard_panels: list[tuple[int, str, Callable[[Any], dict | None]]] = []


def dashboard_panel(*, order: int, template: str) -> Callable:
    """Register a panel for the member dashboard; lower ``order`` shows first. Registering the
    same function twice (tests re-running ``ready()``) keeps one."""
    def register(provider: Callable[[Any], dict | None]) -> Callable:
        name = f"{provider.__module__}.{provider.__qualname__}"
        _dashboard_panels[:] = [entry for entry in _dashboard_panels
                                if f"{entry[2].__module__}.{entry[2].__qualname__}" != name]
        _dashboard_panels.append((order, template, provider))
        _dashboard_panels.sort(key=lambda entry: entry[0])
        return provider
    return register


def portal_person(request):
    """``members.selectors.PortalPerson`` of the request's user, read once a request: the
    dashboard and its panels ask this (the person's team ids, memberships, billed memberships)
    rather than each asking the database again."""
    person = getattr(request, "_portal_person", None)
    if person is None or person.user is not request.user:
        person = request._portal_person = selectors.portal_person(request.user)
    return person


def dashboard_panels(request) -> list[dict]:
    """The panels for this request, in order: ``{"template": ..., "context": {...}}``."""
    panels = []
    for _order, template, provider in _dashboard_panels:
        context = provider(request)
        if context is not None:
            panels.append({"template": template, "context": context})
    return panels
