from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.utils.crypto import get_random_string

from members.oidc.views import PortalOpenIDConnectAdapter


class PortalOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = PortalOpenIDConnectAdapter
    # Tokens handed over by an app (allauth's headless API) would skip the nonce: not offered.
    supports_token_authentication = False

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        """Send a fresh nonce with each sign-in; it waits in the sign-in's state for the token."""
        nonce = get_random_string(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params)
        auth_params["nonce"] = nonce
        return super().redirect(request, process, next_url, data, auth_params=auth_params,
                                nonce=nonce, **kwargs)


provider_classes = [PortalOpenIDConnectProvider]
