"""Sora Studio settings: one module, configured from the environment, running with none.

With no environment at all the studio runs on its embedded default: SQLite in ``DATA_DIR``, django-q2's ORM
broker, local file storage, and the built-in simulator of the OpenAI ``/v1/videos`` contract. Every variable is
listed with its default in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------------------------
# Environment helpers: bad values fail at start with a message naming the variable.
# ---------------------------------------------------------------------------------------------------------------
def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ImproperlyConfigured(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None) -> float:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ImproperlyConfigured(f"{name} must be at least {minimum}{upper}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = env_str(name, default)
    if raw == "":
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ImproperlyConfigured(f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, got {raw!r}")
    return raw


# ---------------------------------------------------------------------------------------------------------------
# Secrets: from the environment, or from a file named by <NAME>_FILE (systemd's LoadCredential=, a mounted secret).
# The file must exist, be a regular file and not be readable by every user; otherwise the studio refuses to start.
# ---------------------------------------------------------------------------------------------------------------
def secret_from_file(name: str) -> str | None:
    """The content of the file that <name>_FILE names (surrounding whitespace stripped), or None when it is unset."""
    variable = f"{name}_FILE"
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return None
    path = Path(raw)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImproperlyConfigured(f"{variable} names {raw}, which does not exist") from None
    except OSError as exc:
        raise ImproperlyConfigured(f"{variable} names {raw}, which cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ImproperlyConfigured(f"{variable} names {raw}, which is not a regular file")
    if info.st_mode & stat.S_IROTH:
        raise ImproperlyConfigured(
            f"{variable} names {raw}, which every user of this machine can read (mode {stat.S_IMODE(info.st_mode):04o}):"
            f" make it readable by the studio's user only (chmod 600 or 640)"
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(f"{variable} names {raw}, which cannot be read ({exc})") from None
    if not value:
        raise ImproperlyConfigured(f"{variable} names {raw}, which is empty")
    direct = os.environ.get(name, "").strip()
    if direct and direct != value:
        raise ImproperlyConfigured(f"{name} and {variable} are both set, to different values: set only one")
    return value


def env_secret(name: str, default: str = "") -> str:
    """A secret from <name>_FILE, else from <name> itself."""
    from_file = secret_from_file(name)
    return from_file if from_file is not None else env_str(name, default)


def export_secret_file(name: str) -> None:
    """For secrets other code reads from the process environment (provider keys): put the file's content there."""
    value = secret_from_file(name)
    if value is not None:
        os.environ[name] = value


# ---------------------------------------------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------------------------------------------
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _kept_secret(name: str, make) -> str:
    """A secret generated once into DATA_DIR/<name> (mode 600) and read from there ever after."""
    path = DATA_DIR / name
    if not path.exists():
        # O_EXCL: two processes starting at once must not each write their own secret.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
    return path.read_text().strip()


# SECRET_KEY from the environment, else one generated once and kept in the data folder (`check --deploy` warns:
# every machine of a studio must share one key, config/checks.py).
SECRET_KEY = env_secret("SECRET_KEY")
SECRET_KEY_GENERATED = not SECRET_KEY
SECRET_KEY = SECRET_KEY or _kept_secret("secret_key", lambda: secrets.token_urlsafe(50))

SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", urlparse(SITE_URL).hostname or "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Before django_q: its `qcluster` command runs the start-up checks first (config/management/commands/qcluster.py);
    # its ready() registers those checks (config/checks.py).
    "config.apps.StudioConfig",
    "django_q",
    "axes",
    "accounts",
    "providers",
    "assets",
    "quotas",
    "videos",
    "characters",
    "storyboards",
    "audit",
    "transfer",
    "reviews",
    "videos.sora.simulator.apps.SimulatorConfig",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.inputs.InputGuardMiddleware",  # before sessions and CSRF: NUL/surrogates get a 400, uploads a cap
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.RefusalMiddleware",  # records refusals the pages make before a service runs
    # Last (django-axes): turns a login refused for too many failures into the studio's lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.studio",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------------------------
# Database: SQLite in DATA_DIR by default, PostgreSQL from DATABASE_URL
# ---------------------------------------------------------------------------------------------------------------
import dj_database_url

