"""Batch work for the periodic jobs: rows taken in locked batches (``SKIP LOCKED``), so two
workers running the same job at once never handle the same row."""

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)


BATCH_SIZE = 20


def each_locked(queryset: QuerySet, handle: Callable, *, batch_size: int = BATCH_SIZE) -> int:
    """Call ``handle(row)`` for each row, a locked batch per transaction (SKIP LOCKED).

    A cursor on the primary key means no row is looked at twice in one run. One refused row is
    logged and does not stop the rest. Returns the sum of what ``handle`` returned.
    """
    last_pk, total = 0, 0
    while True:
        with transaction.atomic():
            batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")
                         .select_for_update(skip_locked=True, of=("self",))[:batch_size])
            if not batch:
                return total
            for row in batch:
                try:
                    with transaction.atomic():
                        total += handle(row) or 0
                except ValidationError as error:
                    logger.warning("%s %s skipped: %s", type(row).__name__, row.pk,
                                   " ".join(error.messages))
            last_pk = batch[-1].pk
