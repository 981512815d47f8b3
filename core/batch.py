"""Batch jobs over many rows, safe on several workers at once."""

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

BATCH_SIZE = 25


def each_locked(queryset: QuerySet, handle: Callable, *, batch_size: int = BATCH_SIZE) -> list:
    """Call ``handle(row)`` for each row, in batches locked with SKIP LOCKED.

    Rows another worker holds are skipped (that worker deals with them); a cursor on the primary
    key means no row is looked at twice in one run. One row refused with a ValidationError is
    logged and does not stop the rest. Returns what ``handle`` returned for each row it handled
    (a refused row adds nothing): count them with ``len``, or add up what they sent with ``sum``.
    """
    last_pk, handled = 0, []
    while True:
        with transaction.atomic():
            batch = list(
                queryset.filter(pk__gt=last_pk).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not batch:
                return handled
            for row in batch:
                try:
                    with transaction.atomic():
                        handled.append(handle(row))
                except ValidationError as error:
                    logger.warning("%s %s skipped: %s", type(row).__name__, row.pk,
                                   " ".join(error.messages))
            last_pk = batch[-1].pk