DATABASE_URL = env_secret("DATABASE_URL")
# Seconds to wait for PostgreSQL to accept a connection (a start-up check or /healthz must not hang on a dead host).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1, maximum=300)
if DATABASE_URL:
    _scheme = urlparse(DATABASE_URL).scheme
    if _scheme not in ("postgres", "postgresql", "pgsql", "sqlite"):
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// or sqlite:// URL, got scheme {_scheme!r}")
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except ValueError:
        # Never the URL itself in the message: it holds the password.
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid database URL (postgres://user:password@host:5432/name; a password with"
            " special characters must be %-encoded)"
        ) from None
    if not _db.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://user:password@host:5432/<name>)")
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "studio.sqlite3")}

def _private_sqlite(name: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite opens it, and tighten one made looser earlier.

    SQLite creates its -wal, -shm and -journal files with the database file's own permissions, so they follow.
    """
    if name in ("", ":memory:") or name.startswith("file:"):
        return
    path = Path(name)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except FileNotFoundError:
        return  # its folder does not exist: SQLite will say so when it opens it
    for part in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        try:
            if part.stat().st_mode & 0o077:
                part.chmod(0o600)
        except (FileNotFoundError, PermissionError):
            pass  # not there, or another user's file: nothing this process may change


if _db["ENGINE"] == "django.db.backends.sqlite3":
    _private_sqlite(str(_db["NAME"]))
    # BEGIN IMMEDIATE + WAL: several processes (web, workers) write without "database is locked" (ECOSYSTEM 1.3).
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db.setdefault("TEST", {})["NAME"] = str(DATA_DIR / "test.sqlite3")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "videos:gallery"
LOGOUT_REDIRECT_URL = "login"
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one username, or from one client address,
# within LOGIN_LOCKOUT_MINUTES, logins for it are refused until that long after the last failure. Covers the
# studio's login and the admin's. A successful login clears that username's failures from that address.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Password-reset mails: at most this many per address, and this many requests per client address, per hour.
PASSWORD_RESET_MAX_PER_ADDRESS = env_int("PASSWORD_RESET_MAX_PER_ADDRESS", 3, minimum=1)
PASSWORD_RESET_MAX_PER_CLIENT = env_int("PASSWORD_RESET_MAX_PER_CLIENT", 10, minimum=1)
# The client's address is the connection's (REMOTE_ADDR) unless the studio is told how many reverse proxies in front
# of it append to X-Forwarded-For: then it is the entry that many places from the right. 0 ignores the header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)

AUTHENTICATION_BACKENDS = [
    "accounts.throttle.LoginThrottleBackend",  # refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # accounts.throttle clears only the user's own failures (axes would clear the address)
AXES_DISABLE_ACCESS_LOG = True  # no row per successful login; failures are what throttling needs
# Masked in the copy of the form axes keeps with each failure (it always masks the password).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

EMAIL_URL = env_str("EMAIL_HOST")
_email_password = env_secret("EMAIL_HOST_PASSWORD")  # read (and its file checked) even while EMAIL_HOST is unset
if EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_URL
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = _email_password
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    # Without EMAIL_HOST mail is printed to the log, reset links (working tokens) included: the studio warns at
    # start and `manage.py check --deploy` warns (accounts/checks.py).
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sora Studio <studio@localhost>")

# ---------------------------------------------------------------------------------------------------------------
# Internationalisation, static and media files
# ---------------------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# Stored files: local (MEDIA_ROOT) unless S3_BUCKET is set; then an S3-compatible bucket (assets/s3.py: streaming
# reads and writes, short-lived signed URLs). A malformed setting stops the studio here; an unreachable bucket, wrong
# credentials or a bucket that refuses writes stop `manage.py check --database default` (config/checks.py).
S3_BUCKET = env_str("S3_BUCKET")
# How the studio hands a stored file to a browser after its access check: "redirect" to a signed URL on the bucket
# (browsers must reach it at S3_PUBLIC_ENDPOINT_URL), or "proxy" it through Django (the bucket stays private).
S3_SERVE = env_str("S3_SERVE", "redirect").lower()
if S3_SERVE not in ("redirect", "proxy"):
    raise ImproperlyConfigured(f"S3_SERVE must be redirect or proxy, got {S3_SERVE!r}")
# Lifetime of those signed URLs, in seconds.
S3_URL_EXPIRE = env_int("S3_URL_EXPIRE", 300, minimum=60, maximum=600)
S3_ENDPOINT_URL = env_url("S3_ENDPOINT_URL", "", schemes=("http", "https"))
S3_PUBLIC_ENDPOINT_URL = env_url("S3_PUBLIC_ENDPOINT_URL", "", schemes=("http", "https"))
S3_ACCESS_KEY_ID = env_secret("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = env_secret("S3_SECRET_ACCESS_KEY")
S3_REGION = env_str("S3_REGION", "us-east-1")
S3_ADDRESSING_STYLE = env_str("S3_ADDRESSING_STYLE", "path").lower()
# Seconds /healthz and the start-up checks wait for each of the database, the broker and the storage.
HEALTHZ_TIMEOUT = env_float("HEALTHZ_TIMEOUT", 2.0, minimum=0.1, maximum=30.0)
if S3_BUCKET:
    # AWS's rules for bucket names (most S3-compatible servers follow them).
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", S3_BUCKET) or ".." in S3_BUCKET:
        raise ImproperlyConfigured(
            f"S3_BUCKET must be a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, got {S3_BUCKET!r}"
        )
    if S3_ADDRESSING_STYLE not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE must be path, virtual or auto, got {S3_ADDRESSING_STYLE!r}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", S3_REGION):
        raise ImproperlyConfigured(f"S3_REGION must be a region name such as us-east-1, got {S3_REGION!r}")
    if bool(S3_ACCESS_KEY_ID) != bool(S3_SECRET_ACCESS_KEY):
        missing = "S3_SECRET_ACCESS_KEY" if S3_ACCESS_KEY_ID else "S3_ACCESS_KEY_ID"
        raise ImproperlyConfigured(
            f"{missing} is not set: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or neither, to use the"
            " machine's own AWS credentials)"
        )
    _default_storage = {
        "BACKEND": "assets.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "public_endpoint_url": S3_PUBLIC_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            "region_name": S3_REGION,
            "addressing_style": S3_ADDRESSING_STYLE,
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": False,  # a name in use gets a suffix, as on local disk; never a silent replace
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRE,
            # django-storages' own S3File (writes other than the studio's streams) spools to disk beyond 8 MiB.
            "max_memory_size": 8 << 20,
            "ping_timeout": HEALTHZ_TIMEOUT,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
# A file added since the last collectstatic is served unhashed rather than failing the page.
WHITENOISE_MANIFEST_STRICT = False

FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# ---------------------------------------------------------------------------------------------------------------
# Security (production switches; see README)
# ---------------------------------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# HTTP Strict Transport Security: browsers that saw it refuse plain HTTP for this long. Start small (3600), then
# raise to a year (31536000) once every page works over HTTPS; see README "Running in production".
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_URL.startswith("https://")
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A stale CSRF token (logged out and in again in another tab) gets the studio's own page, not Django's.
CSRF_FAILURE_VIEW = "accounts.errors.csrf_failure"

# ---------------------------------------------------------------------------------------------------------------
# Task queue: django-q2 on the database by default, on Redis with REDIS_URL
# ---------------------------------------------------------------------------------------------------------------
REDIS_URL = env_secret("REDIS_URL")  # may hold a password: REDIS_URL_FILE works too


def _check_redis_url(url: str) -> None:
    """Refuse a REDIS_URL redis-py would misread (never showing it: it may hold a password)."""
    from redis.connection import parse_url

    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("REDIS_URL must be a URL starting with redis://, rediss:// or unix://")
    try:
        parse_url(url)
        parsed.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL is not a valid Redis URL: {exc}") from None
    if parsed.scheme != "unix" and not parsed.hostname:
        raise ImproperlyConfigured("REDIS_URL names no host (redis://host:6379/0)")
    database = parsed.path.strip("/")
    if parsed.scheme != "unix" and database and not database.isdigit():
        raise ImproperlyConfigured("REDIS_URL must end with a database number (redis://host:6379/0)")


if REDIS_URL:
    _check_redis_url(REDIS_URL)
Q_CLUSTER = {
    "name": "sora-studio",
    "workers": env_int("Q_WORKERS", 2, minimum=1, maximum=64),
    # A task may run for at most `timeout` s; an ORM message is presented again `retry` s after dequeue.
    # timeout < retry, or a long task runs twice (ECOSYSTEM 1.2). Tasks themselves are idempotent anyway.
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "queue_limit": 4,
    "catch_up": False,
    "save_limit": 250,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# ---------------------------------------------------------------------------------------------------------------
# The /v1/videos contract: a real provider, or the built-in simulator
# ---------------------------------------------------------------------------------------------------------------
# The API key lives here and only here: never in a template, a log line, a task argument or a database row.
export_secret_file("OPENAI_API_KEY")  # providers read their key from the process environment by its name
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
# On by default exactly when no provider key is set; can be forced on beside a real provider.
SORA_SIMULATOR = env_bool("SORA_SIMULATOR", not OPENAI_API_KEY)
# The studio's own key for its simulator: random per installation (the simulator keeps each key's jobs apart, so
# nobody who merely reaches /sim/v1/ can list, download or delete the studio's videos). Set it for several machines.
SIMULATOR_API_KEY = env_secret("SIMULATOR_API_KEY") or _kept_secret("simulator_key", lambda: "sk-sim-" + secrets.token_urlsafe(32))
# OPENAI_BASE_URL / OPENAI_API_KEY (as the OpenAI SDK reads them) describe one provider, `openai`, created at
# migrate time whenever either is set (providers/environment.py); more providers are added in the admin or with
# `manage.py provider`. The simulator is its own provider, at SIMULATOR_BASE_URL (default: SITE_URL/sim/v1).
OPENAI_BASE_URL = env_url(
    "OPENAI_BASE_URL", "https://api.openai.com/v1" if OPENAI_API_KEY else "", schemes=("http", "https")
).rstrip("/")
OPENAI_PROVIDER_FROM_ENV = bool(OPENAI_BASE_URL)
OPENAI_PROVIDER_NAME = env_str("OPENAI_PROVIDER_NAME", "OpenAI-compatible server")[:100]
# The models that provider serves, by the names it knows them by (default: the built-in catalogue, sora-2 and
# friends); each starts with the contract's sizes and lengths, which its probe then narrows.
OPENAI_MODELS = env_list("OPENAI_MODELS", [])
SIMULATOR_BASE_URL = env_url("SIMULATOR_BASE_URL", "", schemes=("http", "https")).rstrip("/")
# Environment variables a provider may name as its key variable: these names, and names with these prefixes.
# Never the studio's own secrets (SECRET_KEY, DATABASE_URL, ...: providers/keys.py), whatever is listed here.
PROVIDER_KEY_VARIABLES = env_list("PROVIDER_KEY_VARIABLES", ["OPENAI_API_KEY", "OPENAI_WEBHOOK_SECRET"])
PROVIDER_KEY_PREFIXES = env_list("PROVIDER_KEY_PREFIXES", ["PROVIDER_"])
# A provider key may come from a file too: <NAME>_FILE for any NAME a provider may use (never the studio's own
# secrets, which only settings read), put into the process environment where the provider client looks for it.
from providers.keys import NEVER as _STUDIO_SECRETS  # noqa: E402 (a plain module: names only)

for _variable in sorted(os.environ):
    _name = _variable[: -len("_FILE")]
    if (
        _variable.endswith("_FILE")
        and re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", _name)
        and _name not in _STUDIO_SECRETS
        and (_name in PROVIDER_KEY_VARIABLES or _name.startswith(tuple(PROVIDER_KEY_PREFIXES)))
    ):
        export_secret_file(_name)
OPENAI_WEBHOOK_SECRET = env_secret("OPENAI_WEBHOOK_SECRET")
if OPENAI_WEBHOOK_SECRET and not OPENAI_WEBHOOK_SECRET.startswith("whsec_"):
    raise ImproperlyConfigured("OPENAI_WEBHOOK_SECRET must start with whsec_ (the Standard Webhooks format)")
SORA_TIMEOUT_CONNECT = env_float("SORA_TIMEOUT_CONNECT", 5.0, minimum=0.1)
SORA_TIMEOUT_READ = env_float("SORA_TIMEOUT_READ", 60.0, minimum=0.1)
SORA_MAX_RETRIES = env_int("SORA_MAX_RETRIES", 3, minimum=0, maximum=10)
# The largest file the studio downloads from a provider: the video, and a thumbnail or spritesheet (bytes). A larger
# one is refused with a permanent error (a server must not fill the disk).
SORA_MAX_DOWNLOAD_BYTES = env_int("SORA_MAX_DOWNLOAD_BYTES", 2 * 1024**3, minimum=1024)
SORA_MAX_IMAGE_BYTES = env_int("SORA_MAX_IMAGE_BYTES", 20 * 1024**2, minimum=1024)

# The studio's product rule (not an OpenAI one): a video can be remixed for this long after it was created.
REMIX_WINDOW_HOURS = env_int("REMIX_WINDOW_HOURS", 24, minimum=1)

# The audit log keeps entries this many days; the clock's daily prune removes older ones (0 keeps everything).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=0)
# Notifications (reviews/): mail goes out at most once per user per this many minutes, summarising what is unsent;
# open pages ask for the unread count this often.
NOTIFY_EMAIL_BATCH_MINUTES = env_int("NOTIFY_EMAIL_BATCH_MINUTES", 10, minimum=1)
NOTIFY_POLL_SECONDS = env_int("NOTIFY_POLL_SECONDS", 20, minimum=1)
# Outgoing project webhooks: a receiver may take this long (seconds) to answer; loopback and private addresses are
# allowed (self-hosted wiring) unless this is false; link-local and cloud metadata addresses are always refused.
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0, minimum=0.1, maximum=60.0)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", True)
# Importing a project (manage.py import_project): the largest archive, in bytes, its files may unpack to.
TRANSFER_MAX_IMPORT_BYTES = env_int("TRANSFER_MAX_IMPORT_BYTES", 20 * 1024**3, minimum=1024)

# How many remix variations one submit may ask for.
REMIX_MAX_VARIATIONS = env_int("REMIX_MAX_VARIATIONS", 4, minimum=1, maximum=20)
# The largest character clip a member may upload (an MP4 of 2-4 s); enforced while the upload streams.
CHARACTER_CLIP_MAX_BYTES = env_int("CHARACTER_CLIP_MAX_BYTES", 16 * 1024**2, minimum=1024)
# Default cap on jobs in flight on one provider (each provider may set its own); more wait in "waiting for a slot",
# started round-robin by user.
SORA_MAX_IN_FLIGHT = env_int("SORA_MAX_IN_FLIGHT", 4, minimum=1)
# A provider failing this many calls in a row (no connection, TLS, 5xx) is paused for PROVIDER_CIRCUIT_SECONDS
# (doubling while it keeps failing): its jobs wait with the reason shown; other providers go on.
PROVIDER_CIRCUIT_FAILURES = env_int("PROVIDER_CIRCUIT_FAILURES", 5, minimum=1, maximum=1000)
PROVIDER_CIRCUIT_SECONDS = env_float("PROVIDER_CIRCUIT_SECONDS", 30.0, minimum=0.1)
# A provider that answers 429 (too many jobs in progress, or too many requests) gets its cap lowered to what it then
# had running for at least this long; its videos wait for a free slot, however long, and never fail for it.
PROVIDER_THROTTLE_SECONDS = env_float("PROVIDER_THROTTLE_SECONDS", 60.0, minimum=1.0)
# A create whose outcome is unknown (no answer, or a 5xx after which the job may exist) is looked for upstream for
# this long (where the provider can list its jobs), then failed with a refund and a message naming the provider.
SORA_UNKNOWN_OUTCOME_SECONDS = env_float("SORA_UNKNOWN_OUTCOME_SECONDS", 600.0, minimum=1.0)
# How often a create is tried before the video is failed (429/5xx/connection errors back off in between).
SORA_START_ATTEMPTS = env_int("SORA_START_ATTEMPTS", 5, minimum=1, maximum=50)
# Adaptive polling (seconds; videos.services.poll_delay): never below the minimum; at most the maximum apart, except
# a look at the end the job's pace predicts, which may wait as long as the time already waited.
POLL_MIN_SECONDS = env_float("POLL_MIN_SECONDS", 2.0, minimum=0.05)
POLL_MAX_SECONDS = env_float("POLL_MAX_SECONDS", 15.0, minimum=0.05)
# With a provider's webhooks configured, polling is a safety net: a first look after the expected render time,
# then one every this many seconds (a lost delivery is noticed this late at worst).
POLL_WEBHOOK_SECONDS = env_float("POLL_WEBHOOK_SECONDS", 300.0, minimum=1.0)
# The clock (videos.tasks.tick) reconciles what dead workers left this often while it runs.
RECONCILE_EVERY_SECONDS = env_float("RECONCILE_EVERY_SECONDS", 5.0, minimum=0.5)
# One poller task follows jobs for this long, then hands over to a fresh task (the schedule also starts one).
FOLLOW_MAX_SECONDS = env_float("FOLLOW_MAX_SECONDS", 55.0, minimum=1.0)

# Simulator realism (see README "Simulator").
SIM_RENDER_SECONDS = env_float("SIM_RENDER_SECONDS", 12.0, minimum=0.0)
SIM_API_KEYS = env_list("SIM_API_KEYS", [])
SIM_MAX_IN_FLIGHT = env_int("SIM_MAX_IN_FLIGHT", 0, minimum=0)
SIM_FAULT_RATE = env_float("SIM_FAULT_RATE", 0.0, minimum=0.0, maximum=1.0)
SIM_MODERATION_WORDS = env_list("SIM_MODERATION_WORDS", ["blocked-content"])
SIM_REMIX_WINDOW_HOURS = env_int("SIM_REMIX_WINDOW_HOURS", 0, minimum=0)
SIM_ASSET_TTL_SECONDS = env_int("SIM_ASSET_TTL_SECONDS", 3600, minimum=1)
SIM_WEBHOOK_URL = env_url("SIM_WEBHOOK_URL", "", schemes=("http", "https"))
SIM_WEBHOOK_SECRET = env_secret("SIM_WEBHOOK_SECRET", OPENAI_WEBHOOK_SECRET)
SIM_WEBHOOK_BACKOFF_SECONDS = env_float("SIM_WEBHOOK_BACKOFF_SECONDS", 5.0, minimum=0.0)
SIM_WEBHOOK_MAX_ATTEMPTS = env_int("SIM_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=100)
SIM_MEDIA_DIR = env_str("SIM_MEDIA_DIR", str(DATA_DIR / "simulator"))
SIM_FPS = env_int("SIM_FPS", 8, minimum=1, maximum=60)
# openai-poll-after-ms on unfinished jobs; empty = a tenth of the render time, 100..10000 ms.
SIM_POLL_AFTER_MS = env_int("SIM_POLL_AFTER_MS", 0, minimum=0) or None
# The one model the simulator's vllm-omni profile (/sim/vllm-omni/v1/) serves.
SIM_VLLM_OMNI_MODEL = env_str("SIM_VLLM_OMNI_MODEL", "Wan-AI/Wan2.2-T2V-A14B-Diffusers")

# ---------------------------------------------------------------------------------------------------------------
# The Team API (api/): personal tokens speaking /v1/videos to the studio
# ---------------------------------------------------------------------------------------------------------------
# Requests per token per window (429 with retry-after past it). Counted in the "api" cache: Redis with REDIS_URL
# (shared by every process), else this process's memory.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60, minimum=1)
# The largest input_reference image a create may upload (a larger one is a 400 in the contract's envelope).
API_UPLOAD_MAX_BYTES = env_int("API_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "sora-api"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sora-api"}
    ),
}

# ---------------------------------------------------------------------------------------------------------------
# Logging: to the console; the API key never appears in a message (the client never formats it).
# ---------------------------------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A 403 is an everyday answer (a viewer trying to edit, a stale form): one line, not a traceback.
    "filters": {"forbidden_one_line": {"()": "accounts.errors.ForbiddenOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts; not three INFO lines per attempt
        "django.request": {"filters": ["forbidden_one_line"]},
        "django.security.csrf": {"filters": ["forbidden_one_line"]},
    },
}
