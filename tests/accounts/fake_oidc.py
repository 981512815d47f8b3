"""A local OpenID Connect provider, enough for allauth to sign someone in through it.

Discovery document, JWKS, an authorization endpoint that answers at once with a code (as if the
person had signed in and consented), and a token endpoint that checks the client secret and PKCE
and returns an ID token signed with a real RSA key (joserfc). ``person`` is who signs in;
``id_token_changes`` alters the next ID tokens (a wrong ``aud``, an expired ``exp``...).
With ``multi_tenant`` the discovery issuer is Microsoft's template ``.../{tenantid}/v2.0``
and each token carries the person's ``tid``.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "ncsup-portal-client"
CLIENT_SECRET = "fake-oidc-client-secret"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeOIDC:
    def __init__(self, port: int, *, multi_tenant: bool = False):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.multi_tenant = multi_tenant
        self.issuer = f"{self.url}/{{tenantid}}/v2.0" if multi_tenant else self.url
        self.key = new_key("fake-key-1")
        self.signing_key = self.key  # another key here forges tokens the JWKS does not vouch for
        self.person = {"sub": "fake-subject-1", "email": "ana.reyes@district.example.org",
                       "email_verified": True, "given_name": "Ana", "family_name": "Reyes",
                       "name": "Ana Reyes", "tid": TENANT}
        self.id_token_changes: dict = {}
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                if parts.path.endswith("/.well-known/openid-configuration"):
                    return self._json(200, fake.discovery())
                if parts.path == "/jwks":
                    return self._json(200, {"keys": [fake.key.as_dict(private=False)]})
                if parts.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID:
                        return self._json(400, {"error": "unauthorized_client"})
                    code = secrets.token_urlsafe(16)
                    with fake._lock:
                        fake.codes[code] = query
                    target = f"{query['redirect_uri']}?" + urlencode(
                        {"code": code, "state": query.get("state", "")})
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                status, body = fake.token(form)
                return self._json(status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def token(self, form: dict) -> tuple[int, dict]:
        with self._lock:
            self.token_requests.append(form)
            request = self.codes.pop(form.get("code", ""), None)  # a code works once
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if request is None or form.get("redirect_uri") != request["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if request.get("code_challenge") != challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                     "expires_in": 3600, "id_token": self.id_token(nonce=request.get("nonce"))}

    def id_token(self, *, nonce) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer.replace("{tenantid}", self.person["tid"]),
            "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": nonce,
            **{k: v for k, v in self.person.items() if self.multi_tenant or k != "tid"},
            **self.id_token_changes,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode({"alg": "RS256", "kid": self.signing_key.kid}, claims,
                          self.signing_key)

    def start(self) -> "FakeOIDC":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
