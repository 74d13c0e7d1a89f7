"""tongban settings: one module, every value read from the environment (see .env.example).

With nothing set the platform runs on SQLite with in-process defaults.
"""

import os
from pathlib import Path

import environ

from tongban.core import keyfile

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Keys. Production is explicit: TONGBAN_ENV=production. There every key comes from the
# environment and a missing, generated or published one refuses service (tongban/core/checks.py,
# tongban/wsgi.py). Anywhere else (the demo, development, the tests) a key left unset comes from
# this installation's generated key file, var/keys.env (tongban/core/keyfile.py).
TONGBAN_ENV = env.str("TONGBAN_ENV", default="development").strip().lower()
KEYS_FILE = Path(env.str("TONGBAN_KEYS_FILE", default=str(VAR_DIR / "keys.env")))
# Where each key came from: "environment", "generated" (KEYS_FILE) or "missing".
KEY_SOURCES: dict[str, str] = {}
_generated: dict[str, str] = {}


def _key(name: str, *, production_default: str = "") -> str:
    value = env.str(name, default="")
    if value:
        KEY_SOURCES[name] = "environment"
        return value
    # Production, or a key id whose key the environment gives: never the key file's.
    if TONGBAN_ENV == keyfile.PRODUCTION or KEY_SOURCES.get(name.removesuffix("_ID")) == "environment":
        KEY_SOURCES[name] = "missing"
        return production_default
    if not _generated:
        _generated.update(keyfile.load_or_create(KEYS_FILE))
    KEY_SOURCES[name] = "generated"
    return _generated[name]


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _key("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Reference data the platform ships (regions; see tongban/core/data/regions/README.md): inside
# the package, so a clone runs on its own. A province may point it at its own copy.
REFERENCE_DATA_DIR = Path(env.str("REFERENCE_DATA_DIR", default=str(BASE_DIR / "tongban" / "core" / "data")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "oauth2_provider",
    "rules.apps.AutodiscoverRulesConfig",
    "tongban.core",
    "tongban.accounts",
    "tongban.catalog",
    "tongban.cases",
    "tongban.licences",
    "tongban.exchange",
    "tongban.openness",
    "tongban.insight",
    "tongban.bundles",
    "tongban.hotline",
    "tongban.ratings",
    "tongban.supervision",
    "tongban.portal",
    "tongban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tongban.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tongban.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tongban.core.middleware.NoStoreMiddleware",
    "tongban.core.middleware.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tongban.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "tongban.urls"
WSGI_APPLICATION = "tongban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tongban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongban.portal.context.portal",
            ],
            # {% once_field %}: the one-time token every POST form carries (core.idempotency)
            "builtins": ["tongban.core.templatetags.once"],
        },
    }
]

# --- Database: SQLite (embedded default, WAL, IMMEDIATE transactions) or DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tongban.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # Tests use a file, not Django's in-memory database: with one in memory the live server's
    # threads share a single connection, and two requests at once (a browser and a relying
    # party's back channel) trample each other's transactions.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_tongban_{os.getpid()}.sqlite3")}
else:
    # One test database per process, so parallel test runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Short OLTP queries: JIT compilation costs more (tens of ms) than it ever saves here.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: local memory unless REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks: django.tasks with the database queue (db_worker).
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

AUTH_USER_MODEL = "accounts.User"
# People's passwords: Django's default (PBKDF2 first). The last entry is only for OIDC client
# secrets (128 random characters, see tongban/accounts/hashers.py), named by
# OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]; it is listed so stored secrets can be identified.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "tongban.accounts.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Language: Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tongban" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)

# --- Uploads: a hard cap on request bodies and on catalogue spreadsheets.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=25 * 1024 * 1024)
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
CATALOG_IMPORT_MAX_ROWS = env.int("CATALOG_IMPORT_MAX_ROWS", default=200_000)

# --- Security headers: CSP (Django 6 built-in), no inline scripts, same-origin everything.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
CSRF_COOKIE_HTTPONLY = True

