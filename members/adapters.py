"""Hooks into allauth: its emails go through the portal's outbox, so they are sent by Celery."""

import ipaddress
import logging
import uuid

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from core.emails import email_queue_rendered, subject_line, text_render
from core.ratelimit import client_ip

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """The address allauth counts sign-ins and failures by: the same one the portal's own
        rate limits use (``RATE_LIMIT_CLIENT_IP_HEADER``), so that behind the reverse proxy each
        client is counted on its own, and without one a forged X-Forwarded-For changes nothing."""
        ip = client_ip(request)
        try:
            return str(ipaddress.ip_address(ip))
        except ValueError as error:
            raise PermissionDenied("Unable to determine the client's address.") from error

    def render_mail(self, template_prefix, email, context, headers=None):
        """As allauth's, but the subject and the text body render without HTML escaping (like
        the portal's own emails, through core.emails.text_render); the HTML body stays escaped."""
        request = allauth_context.request
        subject = subject_line(text_render(f"{template_prefix}_subject.txt", context, request))
        subject = self.format_email_subject(subject)
        text = text_render(f"{template_prefix}_message.txt", context, request).strip()
        message = EmailMultiAlternatives(subject, text, self.get_from_email(),
                                         [email] if isinstance(email, str) else email,
                                         headers=headers)
        try:
            html = render_to_string(
                f"{template_prefix}_message.{account_settings.TEMPLATE_EXTENSION}", context,
                request).strip()
        except TemplateDoesNotExist:
            html = ""
        if html:
            message.attach_alternative(html, "text/html")
        return message

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
