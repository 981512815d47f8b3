"""The one way a status field changes.

Each model with a status declares ``TRANSITIONS = {from: {to, ...}}``. ``transition`` locks the
row, returns quietly when it is already in the target state, raises on an illegal move, stamps the
time when the model has a ``<status>_at`` field, and writes an audit entry.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import AuditEntry


class IllegalTransition(ValidationError):
    pass


def transition(obj, to, *, actor=None, reason="", field="status", stamp=True):
    """Move ``obj`` to status ``to``. Returns the locked, updated object and whether it changed."""
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, field)
        if current == to:
            return locked, False
        allowed = model.TRANSITIONS.get(current, set())
        if to not in allowed:
            label = dict(model._meta.get_field(field).choices)
            raise IllegalTransition(
                f"A {model._meta.verbose_name} that is {label.get(current, current)} "
                f"cannot become {label.get(to, to)}.",
                code="illegal_transition",
            )
        setattr(locked, field, to)
        update_fields = [field]
        stamp_field = f"{to}_at"
        if stamp and any(f.name == stamp_field for f in model._meta.fields):
            setattr(locked, stamp_field, timezone.now())
            update_fields.append(stamp_field)
        if any(f.name == "updated_at" for f in model._meta.fields):
            update_fields.append("updated_at")
        locked.save(update_fields=update_fields)
        audit(locked, action=f"{field}:{to}", from_status=current, to_status=to, actor=actor,
              reason=reason)
    # Keep the caller's instance in step with the database.
    setattr(obj, field, to)
    if stamp and hasattr(obj, f"{to}_at"):
        setattr(obj, f"{to}_at", getattr(locked, f"{to}_at"))
    return locked, True


def audit(obj, *, action, actor=None, reason="", from_status="", to_status=""):
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def history(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
