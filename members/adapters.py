"""Hooks into allauth: its emails go through the portal's outbox, so they are sent by Celery."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from core.emails import email_queue_rendered


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request),
               **context}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mime in getattr(message, "alternatives", [])
                     if mime == "text/html"), "")
        # Every account email is treated as secret: most carry a reset, confirmation or
        # sign-in link or code, and none is anything staff need to read.
        email_queue_rendered(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            to=email, subject=message.subject, text=message.body, html=html, secret=True,
        )
