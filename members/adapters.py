"""Hooks into allauth: its emails go through the portal's outbox, so they are sent by Celery."""

import logging
import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site

from core.emails import email_queue_rendered

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request),
               **context}
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mime in getattr(message, "alternatives", [])
                     if mime == "text/html"), "")
        email_queue_rendered(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            to=email, subject=message.subject, text=message.body, html=html,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def authenticate_by_email(self, sociallogin):
        """Open an existing account only when both sides have verified the address.

        allauth would also sign in to an account whose own address is unverified (wiping its
        password); here such an account is left alone, and the sign-in goes on as a sign-up,
        which asks for another address when this one is taken.
        """
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin,
                                                                          address.email):
                continue
            local = (EmailAddress.objects.filter(email__iexact=address.email, verified=True,
                                                 user__is_active=True)
                     .select_related("user").first())
            if local:
                return local.user, address.email
        return None

    def on_authentication_error(self, request, provider, error=None, exception=None,
                                extra_context=None):
        # Said once in the log for whoever runs the portal; the person sees a plain page.
        logger.warning("%s sign-in refused: %s %s", provider.name, error, exception or "")
        super().on_authentication_error(request, provider, error=error, exception=exception,
                                        extra_context=extra_context)