# --- Audit chain, its anchors, and the keys of data at rest (see "Keys" above for where they
# come from; none has a usable default).
AUDIT_CHAIN_GENESIS = env.str("AUDIT_CHAIN_GENESIS", default="tongban")
# HMAC-SM3 key (32 bytes hex) signing the audit chain's anchors, and the append-only file they go
# to (docs/decisions/0007-audit-anchors.md; `manage.py audit anchor`, `manage.py audit verify`).
AUDIT_ANCHOR_KEY = _key("AUDIT_ANCHOR_KEY")
AUDIT_ANCHOR_FILE = Path(env.str("AUDIT_ANCHOR_FILE", default=str(VAR_DIR / "audit-anchors.jsonl")))
# SM4 key (16 bytes hex) for personal data at rest, its id, and retired "id:hex" keys that still
# decrypt until `manage.py keys rotate` has re-encrypted everything.
PERSONAL_DATA_KEY = _key("PERSONAL_DATA_KEY")
PERSONAL_DATA_KEY_ID = _key("PERSONAL_DATA_KEY_ID", production_default="k1")
PERSONAL_DATA_KEYS_OLD = env.list("PERSONAL_DATA_KEYS_OLD", default=[])
# SM4 key-encryption key (16 bytes hex) for secrets that are keys themselves: e-seal and OIDC
# signing private keys, staff TOTP secrets. Separate from the personal-data key.
KEY_ENCRYPTION_KEY = _key("KEY_ENCRYPTION_KEY")
KEY_ENCRYPTION_KEY_ID = _key("KEY_ENCRYPTION_KEY_ID", production_default="kek1")
KEY_ENCRYPTION_KEYS_OLD = env.list("KEY_ENCRYPTION_KEYS_OLD", default=[])
# HMAC-SM3 key (32 bytes hex) of the blind indexes used to look identifiers up.
BLIND_INDEX_KEY = _key("BLIND_INDEX_KEY")
# The generated key file may hold retired keys too (after `keys rotate --new-key`).
if not env.list("PERSONAL_DATA_KEYS_OLD", default=[]) and _generated.get("PERSONAL_DATA_KEYS_OLD"):
    PERSONAL_DATA_KEYS_OLD = [k for k in _generated["PERSONAL_DATA_KEYS_OLD"].split(",") if k]
if not env.list("KEY_ENCRYPTION_KEYS_OLD", default=[]) and _generated.get("KEY_ENCRYPTION_KEYS_OLD"):
    KEY_ENCRYPTION_KEYS_OLD = [k for k in _generated["KEY_ENCRYPTION_KEYS_OLD"].split(",") if k]

# --- Unified identity (统一身份认证): sign-in policy, SMS and e-mail gateways, OIDC provider.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/me/"
# Sign-in lockout: LOGIN_MAX_FAILURES attempts per typed identifier and per account (and
# TOTP_MAX_FAILURES second-factor codes per account) in LOGIN_LOCKOUT_MINUTES from the first.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
TOTP_MAX_FAILURES = env.int("TOTP_MAX_FAILURES", default=5)
# Rate limits ("count/window", window in s, m, h or d), counted in the cache RATELIMIT_CACHE
# (Redis when REDIS_URL is set, so all workers share them; see tongban/core/ratelimit.py).
RATELIMIT_CACHE = env.str("RATELIMIT_CACHE", default="default")
SMS_RATE_PER_NUMBER = env.str("SMS_RATE_PER_NUMBER", default="5/1h")
SMS_RATE_PER_ADDRESS = env.str("SMS_RATE_PER_ADDRESS", default="30/1h")
SMS_RATE_GLOBAL = env.str("SMS_RATE_GLOBAL", default="600/1m")
VERIFY_RATE_PER_ACCOUNT = env.str("VERIFY_RATE_PER_ACCOUNT", default="5/1h")
VERIFY_RATE_PER_ADDRESS = env.str("VERIFY_RATE_PER_ADDRESS", default="30/1h")
SMS_GATEWAY = env.str("SMS_GATEWAY", default="tongban.accounts.gateways.ConsoleSmsGateway")
SMS_CODE_TTL_SECONDS = env.int("SMS_CODE_TTL_SECONDS", default=300)
# E-mail notices: the gateway class (console by default: the text printed, the address masked;
# tongban.accounts.gateways.DjangoMailGateway sends through the mailer below), the lifetime of the
# code that confirms an address, and the sender.
EMAIL_GATEWAY = env.str("EMAIL_GATEWAY", default="tongban.accounts.gateways.ConsoleEmailGateway")
EMAIL_CODE_TTL_SECONDS = env.int("EMAIL_CODE_TTL_SECONDS", default=600)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
# Django's mailer (Django 6.1 MAILERS; the old EMAIL_HOST... settings are deprecated), read from
# the EMAIL_* variables. SMTP options apply to the SMTP backend only; a short timeout, because
# notices are sent in the request that committed the step.
_email_backend = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": {
            "host": env.str("EMAIL_HOST", default="localhost"),
            "port": env.int("EMAIL_PORT", default=None),  # None: 465 with SSL, 587 with TLS, else 25
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": env.str("EMAIL_HOST_PASSWORD", default=""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            "use_ssl": env.bool("EMAIL_USE_SSL", default=False),
            "timeout": env.int("EMAIL_TIMEOUT", default=10),
        }
        if _email_backend == "django.core.mail.backends.smtp.EmailBackend"
        else {},
    }
}
TOTP_ISSUER = env.str("TOTP_ISSUER", default="tongban")
# Empty: the issuer is the site root of each request (http://127.0.0.1:8000). Set it in production.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_KEY_GRACE_HOURS = env.int("OIDC_KEY_GRACE_HOURS", default=24)
OAUTH2_PROVIDER_APPLICATION_MODEL = "accounts.Client"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_ISS_ENDPOINT": OIDC_ISSUER,
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_SECONDS", default=600),
    "ID_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ID_TOKEN_SECONDS", default=600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OIDC_REFRESH_TOKEN_SECONDS", default=8 * 3600),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "OAUTH2_VALIDATOR_CLASS": "tongban.accounts.oidc.TongbanValidator",
    # Only the documented grants (code + PKCE, refresh, client credentials); no password grant,
    # no implicit or hybrid flow (tongban/accounts/oidc_server.py).
    "OIDC_SERVER_CLASS": "tongban.accounts.oidc_server.TongbanServer",
    # Client secrets: a fast salted HMAC-SM3 (tongban.accounts.hashers), not the password KDF.
    "CLIENT_SECRET_HASHER": "tongban_hmac_sm3",
    "SCOPES": {
        "openid": "身份标识（必需）",
        "profile": "姓名与实名认证等级",
        "phone": "手机号码（脱敏）",
        "id_number": "身份证号码（脱敏）",
        "acting": "当前办事身份（本人、代表的企业或被代办人）",
        "api": "系统间接口调用",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}

