"""Settings read from the environment (and from `.env` outside production)."""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

ENVIRONMENTS = ("development", "production", "testing")
DEV_SECRET = "dev-only-secret-change-me-before-deploying"
# Secrets that must never reach production: the development one and common placeholders.
WEAK_SECRETS = frozenset({"", DEV_SECRET, "secret", "changeme", "change-me", "dev", "development"})


class ConfigError(RuntimeError):
    """The environment does not describe a runnable Conduit."""


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables.

    `.env` in the working directory fills in variables the environment does not set,
    unless the real environment says CONDUIT_ENV=production.
    """
    env = dict(os.environ if environ is None else environ)
    if env.get("CONDUIT_ENV") != "production" and Path(".env").is_file():
        env = {**{k: v or "" for k, v in dotenv_values(".env").items()}, **env}

    conduit_env = env.get("CONDUIT_ENV", "production")
    if conduit_env not in ENVIRONMENTS:
        raise ConfigError(
            f"CONDUIT_ENV must be one of {', '.join(ENVIRONMENTS)}; got {conduit_env!r}."
        )
    production = conduit_env == "production"

    secret = env.get("SECRET_KEY", "")
    if production and (secret in WEAK_SECRETS or len(secret) < 32):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value in production "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))'). "
            "For local development set CONDUIT_ENV=development instead."
        )

    default_db = f"sqlite:///{Path(instance_path) / 'conduit.db'}"
    return {
        "CONDUIT_ENV": conduit_env,
        "SECRET_KEY": secret or DEV_SECRET,
        "DATABASE_URL": normalise_database_url(env.get("DATABASE_URL") or default_db),
        # Articles per page in feeds.
        "FEED_PAGE_SIZE": _positive_int(env, "FEED_PAGE_SIZE", 10),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Names this app server in an X-Served-By header (useful behind a load balancer).
        "INSTANCE_NAME": env.get("INSTANCE_NAME") or None,
        # Larger request bodies are refused with 413.
        "MAX_CONTENT_LENGTH": _positive_int(env, "MAX_BODY_BYTES", 1024 * 1024),
        # Sign-in and sign-up attempts (limits syntax: "10 per minute;50 per hour").
        "SIGNIN_LIMIT_PER_IP": env.get("SIGNIN_LIMIT_PER_IP", "20 per minute;100 per hour"),
        "SIGNIN_LIMIT_PER_ACCOUNT": env.get("SIGNIN_LIMIT_PER_ACCOUNT", "5 per minute;30 per hour"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis is unreachable, count in memory rather than fail the request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        # API tokens (signed with SECRET_KEY) and the origins allowed to call the API.
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(
            hours=_positive_int(env, "JWT_EXPIRES_HOURS", 24 * 7)
        ),
        "CORS_ORIGINS": _origins(env.get("CORS_ORIGINS"), production),
        # Server-Timing header with SQL counts: a development aid, never in production.
        "SERVER_TIMING": conduit_env == "development",
    }


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive integer; got {raw!r}.")
    return int(raw)


def _origins(raw: str | None, production: bool) -> list[str] | str:
    """CORS origins for /api: a comma-separated list, "*", or by default none in
    production and any in development."""
    if raw is None:
        return [] if production else "*"
    if raw.strip() == "*":
        return "*"
    return [origin.strip() for origin in raw.split(",") if origin.strip()]
