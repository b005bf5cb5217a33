"""Django's settings for a workspace: everything is fixed here except what a council must choose,
which comes from the environment (see the README's "The workspace").

Security comes from Django and well-kept add-ons, not from code of ours: sessions, CSRF, argon2
password hashing, login required everywhere by default (LoginRequiredMiddleware), login throttling
(django-axes), a Content Security Policy (django-csp) and frame denial.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

ROOT = Path(os.environ.get("ASSEMBLER_ROOT", ".")).resolve()
PAPERS = ROOT / "papers"
OUTPUT = ROOT / "output"
DATABASE = ROOT / "workspace.sqlite3"
QUEUE = ROOT / "workspace-queue.sqlite3"  # builds waiting: transient, no need to back it up
REDIS_URL = os.environ.get("ASSEMBLER_REDIS_URL", "")  # several workers share a Redis queue
ORGANISATION = os.environ.get("ASSEMBLER_ORGANISATION", "")  # else each meeting's `organisation`
HTTPS = os.environ.get("ASSEMBLER_HTTPS", "") == "1"  # behind a reverse proxy that terminates TLS


def _secret_key(path: Path) -> str:
    """The key that signs sessions and CSRF tokens: made once, kept beside the database, readable
    by the workspace's own account only."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key)
        return key


SECRET_KEY = os.environ.get("ASSEMBLER_SECRET_KEY") or _secret_key(ROOT / "workspace-secret.key")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ASSEMBLER_ALLOWED_HOSTS", "localhost 127.0.0.1 [::1]").split()
CSRF_TRUSTED_ORIGINS = os.environ.get("ASSEMBLER_TRUSTED_ORIGINS", "").split()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",
    "assembler.web",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # deny by default
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "assembler.web.middleware.no_store",
    "axes.middleware.AxesMiddleware",
]
ROOT_URLCONF = "assembler.web.urls"
WSGI_APPLICATION = "assembler.web.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "assembler.web.context.workspace",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": DATABASE,
    # WAL lets pages be read while the worker writes a build's progress; IMMEDIATE takes the write
    # lock at the start of a transaction, so two writers wait their turn instead of failing.
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE", "timeout": 20},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "web.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = ["assembler.web.passwords.Argon2"]  # Django's argon2, two at a time: see passwords.py
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = int(timedelta(hours=10).total_seconds())  # a working day, then log in again
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(timedelta(days=365).total_seconds())
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF],
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}}

AXES_FAILURE_LIMIT = 5  # wrong passwords for one account from one address, then a pause
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_VERBOSE = False

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # served from the package itself: no collectstatic step to forget
WHITENOISE_MAX_AGE = 3600

UPLOAD_LIMIT = 50 * 1024 * 1024  # a partner's document
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a form without a file
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
USE_TZ = True
TIME_ZONE = "Europe/London"
LANGUAGE_CODE = "en-gb"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"axes": {"level": "WARNING"}, "django.security": {"level": "WARNING"}}}
CSRF_FAILURE_VIEW = "assembler.web.pages.csrf_failure"