# --- The demo department system (tongban/demo/rp/): a relying party that reaches the platform
# only over HTTP. Empty issuer: the site root of each request. The secret is a published demo
# value (the seed registers the client with it); never use the demo client in production.
DEMO_RP_ISSUER = env.str("DEMO_RP_ISSUER", default="")
DEMO_RP_CLIENT_ID = env.str("DEMO_RP_CLIENT_ID", default="tongban-demo-department")
DEMO_RP_CLIENT_SECRET = env.str(
    "DEMO_RP_CLIENT_SECRET",
    default="tongban-demo-department-secret-2026",  # a published demo secret, see .env.example
)

# --- Data-sharing federation (tongban/exchange/federation.py, docs/exchange.md "Federation").
# This instance's node: "province:<region>" (the default) or "city:<region>" for a city's own
# instance. A city names its province's base URL and its own client credentials there (to register
# its catalogue entries); EXCHANGE_NODE_URL is this instance's base URL as the province reaches it.
# A province lists the city nodes it routes calls to, as JSON: {"city:420100": {"url": "http://...",
# "registrant": "<the city's client id here>", "client_id": "<the province's client id at the
# city>", "client_secret": "..."}}.
EXCHANGE_NODE = env.str("EXCHANGE_NODE", default="province:420000")
EXCHANGE_NODE_URL = env.str("EXCHANGE_NODE_URL", default="")
EXCHANGE_UPSTREAM_URL = env.str("EXCHANGE_UPSTREAM_URL", default="")
EXCHANGE_UPSTREAM_CLIENT_ID = env.str("EXCHANGE_UPSTREAM_CLIENT_ID", default="")
EXCHANGE_UPSTREAM_CLIENT_SECRET = env.str("EXCHANGE_UPSTREAM_CLIENT_SECRET", default="")
EXCHANGE_DOWNSTREAM = env.json("EXCHANGE_DOWNSTREAM", default={})
# Seconds this node waits for another node, whatever the exchange: a call routed to a city's
# gateway (PROVIDER_TIMEOUT past it), the token fetched there, a city's registration push. One
# setting: each is one HTTP request to a peer node on the same network path.
EXCHANGE_REMOTE_TIMEOUT = env.float("EXCHANGE_REMOTE_TIMEOUT", default=3.0)
# The headers of a call the gateway routes to a city's gateway: the province's token there.
# At a node that other nodes' gateways call: their systems' client ids here → their node names
# ({"hubei-exchange-node": "province:420000"}), written in the call log's `node`.
EXCHANGE_PEER_CLIENTS = env.json("EXCHANGE_PEER_CLIENTS", default={})
EXCHANGE_REMOTE_AUTH = env.str("EXCHANGE_REMOTE_AUTH", default="tongban.exchange.federation.remote_auth")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"jieba": {"level": "ERROR"}},
}

# Data sharing gateway (tongban/exchange/README.md "Gateway"): seal the call log's hash chain in a
# thread of each web worker (PostgreSQL) rather than on a request once a second.
EXCHANGE_SEAL_IN_THREAD = env.bool("EXCHANGE_SEAL_IN_THREAD", default=False)
