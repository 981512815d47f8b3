"""After an invoice is issued or changes status: Stripe, the PDF and the email, as tasks run
after commit. Services (billing.services) enqueue these tasks by name of the Python object;
this module never imports the services, so there is no cycle.

Each step is done once and stored as soon as it is done, so a retry resumes where a failure
stopped. The tasks keep their historical names (``billing.tasks.*``) so messages already queued
in the broker still find them.
"""

import hashlib
import logging
import secrets

from celery import shared_task
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from billing import stripe_gateway
from billing.models import EmailBounce, Invoice, Quote
from billing.pdf import invoice_pdf_render, quote_pdf_render
from billing.remittance import payment_details
from billing.selectors import vendor_documents_current
from core.emails import email_queue
from members.selectors import billing_addresses

logger = logging.getLogger(__name__)

MAX_RETRIES = 8


def retry_later(task, error: Exception, what: str):
    """Retry ``task`` with backoff; in-process (no broker) leave it to the periodic job."""
    if task.request.is_eager:
        logger.warning("%s not done yet, the periodic job will retry: %s", what, error)
        return None
    raise task.retry(exc=error, countdown=min(60 * 2**task.request.retries, 3600))


def invoice_stripe_push(*, invoice: Invoice) -> Invoice:
    """Create the Stripe customer and the Stripe invoice for one of ours, once.

    Not atomic on purpose: it talks to Stripe and holds no lock. Each step is stored as soon as
    it is done and carries an idempotency key, so a retry resumes rather than duplicates.
    """
    invoice = Invoice.objects.select_related("membership").prefetch_related("lines").get(
        pk=invoice.pk)
    if invoice.status != Invoice.Status.OPEN or invoice.hosted_invoice_url:
        return invoice
    if not invoice.stripe_customer_id:
        customer_id = (Invoice.objects.filter(membership_id=invoice.membership_id)
                       .exclude(stripe_customer_id="")
                       .values_list("stripe_customer_id", flat=True).first())
        if not customer_id:
            customer_id = stripe_gateway.customer_create(invoice=invoice)
        Invoice.objects.filter(pk=invoice.pk).update(stripe_customer_id=customer_id)
        invoice.stripe_customer_id = customer_id
    fresh = not invoice.stripe_invoice_id
    if fresh:
        stripe_invoice_id = stripe_gateway.invoice_create(invoice=invoice)
        for line in invoice.lines.all():
            stripe_gateway.invoice_item_create(invoice=invoice, line=line,
                                               stripe_invoice_id=stripe_invoice_id)
        Invoice.objects.filter(pk=invoice.pk).update(stripe_invoice_id=stripe_invoice_id)
        invoice.stripe_invoice_id = stripe_invoice_id
    hosted_url = stripe_gateway.invoice_finalize(invoice=invoice, fresh=fresh)
    Invoice.objects.filter(pk=invoice.pk).update(hosted_invoice_url=hosted_url,
                                                 updated_at=timezone.now())
    invoice.hosted_invoice_url = hosted_url
    return invoice


