"""Google and Microsoft sign-in: allauth's OpenID Connect provider with stricter ID tokens.

allauth's provider trusts an ID token fetched straight from the token endpoint without checking
its signature, sends no nonce, and compares ``iss`` with the discovery document's issuer, which
for Microsoft's multi-tenant endpoint is the template ``.../{tenantid}/v2.0``. Here every ID
token must be signed (RS256, the provider's published key), carry the nonce this sign-in sent,
be for this client, unexpired, and come from the discovery issuer, with ``{tenantid}`` standing
for the token's own ``tid``. Wired in by ``SOCIALACCOUNT_PROVIDERS["openid_connect"]
["provider_class"]``; the URLs keep allauth's names and paths.
"""
