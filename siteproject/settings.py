"""Settings of the oryauth demo site.

Everything comes from the environment (django-environ); the defaults run on
this machine with nothing set, against the local Ory stack of `make ory-up`.
"""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional .env next to manage.py, for people who prefer a file to exports.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-for-anything-real"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development default while DEBUG is off. "
        "Set the SECRET_KEY environment variable to a long random value."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # oryauth's core and every role: the demo is the identity site (portal +
    # provider), a relying party of it, and where staff manage Hydra clients
    # and Kratos identities.
    "oryauth",
    "oryauth.portal",
    "oryauth.provider",
    "oryauth.client",
    "oryauth.client_admin",
    "oryauth.identity_admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user / request.ory from the Kratos session cookie (header
    # credentials only on views that accept them).
    "oryauth.middleware.OryAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oryauth.responses.OryErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "siteproject.urls"
# login_required sends anonymous users to the relying party's start view (sign in through Hydra).
LOGIN_URL = "oryauth_client:login"
WSGI_APPLICATION = "siteproject.wsgi.application"

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
            ],
        },
    },
]

# Default profile: SQLite and a per-process cache, for one person at a time.
# `make run PROFILE=production` sets DATABASE_URL (PostgreSQL) and CACHE_URL
# (Redis) instead; see docs/deploy.md.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Measured (../shared/PRODUCTION_NOTES.md): without these, concurrent
    # sign-ins fail with "database is locked" (user provisioning on /consent,
    # session saves on /auth/login); with them 128 at once took no lock error.
    # IMMEDIATE takes the write lock when a transaction starts, so a reader
    # never has to upgrade (and deadlock); `timeout` waits for it instead of
    # failing; WAL lets readers work beside the one writer. A URL's own
    # options (?timeout=...) win.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # Tests get a file too, not Django's shared in-memory database: its table
    # locks fail at once ("database table is locked") instead of waiting
    # `timeout`, so a test reading while the live server wrote (a back-channel
    # logout) made one of them fail.
    DATABASES["default"].setdefault("TEST", {"NAME": str(BASE_DIR / "test-db.sqlite3")})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A PostgreSQL that does not answer must fail a request in seconds (and
    # show the 503 page), not hold a worker thread for the OS's TCP timeout.
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": 5, **DATABASES["default"].get("OPTIONS", {})}

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is down is an empty cache, not a 500 (siteproject/cache.py);
    # one that hangs must cost a request half a second, not the client's
    # default of waiting forever.
    CACHES["default"]["BACKEND"] = "siteproject.cache.OutageTolerantRedisCache"
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
        **CACHES["default"].get("OPTIONS", {}),
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The languages oryauth's pages are translated into (oryauth/locale); the
# browser's Accept-Language picks one, the switcher on every page changes it.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"oryauth": {"handlers": ["console"], "level": env.str("ORYAUTH_LOG_LEVEL", default="INFO")}},
}

# --- oryauth -----------------------------------------------------------------
# Server-side URLs are what Django calls; KRATOS_BROWSER_URL is what the
# browser is sent to (they differ behind a proxy or in containers).
ORYAUTH = {
    "KRATOS_PUBLIC_URL": env.str("KRATOS_PUBLIC_URL", default="http://127.0.0.1:4433"),
    "KRATOS_BROWSER_URL": env.str("KRATOS_BROWSER_URL", default="")
    or env.str("KRATOS_PUBLIC_URL", default="http://127.0.0.1:4433"),
    "KRATOS_ADMIN_URL": env.str("KRATOS_ADMIN_URL", default="http://127.0.0.1:4434"),
    "HYDRA_PUBLIC_URL": env.str("HYDRA_PUBLIC_URL", default="http://127.0.0.1:4444"),
    "HYDRA_ADMIN_URL": env.str("HYDRA_ADMIN_URL", default="http://127.0.0.1:4445"),
    "HTTP_TIMEOUT": env.float("ORY_HTTP_TIMEOUT", default=5.0),
    # The demo site is itself an OAuth2 client of the local Hydra;
    # `make run` registers it (manage.py oryauth_clients ensure-site-client).
    "CLIENT_ID": env.str("ORYAUTH_CLIENT_ID", default="oryauth-demo"),
    "CLIENT_SECRET": env.str("ORYAUTH_CLIENT_SECRET", default="dev-demo-client-secret-change-me"),
    "CLIENT_NAME": env.str("ORYAUTH_CLIENT_NAME", default="oryauth demo site"),
    "CLIENT_AUTH_METHOD": env.str("ORYAUTH_CLIENT_AUTH_METHOD", default="client_secret_basic"),
    "CLIENT_REDIRECT_URI": env.str("ORYAUTH_CLIENT_REDIRECT_URI", default="http://127.0.0.1:8000/auth/callback"),
    "CLIENT_POST_LOGOUT_REDIRECT_URI": env.str(
        "ORYAUTH_CLIENT_POST_LOGOUT_REDIRECT_URI", default="http://127.0.0.1:8000/auth/logged-out"
    ),
    "CLIENT_BACKCHANNEL_LOGOUT_URI": env.str(
        "ORYAUTH_CLIENT_BACKCHANNEL_LOGOUT_URI", default="http://127.0.0.1:8000/auth/backchannel-logout"
    ),
    "CLIENT_SCOPES": env.list("ORYAUTH_CLIENT_SCOPES", default=["openid", "offline_access", "email", "profile"]),
    # The demo's API (/api/me/) takes only access tokens issued for it: a token
    # a person got for another client or API is refused.
    "ACCESS_TOKEN_AUDIENCE": env.list("ORYAUTH_API_AUDIENCE", default=["http://127.0.0.1:8000/api/"]),
    # Social sign-in providers served over plain http (development only; any
    # https provider is allowed on pages that show provider buttons).
    "CONTENT_SECURITY_POLICY": {"form-action": env.list("ORYAUTH_CSP_FORM_ACTION", default=[])},
    # Zero-round-trip mode (off unless set): JWT access tokens and Kratos's
    # tokenized sessions verified here. The local Kratos signs tokenized
    # sessions with deploy/ory/dev-only-keys (development only).
    "JWT_ACCESS_TOKENS": env.bool("ORYAUTH_JWT_ACCESS_TOKENS", default=False),
    "SESSION_JWT_JWKS_FILE": env.str("ORYAUTH_SESSION_JWT_JWKS_FILE", default=""),
    "INTROSPECT_SCOPES": env.list("ORYAUTH_INTROSPECT_SCOPES", default=[]),
}