def invoice_stripe_sync(*, invoice: Invoice) -> None:
    """Mirror a status we changed (void, paid by check, written off) onto the Stripe invoice,
    so its hosted page stops asking for money. Reads Stripe's state first: safe to repeat."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    if not invoice.stripe_invoice_id:
        return
    stripe_gateway.invoice_status_mirror(stripe_invoice_id=invoice.stripe_invoice_id,
                                         status=invoice.status, invoice_pk=invoice.pk)


def invoice_pdf_store(*, invoice: Invoice) -> str:
    """Render the frozen invoice to PDF once and store it under an unguessable name.

    No transaction: rendering takes a while and needs no lock. Two workers racing both render;
    the first to store wins and the other deletes its copy.
    """
    if invoice.pdf_path:
        return invoice.pdf_path
    content = invoice_pdf_render(invoice=invoice)
    name = default_storage.save(
        f"invoices/{invoice.fiscal_year}/{secrets.token_urlsafe(24)}.pdf", ContentFile(content)
    )
    if Invoice.objects.filter(pk=invoice.pk, pdf_path="").update(pdf_path=name,
                                                                 updated_at=timezone.now()):
        invoice.pdf_path = name
    else:
        default_storage.delete(name)
        invoice.refresh_from_db(fields=["pdf_path"])
    return invoice.pdf_path


def _recipients(invoice: Invoice) -> list[str]:
    """The membership's billing contacts (members.BillingContact) and the invoice's
    accounts-payable address, each once; the bill-to address only if a membership somehow has
    none. Addresses that bounced permanently (``EmailBounce``) are left out: the others still
    get the mail."""
    addresses = billing_addresses(invoice.membership) or [invoice.bill_to_email]
    if invoice.ap_email and invoice.ap_email.lower() not in {a.lower() for a in addresses}:
        addresses.append(invoice.ap_email)
    bounced = set(EmailBounce.objects.filter(address__in=[a.lower() for a in addresses])
                  .values_list("address", flat=True))
    return [address for address in addresses if address.lower() not in bounced]


def _email_billing_contacts(invoice: Invoice, *, key: str, **email) -> None:
    """One email to each billing contact, keyed per address (idempotent per person)."""
    for address in _recipients(invoice):
        person = address.lower()
        if len(person) > 100:  # outbox keys are at most 200 characters
            person = hashlib.sha256(person.encode()).hexdigest()
        email_queue(key=f"{key}:{person}", to=address, **email)


@transaction.atomic
def invoice_email_queue(*, invoice: Invoice) -> None:
    """Email the issued invoice with its PDF attached, once per recipient."""
    _email_billing_contacts(
        invoice,
        key=f"invoice-issued:{invoice.pk}",
        template="invoice_issued",
        context={"invoice": invoice, "lines": list(invoice.lines.all()),
                 "vendor_documents": vendor_documents_current(), **payment_details()},
        attachment_path=invoice.pdf_path,
        attachment_name=invoice.pdf_filename,
    )
    Invoice.objects.filter(pk=invoice.pk, delivered_at__isnull=True).update(
        delivered_at=timezone.now())


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True,
             name="billing.tasks.invoice_deliver")
def invoice_deliver(self, invoice_id: int):
    """After issue: create the Stripe invoice (when keys are set), render and store the PDF,
    then email it. Each step is done once, so a retry picks up where a failure stopped."""
    invoice = (Invoice.objects.select_related("membership__application__applicant")
               .filter(pk=invoice_id).first())
    if invoice is None or invoice.status == Invoice.Status.DRAFT:
        return
    if invoice.status == Invoice.Status.OPEN and stripe_gateway.enabled():
        try:
            invoice = invoice_stripe_push(invoice=invoice)
        except stripe_gateway.TEMPORARY_ERRORS as error:
            return retry_later(self, error, f"Stripe invoice for {invoice}")
        except stripe_gateway.Error as error:
            logger.error("Stripe refused invoice %s: %s", invoice, error)
            return None
    invoice_pdf_store(invoice=invoice)
    if invoice.status == Invoice.Status.OPEN:
        invoice_email_queue(invoice=invoice)
    return None


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True,
             name="billing.tasks.invoice_stripe_sync")
def invoice_stripe_sync_task(self, invoice_id: int):
    """After we void, write off or settle offline an invoice that exists in Stripe."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or not stripe_gateway.enabled():
        return None
    try:
        invoice_stripe_sync(invoice=invoice)
    except stripe_gateway.TEMPORARY_ERRORS as error:
        return retry_later(self, error, f"Stripe status of {invoice}")
    except stripe_gateway.Error as error:
        logger.error("Stripe refused the status change of %s: %s", invoice, error)
    return None


# --- Paperwork (billing.paperwork enqueues these) ---------------------------------------------

def quote_pdf_store(*, quote: Quote) -> str:
    """Render a quote once and store it under an unguessable name (as ``invoice_pdf_store``)."""
    if quote.pdf_path:
        return quote.pdf_path
    content = quote_pdf_render(quote=quote)
    name = default_storage.save(f"quotes/{quote.fiscal_year}/{secrets.token_urlsafe(24)}.pdf",
                                ContentFile(content))
    if Quote.objects.filter(pk=quote.pk, pdf_path="").update(pdf_path=name,
                                                             updated_at=timezone.now()):
        quote.pdf_path = name
    else:
        default_storage.delete(name)
        quote.refresh_from_db(fields=["pdf_path"])
    return quote.pdf_path


@shared_task(name="billing.tasks.quote_pdf_render")
def quote_pdf_render_task(quote_id: int):
    quote = Quote.objects.select_related("fee_schedule").filter(pk=quote_id).first()
    if quote is not None:
        quote_pdf_store(quote=quote)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True,
             name="billing.tasks.invoice_revision_deliver")
def invoice_revision_deliver(self, invoice_id: int, version: int):
    """After the PO details of an open invoice changed: render the new version, update the
    Stripe invoice, and send the new PDF to accounts payable (or the billing contacts). A newer
    version queued meanwhile makes this one stand down."""
    invoice = (Invoice.objects.select_related("membership").filter(pk=invoice_id)
               .first())
    if invoice is None or invoice.version != version:
        return None
    invoice_pdf_store(invoice=invoice)
    if invoice.stripe_invoice_id and stripe_gateway.enabled():
        try:
            stripe_gateway.invoice_po_update(invoice=invoice)
        except stripe_gateway.TEMPORARY_ERRORS as error:
            return retry_later(self, error, f"Stripe PO details of {invoice}")
        except stripe_gateway.Error as error:
            logger.error("Stripe refused the PO details of %s: %s", invoice, error)
    with transaction.atomic():
        context = {"invoice": invoice, "lines": list(invoice.lines.all()),
                   "vendor_documents": vendor_documents_current(), **payment_details()}
        email = {"template": "invoice_revised", "context": context,
                 "attachment_path": invoice.pdf_path, "attachment_name": invoice.pdf_filename}
        bounced = EmailBounce.objects.filter(address=invoice.ap_email.lower()).exists()
        if invoice.ap_email and not bounced:
            email_queue(key=f"invoice-revised:{invoice.pk}:{version}:ap", to=invoice.ap_email,
                        **email)
        else:
            _email_billing_contacts(invoice, key=f"invoice-revised:{invoice.pk}:{version}",
                                    **email)
    return None
