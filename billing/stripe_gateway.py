"""The one module that talks to Stripe, with the official client. Off without STRIPE_SECRET_KEY.

Thin on purpose: it turns our invoices into Stripe calls and Stripe's answers into plain values.
Rules and storage stay in ``billing.services``. Nothing here is called while a row is locked.
Money crosses this edge as integer cents and nowhere else.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from core.money import from_cents, to_cents


@dataclass(frozen=True)
class StripeInvoiceState:
    """What Stripe says about one of its invoices, re-read from its API (``invoice_state``)."""

    id: str
    status: str
    paid_on_stripe: Decimal
    payment_id: str = ""
    paid_on: date | None = None
    ncsup_number: str = ""


SIGNATURE_TOLERANCE = 300  # seconds, as Stripe's own libraries use
# Worth retrying later: Stripe unreachable, rate limited or failing on its side.
TEMPORARY_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
Error = stripe.StripeError


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    options = {}
    if settings.STRIPE_API_BASE:
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2, **options)


def _due_timestamp(day) -> int:
    """The end of the due date in the Center's time zone, as Stripe's Unix timestamp."""
    end = timezone.make_aware(datetime.combine(day, dtime(23, 59)))
    return int(end.timestamp())


def customer_create(*, invoice: Invoice) -> str:
    customer = client().v1.customers.create(
        params={
            "name": invoice.bill_to_institutions or invoice.bill_to_name,
            "email": invoice.bill_to_email,
            "description": f"Billing contact: {invoice.bill_to_name}",
            "metadata": {"ncsup_membership": str(invoice.membership_id)},
        },
        options={"idempotency_key": f"ncsup-membership-{invoice.membership_id}-customer"},
    )
    return customer.id


def invoice_create(*, invoice: Invoice) -> str:
    params = {
        "customer": invoice.stripe_customer_id,
        "collection_method": "send_invoice",
        "due_date": _due_timestamp(invoice.due_date),
        "currency": "usd",
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "description": f"NCSUP invoice {invoice.number}",
        "metadata": {"ncsup_invoice": invoice.number, "ncsup_invoice_id": str(invoice.pk)},
    }
    if fields := _custom_fields(invoice):
        params["custom_fields"] = fields
    created = client().v1.invoices.create(
        params=params, options={"idempotency_key": f"ncsup-invoice-{invoice.pk}-create"}
    )
    return created.id


def _custom_fields(invoice: Invoice) -> list[dict]:
    """The purchasing details Stripe prints on its invoice (at most four fields)."""
    return [{"name": name, "value": value[:140]} for name, value in (
        ("PO number", invoice.po_number), ("Vendor number", invoice.vendor_number)) if value]


def invoice_po_update(*, invoice: Invoice) -> None:
    """Put corrected PO details on the (finalized) Stripe invoice; amounts cannot change."""
    fields = _custom_fields(invoice)
    client().v1.invoices.update(
        invoice.stripe_invoice_id,
        params={"custom_fields": fields or "",
                "metadata": {"ncsup_version": str(invoice.version)}},
        options={"idempotency_key": f"ncsup-invoice-{invoice.pk}-v{invoice.version}"})


def invoice_item_create(*, invoice: Invoice, line: InvoiceLine, stripe_invoice_id: str) -> None:
    client().v1.invoice_items.create(
        params={
            "customer": invoice.stripe_customer_id,
            "invoice": stripe_invoice_id,
            "currency": "usd",
            "amount": to_cents(line.amount),
            "description": (line.description if line.quantity == 1
                            else f"{line.description} (quantity {line.quantity})")[:500],
            "metadata": {"ncsup_invoice_line": str(line.pk)},
        },
        options={"idempotency_key": f"ncsup-invoice-{invoice.pk}-line-{line.pk}"},
    )


def invoice_finalize(*, invoice: Invoice, fresh: bool) -> str:
    """Finalize the Stripe invoice and return its hosted payment page. ``fresh`` says we just
    created it; when resuming an earlier attempt, look first: it may be finalized already."""
    api = client().v1.invoices
    current = None if fresh else api.retrieve(invoice.stripe_invoice_id).to_dict()
    if current is None or current.get("status") == "draft":
        current = api.finalize_invoice(
            invoice.stripe_invoice_id, params={"auto_advance": False},
            options={"idempotency_key": f"ncsup-invoice-{invoice.pk}-finalize"},
        ).to_dict()
    return current.get("hosted_invoice_url") or ""


def invoice_status_mirror(*, stripe_invoice_id: str, status: str, invoice_pk: int) -> None:
    api = client().v1.invoices
    current = api.retrieve(stripe_invoice_id).to_dict().get("status")
    if status == Invoice.Status.VOID and current in ("open", "uncollectible"):
        api.void_invoice(stripe_invoice_id,
                         options={"idempotency_key": f"ncsup-invoice-{invoice_pk}-void"})
    elif status == Invoice.Status.PAID and current in ("open", "uncollectible"):
        api.pay(stripe_invoice_id, params={"paid_out_of_band": True},
                options={"idempotency_key": f"ncsup-invoice-{invoice_pk}-paid-out-of-band"})
    elif status == Invoice.Status.UNCOLLECTIBLE and current == "open":
        api.mark_uncollectible(
            stripe_invoice_id,
            options={"idempotency_key": f"ncsup-invoice-{invoice_pk}-uncollectible"})


def _id(value) -> str:
    """An expandable field: an id, an expanded object (a dict here), or nothing."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def invoice_state(stripe_invoice_id: str) -> StripeInvoiceState:
    """Re-read a Stripe invoice: its status and what Stripe itself collected on it."""
    found = client().v1.invoices.retrieve(
        stripe_invoice_id, params={"expand": ["payments"]}).to_dict()
    paid_off_stripe = found.get("amount_paid_off_stripe") or 0
    payment_id = ""
    for entry in (found.get("payments") or {}).get("data") or []:
        if entry.get("status") not in (None, "paid"):
            continue
        payment = entry.get("payment") or {}
        payment_id = _id(payment.get("payment_intent")) or _id(payment.get("charge"))
        if payment_id:
            break
    paid_at = (found.get("status_transitions") or {}).get("paid_at")
    return StripeInvoiceState(
        id=found["id"],
        status=found.get("status") or "",
        paid_on_stripe=from_cents(max((found.get("amount_paid") or 0) - paid_off_stripe, 0)),
        payment_id=payment_id,
        paid_on=(timezone.localtime(datetime.fromtimestamp(paid_at, tz=UTC)).date()
                 if paid_at else None),
        ncsup_number=(found.get("metadata") or {}).get("ncsup_invoice", ""),
    )


def open_invoice_ids(limit: int = 100) -> list[str]:
    """Stripe invoice ids of our invoices that we still consider open, oldest first."""
    return list(
        Invoice.objects.filter(status=Invoice.Status.OPEN).exclude(stripe_invoice_id="")
        .order_by("due_date", "pk").values_list("stripe_invoice_id", flat=True)[:limit]
    )


def signature_valid(payload: bytes, header: str, secret: str, *,
                    tolerance: int = SIGNATURE_TOLERANCE, now: float | None = None) -> bool:
    """Check a ``Stripe-Signature`` header against the raw request body.

    The header is ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint
    secret>`` (several v1 entries during a secret rotation). Compared in constant time; a
    timestamp more than ``tolerance`` seconds away from now is refused, so a captured request
    cannot be replayed later.
    """
    if not secret or not header:
        return False
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not timestamp or not timestamp.isdigit() or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + payload,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
