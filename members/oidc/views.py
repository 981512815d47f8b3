import re

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404
from django.utils.crypto import constant_time_compare

TENANT_PLACEHOLDER = "{tenantid}"
TENANT_ID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def expected_issuer(issuer: str, id_token: str) -> str:
    """The discovery issuer; Microsoft's multi-tenant template filled with the token's ``tid``.

    The ``tid`` is read before the signature is checked, but only to build the one issuer the
    signed token must then name: a token whose ``iss`` is another tenant's is refused.
    """
    if TENANT_PLACEHOLDER not in issuer:
        return issuer
    tid = jwt.decode(id_token, options={"verify_signature": False}).get("tid")
    if not isinstance(tid, str) or not TENANT_ID.fullmatch(tid):
        raise OAuth2Error("The ID token names no tenant.")
    return issuer.replace(TENANT_PLACEHOLDER, tid)


class PortalOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    expected_nonce: str | None = None

    def _decode_id_token(self, app, id_token: str) -> dict:
        config = self.openid_config
        try:
            issuer = expected_issuer(config["issuer"], id_token)
            _, key = jwtkit.fetch_key(id_token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
            claims = jwt.decode(
                id_token, key=key, algorithms=["RS256"], issuer=issuer, audience=app.client_id,
                options={"require": ["iss", "aud", "sub", "exp", "iat", "nonce"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError) as e:
            raise OAuth2Error(f"Invalid ID token: {e}") from e
        # No nonce remembered (a callback without its sign-in) fails like a wrong one.
        if not self.expected_nonce or not constant_time_compare(
                str(claims["nonce"]), self.expected_nonce):
            raise OAuth2Error("The ID token's nonce is not this sign-in's.")
        jwtkit.verify_jti(claims)
        return claims


class PortalCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


@login_not_required
def login(request, provider_id):
    try:
        return OAuth2LoginView.adapter_view(
            PortalOpenIDConnectAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request, provider_id):
    try:
        return PortalCallbackView.adapter_view(
            PortalOpenIDConnectAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
