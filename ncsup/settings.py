"""Settings for the NCSUP portal.

One module, driven by the environment: production differs from a laptop only by the variables
listed in ``.env.example``. With nothing set (and ``DEBUG=true``) the portal runs on a SQLite file,
runs Celery tasks in-process and prints mail to the console.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "core",
    "members",
    "billing",
    "collaboratives",
    "renewals",
    "rhythm",
    "network",
    "learning",
    "resources",  # the resource library (issue 14)
    "partners",  # find a partner: the directory and introductions (issue 14)
    "devdata",  # demo data: manage.py seed_demo (make run)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzip-compressed for clients that accept it (static files come precompressed from
    # WhiteNoise above, which answers them before this runs). BREACH: Django masks the CSRF token
    # afresh in every response, so compression does not leak it (README, "Compression").
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "members.mfa.StaffMFAMiddleware",
    "members.middleware.NameRequiredMiddleware",
]

ROOT_URLCONF = "ncsup.urls"
WSGI_APPLICATION = "ncsup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# A real, shared cache: allauth's rate limits must hold across processes and replicas.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ncsup_cache",
        }
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files and generated PDFs. Local files under MEDIA_ROOT by default (one host, `make
# run`); with S3_BUCKET set, S3-compatible object storage through django-storages, so web and
# worker processes on several hosts share the same files. Private files are never public: the
# portal checks who may have one, then redirects to a signed URL that works for
# S3_SIGNED_URL_SECONDS (core/files.py).
S3_BUCKET = env("S3_BUCKET", default="")
S3_SIGNED_URL_SECONDS = env.int("S3_SIGNED_URL_SECONDS", default=300)
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
            "region_name": env("S3_REGION", default="") or None,
            "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env("S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": None,  # the bucket's own (private) policy
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": S3_SIGNED_URL_SECONDS,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- People -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:dashboard"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NCSUP] "
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
# The portal's labels and copy on allauth's forms (members.account_forms).
ACCOUNT_FORMS = {name: f"members.account_forms.{form}" for name, form in [
    ("login", "LoginForm"), ("signup", "SignupForm"), ("add_email", "AddEmailForm"),
    ("change_password", "ChangePasswordForm"), ("set_password", "SetPasswordForm"),
    ("reset_password", "ResetPasswordForm"), ("reset_password_from_key", "ResetPasswordKeyForm"),
]}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# allauth's defaults, written out so they are visible: per-IP and per-key limits, in the cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# --- Second factor and Google / Microsoft sign-in ---------------------------------------------
# Staff and superusers must have an authenticator app before any page opens for them
# (members.mfa); members may turn one on at /accounts/2fa/. Security keys (WebAuthn) are left
# out: allauth's pages for them need JavaScript the portal does not otherwise ship.
MFA_ADAPTER = "members.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "NCSUP"
SOCIALACCOUNT_ADAPTER = "members.adapters.SocialAccountAdapter"
# A Google or Microsoft sign-in opens an existing account only through an address both sides
# have verified (members.adapters.SocialAccountAdapter); any other address is verified by mail.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# Each provider is an OpenID Connect app, shown as a button only when its client id is set.
# Microsoft's tenant: "common" (any work or school tenant, and personal accounts) or one id.
_microsoft_tenant = env("MICROSOFT_OIDC_TENANT", default="common")
_oidc_apps = [
    {"provider_id": provider_id, "name": name, "client_id": client_id, "secret": secret,
     # Only the signed ID token is read (its email_verified claim above all).
     "settings": {"server_url": server_url, "fetch_userinfo": False}}
    for provider_id, name, client_id, secret, server_url in [
        ("google", "Google", env("GOOGLE_OIDC_CLIENT_ID", default=""),
         env("GOOGLE_OIDC_SECRET", default=""), "https://accounts.google.com"),
        ("microsoft", "Microsoft", env("MICROSOFT_OIDC_CLIENT_ID", default=""),
         env("MICROSOFT_OIDC_SECRET", default=""),
         f"https://login.microsoftonline.com/{_microsoft_tenant}/v2.0"),
    ]
    if client_id
]
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {
    # Checks every ID token's signature, nonce and (Microsoft "common") per-tenant issuer.
    "provider_class": "members.oidc.provider.PortalOpenIDConnectProvider",
    "OAUTH_PKCE_ENABLED": True,
    "APPS": _oidc_apps,
}}

# --- Mail -------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading slash of filemail:///var/mail; read the path ourselves.
    # filemail:///var/mail/ncsup is absolute; filemail:tmp/mail (or filemail://tmp/mail) is
    # relative to the project directory, whatever the working directory.
    _mail_url = urlsplit(env("EMAIL_URL"))
    _mail_dir = unquote(_mail_url.netloc + _mail_url.path)
    if not _mail_dir:
        raise ImproperlyConfigured("EMAIL_URL=filemail: needs a directory, e.g. "
                                   "filemail:///var/mail/ncsup (absolute) or filemail:tmp/mail.")
    _email["EMAIL_FILE_PATH"] = str(BASE_DIR / _mail_dir)  # an absolute path stays as it is
_email_options = {
    option: _email.get(key)
    for key, option in {
        "EMAIL_HOST": "host",
        "EMAIL_PORT": "port",
        "EMAIL_HOST_USER": "username",
        "EMAIL_HOST_PASSWORD": "password",
        "EMAIL_USE_TLS": "use_tls",
        "EMAIL_USE_SSL": "use_ssl",
        "EMAIL_FILE_PATH": "file_path",
    }.items()
    if _email.get(key) not in (None, "")
}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options["timeout"] = env.int("EMAIL_TIMEOUT", default=20)
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NCSUP <membership@ncsup.example.org>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
CENTER_STAFF_EMAIL = env("CENTER_STAFF_EMAIL", default="membership@ncsup.example.org")

# --- Background work --------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Rendered parts of key pages, cached until a table they read is written (core/fragments.py):
# in Redis, shared by every web and worker process. Off without Redis (`make run`, the SQLite
# test run): a cache only one process could see would miss the other processes' writes.
FRAGMENT_CACHE = "default" if REDIS_URL else ""
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# The queue tasks go to (and `celery worker` reads unless told -Q): lets deployments share a Redis.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task a dead worker had taken is handed out again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# The email outbox: a queued email not sent after this many seconds is sent again by the beat
# job, and a send claimed by a worker that died is taken over after the claim timeout.
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=300)
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=600)
CELERY_TIMEZONE = "America/Chicago"
# The beat schedule lives here, in one place. Every job is safe to run twice at once.
CELERY_BEAT_SCHEDULE = {
    "email-outbox-retry": {"task": "core.tasks.email_outbox_flush", "schedule": 300.0},
    "billing-commitment-invoices": {"task": "billing.tasks.commitment_invoices_issue_due",
                                    "schedule": crontab(hour=6, minute=0)},
    "billing-invoice-reminders": {"task": "billing.tasks.invoice_reminders_send",
                                  "schedule": crontab(hour=8, minute=0)},
    "billing-invoice-delivery-retry": {"task": "billing.tasks.invoice_deliver_pending",
                                       "schedule": crontab(minute="*/15")},
    "billing-stripe-reconcile": {"task": "billing.tasks.stripe_invoices_reconcile",
                                 "schedule": crontab(minute=20)},
    "collaboratives-convening-reminders": {"task": "collaboratives.tasks.convening_reminders_send",
                                           "schedule": crontab(hour=7, minute=0)},
    "collaboratives-action-period-nudges": {
        "task": "collaboratives.tasks.action_period_nudges_send",
        "schedule": crontab(hour=7, minute=30)},
}
# Network events' reminders: the same days before as convenings (COLLABORATIVE_REMINDER_DAYS).
CELERY_BEAT_SCHEDULE["network-event-reminders"] = {"task": "network.tasks.event_reminders_send",
                                                    "schedule": crontab(hour=7, minute=15)}
# Used one-time form tokens (core/once.py) are kept only while a token could still be posted.
CELERY_BEAT_SCHEDULE["core-form-tokens-purge"] = {"task": "core.tasks.form_tokens_purge",
                                                  "schedule": crontab(hour=3, minute=15)}
# Uploads held while their uploader confirms a student-identifier warning (core/uploads.py).
CELERY_BEAT_SCHEDULE["core-held-uploads-purge"] = {"task": "core.tasks.held_uploads_purge",
                                                   "schedule": crontab(hour=3, minute=45)}

# --- Improvement teams ------------------------------------------------------------------------
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=14)
# Staff's choice: pause roster invitations while a membership's first invoice is overdue.
ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS = env.bool("ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS",
                                               default=False)
# What other apps do on approval, and the questions members asks billing (arrears, fees in
# force, commitment length), are members.signals and members.hooks, not settings.

# --- Payments ---------------------------------------------------------------------------------
# Without keys the portal offers payment by check or purchase order only.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")  # only for tests against a local fake

# --- Billing ----------------------------------------------------------------------------------
# Year 2 (and any later commitment year) is invoiced this many days before its anniversary.
BILLING_YEAR2_LEAD_DAYS = env.int("BILLING_YEAR2_LEAD_DAYS", default=60)
# Invoices come from the University of Mississippi, which hosts the Center.
BILLING_CHECKS_PAYABLE_TO = env("BILLING_CHECKS_PAYABLE_TO",
                                default="The University of Mississippi")
BILLING_REMIT_TO = env(
    "BILLING_REMIT_TO",
    default="The University of Mississippi\nNCSUP, School of Education\nP.O. Box 1848\n"
    "University, MS 38677-1848",
).replace("\\n", "\n")
BILLING_CONTACT_EMAIL = env("BILLING_CONTACT_EMAIL", default=CENTER_STAFF_EMAIL)
# A quote (for a purchase order) holds its prices this many days.
QUOTE_VALID_DAYS = env.int("QUOTE_VALID_DAYS", default=60)
# The mail provider's permanent-bounce webhook signs its body with this (HMAC-SHA256); empty
# turns the endpoint off, and staff record bounces in admin.
EMAIL_BOUNCE_WEBHOOK_SECRET = env("EMAIL_BOUNCE_WEBHOOK_SECRET", default="")

# --- Renewals -------------------------------------------------------------------------------
# The renewal offer goes this many days before the commitment ends; unanswered offers are
# reminded at these days; an unpaid end starts a grace period of this many days, then lapses.
RENEWAL_OFFER_DAYS = env.int("RENEWAL_OFFER_DAYS", default=90)
RENEWAL_REMINDER_DAYS = sorted(
    env.list("RENEWAL_REMINDER_DAYS", cast=int, default=[60, 30]), reverse=True)
RENEWAL_GRACE_DAYS = env.int("RENEWAL_GRACE_DAYS", default=30)
CELERY_BEAT_SCHEDULE["renewals-daily"] = {"task": "renewals.tasks.renewals_advance_due",
                                          "schedule": crontab(hour=6, minute=30)}

# --- Collaboratives ---------------------------------------------------------------------------
# Convening reminders go this many days before each convening (the nearest one due is sent).
COLLABORATIVE_REMINDER_DAYS = sorted(
    env.list("COLLABORATIVE_REMINDER_DAYS", cast=int, default=[14, 2]), reverse=True)
# Teams behind on PDSA cycles are nudged this many days before their action period ends.
COLLABORATIVE_NUDGE_DAYS = env.int("COLLABORATIVE_NUDGE_DAYS", default=7)
# PDSA cycle attachments (images, PDF, CSV): largest accepted file, in bytes.
COLLABORATIVE_ATTACHMENT_MAX_BYTES = env.int("COLLABORATIVE_ATTACHMENT_MAX_BYTES",
                                             default=5 * 1024 * 1024)
# The resource library: the largest file staff may add (resources.services).
RESOURCES_FILE_MAX_BYTES = env.int("RESOURCES_FILE_MAX_BYTES", default=20 * 1024 * 1024)
# What one team may keep attached to its cycles, in files and in bytes.
COLLABORATIVE_ATTACHMENTS_PER_TEAM = env.int("COLLABORATIVE_ATTACHMENTS_PER_TEAM", default=200)
COLLABORATIVE_ATTACHMENT_TEAM_BYTES = env.int("COLLABORATIVE_ATTACHMENT_TEAM_BYTES",
                                              default=250 * 1024 * 1024)
# Besides staff, members of this group may be assigned as a team's improvement coach.
COLLABORATIVE_COACH_GROUP = "Improvement coaches"

# --- Measures ---------------------------------------------------------------------------------
# CSV uploads of a team's measure values: the largest file, in bytes, and the most rows in one.
MEASURES_CSV_MAX_BYTES = env.int("MEASURES_CSV_MAX_BYTES", default=2 * 1024 * 1024)
MEASURES_CSV_MAX_ROWS = env.int("MEASURES_CSV_MAX_ROWS", default=10_000)
# A published change package's PDF is rendered after commit; this job renders any a dead worker
# left undone (safe to run twice: the first stored PDF wins).
CELERY_BEAT_SCHEDULE["collaboratives-change-package-pdfs"] = {
    "task": "collaboratives.tasks.change_package_pdfs_render_pending",
    "schedule": crontab(minute="*/15")}

# --- Localisation -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
# One date style for people ("1 Dec 2026"), defined in ncsup/formats/en/formats.py so that it
# wins over Django's English "Dec. 1, 2026"; ISO only in CSV files.
FORMAT_MODULE_PATH = ["ncsup.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, g:i a"
SHORT_DATE_FORMAT = "j M Y"
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The portal's own rate limits (allauth's are above), per signed-in person or per address.
RATE_LIMITS = {
    "apply": env("RATE_LIMIT_APPLY", default="10/h"),
    "invite": env("RATE_LIMIT_INVITE", default="60/h"),
    "invitation": env("RATE_LIMIT_INVITATION", default="30/m"),
    "attachment": env("RATE_LIMIT_ATTACHMENT", default="30/h"),
    "check_in": env("RATE_LIMIT_CHECK_IN", default="20/h"),
    "statement": env("RATE_LIMIT_STATEMENT", default="30/h"),
    "introduction": env("RATE_LIMIT_INTRODUCTION", default="10/d"),
}
# Behind a proxy, the header that carries the client's address (e.g. HTTP_X_FORWARDED_FOR; the
# last address the proxy appended is the client). Empty: REMOTE_ADDR, and any X-Forwarded-For a
# client sends is ignored. It drives allauth's sign-in limits too (members.adapters
# .AccountAdapter.get_client_ip), so allauth's own ALLAUTH_TRUSTED_* settings stay unset.
RATE_LIMIT_CLIENT_IP_HEADER = env("RATE_LIMIT_CLIENT_IP_HEADER", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Monthly rhythm (rhythm/) -------------------------------------------------------------------
# Report reminders, sponsor digests and evaluation invitations: daily, each safe to run twice.
CELERY_BEAT_SCHEDULE["rhythm-report-reminders"] = {"task": "rhythm.tasks.report_reminders_send",
                                                   "schedule": crontab(hour=7, minute=45)}
CELERY_BEAT_SCHEDULE["rhythm-sponsor-digests"] = {"task": "rhythm.tasks.sponsor_digests_send",
                                                  "schedule": crontab(hour=8, minute=15)}
CELERY_BEAT_SCHEDULE["rhythm-evaluation-invitations"] = {
    "task": "rhythm.tasks.evaluation_invitations_send", "schedule": crontab(hour=9, minute=0)}
# --- Learning: the introductory course and onboarding ---------------------------------------------
# Largest file staff may attach to a lesson.
LEARNING_FILE_MAX_BYTES = env.int("LEARNING_FILE_MAX_BYTES", default=10 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["learning-certificates"] = {
    "task": "learning.tasks.certificates_render_pending", "schedule": crontab(minute="*/15")}
