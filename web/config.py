"""Settings: one typed object (pydantic-settings) that reads and documents every
environment variable Conduit uses, once.

Values come from the environment; outside production a `.env` file in the working
directory fills in what the environment does not set. `load()` turns the settings into
Flask's config mapping. The README's configuration table is `settings_table()`'s output
(a test keeps them the same).
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlsplit

from pydantic import Field, PositiveFloat, PositiveInt, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from web.bounds import SEARCH_WINDOW

DEV_SECRET = "dev-only-secret-change-me-before-deploying"
# Secrets that must never reach production: the development one and common placeholders.
WEAK_SECRETS = frozenset({"", DEV_SECRET, "secret", "changeme", "change-me", "dev", "development"})
SECRET_HINT = (
    "SECRET_KEY must be set to a long random value in production "
    "(for example: python -c 'import secrets; print(secrets.token_hex(32))'). "
    "For local development set CONDUIT_ENV=development instead."
)


SITE_URL_HINT = (
    "SITE_URL must be set in production to the site's public address, for example "
    "SITE_URL=https://conduit.example: links in emails and feeds are built from it."
)
DEV_SITE_URL = "http://127.0.0.1:5000"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable Conduit."""


def _setting(shown_default: str, meaning: str) -> Any:
    """A setting's documentation: its default as people read it, and what it means."""
    return Field(description=meaning, json_schema_extra={"shown_default": shown_default})


class Settings(BaseSettings):
    """Every variable, its type, its default and what it means (the README's table)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_file=None)

    conduit_env: Annotated[
        Literal["development", "testing", "production"],
        _setting(
            "`production`", "`development`, `testing` or `production`. `make` sets `development`."
        ),
    ] = "production"
    secret_key: Annotated[
        str,
        _setting(
            "a development-only value",
            "Signs sessions and CSRF tokens. **Required in production** (32+ random "
            "characters); the app refuses to start without it.",
        ),
    ] = ""
    site_url: Annotated[
        str | None,
        _setting(
            "`http://127.0.0.1:5000` outside production",
            "The site's public address, e.g. `https://conduit.example` (scheme, host and "
            "port; no path). **Required in production.** Every absolute link (emails, Atom "
            "feeds, the sitemap, robots.txt, canonical and Open Graph tags) is built from it, "
            "never from the request, and a request for any other host gets 400.",
        ),
    ] = None
    trusted_hosts: Annotated[
        str | None,
        _setting(
            "unset",
            "Other host names requests may use besides `SITE_URL`'s, comma-separated (a "
            "leading dot admits subdomains). `/healthz` and `/readyz` answer any host, so "
            "load balancers may probe an app server by its address. Outside production the "
            "loopback names (`localhost`, `127.0.0.1`, `::1`) are admitted too.",
        ),
    ] = None
    database_url: Annotated[
        str | None,
        _setting(
            "`sqlite:///instance/conduit.db`",
            "SQLAlchemy URL. `postgres://` and `postgresql://` URLs use the psycopg 3 driver, "
            "`mysql://` and `mariadb://` URLs the PyMySQL driver.",
        ),
    ] = None
    database_timeout_seconds: Annotated[
        PositiveFloat,
        _setting(
            "`2`",
            "How long a request waits on PostgreSQL or MySQL/MariaDB: a statement longer than "
            "this is stopped by the server, a server that does not answer within it (stalled, "
            "partitioned) is given up on, and the request answers 503 with `Retry-After`. "
            "Migrations and scripts are not bounded.",
        ),
    ] = 2.0
    redis_url: Annotated[
        str | None,
        _setting(
            "unset",
            "Optional, e.g. `redis://127.0.0.1:6379/0`: sessions, rate-limit counters and "
            "the cache are kept there, shared by every app server. Unset: sessions are "
            "signed cookies, rate-limit counters live in the database, the cache in each "
            "process. If Redis stops answering, requests go on without it rather than "
            "fail: each call waits 0.25 s at most, and then Redis is not asked again for a "
            "second.",
        ),
    ] = None
    signin_limit_per_ip: Annotated[
        str,
        _setting(
            "`20 per minute;100 per hour`",
            "Sign-in and sign-up attempts (POSTs) per client address. Over the limit: the "
            "form again, saying when to retry, with `Retry-After`.",
        ),
    ] = "20 per minute;100 per hour"
    signin_limit_per_account: Annotated[
        str,
        _setting(
            "`5 per minute;30 per hour`",
            "Failed sign-in and sign-up attempts per email address tried, from one client "
            "address (failures elsewhere never refuse the owner's correct password).",
        ),
    ] = "5 per minute;30 per hour"
    signin_alert_after: Annotated[
        str,
        _setting(
            "`10 per hour`",
            "Failed sign-ins against one account, from any addresses, past which its owner "
            "is told by mail (once in that window).",
        ),
    ] = "10 per hour"
    reset_limit_per_address: Annotated[
        str,
        _setting(
            "`3 per hour`",
            "Password-reset mails one email address may be sent (sign-ins are not counted).",
        ),
    ] = "3 per hour"
    check_limit_per_ip: Annotated[
        str,
        _setting(
            "`60 per minute;600 per hour`",
            "The sign-up form's inline username and email checks per client address.",
        ),
    ] = "60 per minute;600 per hour"
    api_write_limit: Annotated[
        str,
        _setting(
            "`60 per minute;1000 per hour`",
            "API writes (POST, PUT, DELETE with a token) per member. Over the limit: 429 "
            "with `Retry-After`; every limited answer has `RateLimit-*` headers.",
        ),
    ] = "60 per minute;1000 per hour"
    report_limit: Annotated[
        str,
        _setting(
            "`10 per hour;30 per day`",
            "Reports a member may send to the moderators. Over the limit: 429.",
        ),
    ] = "10 per hour;30 per day"
    moderation_hide_after: Annotated[
        int,
        _setting(
            "`3`",
            "An article or comment reported by this many members is hidden until a "
            "moderator decides (`0`: never hidden by reports alone).",
        ),
    ] = 3
    forwarded_allow_ips: Annotated[
        str,
        _setting(
            "`127.0.0.1,::1`",
            "Addresses of the proxies (nginx) whose `X-Forwarded-For/Proto/Host` are "
            "believed, comma-separated (networks like `10.0.0.0/8` too), or `*`. From any "
            "other peer those headers are ignored, so they cannot fake a client address. "
            "gunicorn reads the same variable.",
        ),
    ] = "127.0.0.1,::1"
    metrics_allow_ips: Annotated[
        str,
        _setting(
            "`127.0.0.1,::1`",
            "Addresses (networks like `10.0.0.0/8` too) that may read `/metrics`, the "
            "Prometheus figures: the scraper's. Anyone else gets 404, and nginx never "
            "passes `/metrics` on.",
        ),
    ] = "127.0.0.1,::1"
    sentry_dsn: Annotated[
        str | None,
        _setting(
            "unset",
            "Where error reports go (a Sentry DSN): every unhandled exception, with its "
            "request id and route, never a body, cookie, token or password. Unset: none.",
        ),
    ] = None
    mail_url: Annotated[
        str | None,
        _setting(
            "unset",
            "The SMTP server for password-reset mail: `smtp://user:password@host:25`, "
            "`smtp+starttls://…:587` or `smtps://…:465`. Unset: each message is written to "
            "`instance/outbox/` as an `.eml` file and its subject and link are logged.",
        ),
    ] = None
    mail_outbox: Annotated[
        str | None,
        _setting(
            "`instance/outbox`",
            "Where messages are written when `MAIL_URL` is unset (a writable folder).",
        ),
    ] = None
    mail_queue: Annotated[
        bool,
        _setting(
            "`true`",
            "With `REDIS_URL`: mail is queued and sent by the worker "
            "(`flask --app web mail worker`), tried again while the server is away. "
            "`false`, or without Redis: sent in the request.",
        ),
    ] = True
    mail_retry_seconds: Annotated[
        str,
        _setting(
            "`30,120,600,1800,3600`",
            "How long the worker waits before each new try of a mail that failed; after "
            "the last, it waits in the failed list (`flask mail failed`, `flask mail retry`).",
        ),
    ] = "30,120,600,1800,3600"
    mail_default_sender: Annotated[
        str,
        _setting("`Conduit <no-reply@localhost>`", "The From: of every message."),
    ] = "Conduit <no-reply@localhost>"
    mail_timeout_seconds: Annotated[
        PositiveInt,
        _setting(
            "`10`",
            "How long sending may wait on the SMTP server; past it the reader is asked to "
            "try again (never a 500).",
        ),
    ] = 10
    feed_page_size: Annotated[PositiveInt, _setting("`10`", "Articles per page in feeds.")] = 10
    search_window: Annotated[
        PositiveInt,
        _setting(
            "`5000`",
            "A search ranks at most this many matches, the newest (all of them for a narrower "
            "query), so it costs the same however many articles a broad query matches; the "
            "results page says so when a search reaches it.",
        ),
    ] = SEARCH_WINDOW
    jwt_expires_hours: Annotated[
        PositiveInt, _setting("`168`", "Lifetime of API tokens (signed with `SECRET_KEY`).")
    ] = 24 * 7
    cors_origins: Annotated[
        str | None,
        _setting(
            "`*`",
            "Origins allowed to call `/api` from a browser: `*` (any: the API "
            "authenticates with the `Authorization` header alone, never cookies, so no "
            "origin can act for a reader who did not give it a token), or a "
            "comma-separated list to restrict it.",
        ),
    ] = None
    max_body_bytes: Annotated[
        PositiveInt, _setting("`1048576`", "Larger request bodies get 413.")
    ] = 1024 * 1024
    live_streams_max: Annotated[
        PositiveInt,
        _setting(
            "`1`",
            "Live-update streams one process holds open at once (each holds a thread): keep "
            "it below `GUNICORN_THREADS` so pages always find one. The `events` process "
            "(Procfile) raises both. When full, the client holding the most gives up its "
            "oldest stream; when all hold a fair share, 503 and the browser retries.",
        ),
    ] = 1
    live_streams_per_client: Annotated[
        PositiveInt,
        _setting(
            "`16`",
            "Live-update streams one client address holds in one process: its next stream "
            "takes the place of its oldest (a page left behind), never refused.",
        ),
    ] = 16
    live_heartbeat_seconds: Annotated[
        PositiveInt,
        _setting(
            "`15`",
            "A comment line on every quiet stream this often: proxies keep it open and a "
            "closed tab is noticed.",
        ),
    ] = 15
    live_stream_seconds: Annotated[
        PositiveInt,
        _setting(
            "`600`",
            "A stream ends after this long and the browser reconnects (missing nothing), "
            "so streams spread over restarted and added servers.",
        ),
    ] = 600
    instance_name: Annotated[
        str | None,
        _setting(
            "unset",
            "Names this app server in an `X-Served-By` header (useful behind a load balancer).",
        ),
    ] = None

    @model_validator(mode="after")
    def _strong_secret_in_production(self) -> "Settings":
        if self.conduit_env == "production" and (
            self.secret_key in WEAK_SECRETS or len(self.secret_key) < 32
        ):
            raise ValueError(SECRET_HINT)
        return self

    @model_validator(mode="after")
    def _site_url_in_production(self) -> "Settings":
        if self.site_url is None:
            if self.conduit_env == "production":
                raise ValueError(SITE_URL_HINT)
            return self
        self.site_url = site_address(self.site_url)
        return self


def read_settings() -> Settings:
    """The settings from the environment (and `.env`, unless the environment says
    production); a clear ConfigError naming the variable when one is wrong."""
    production = os.environ.get("CONDUIT_ENV") == "production"
    env_file = None if production or not Path(".env").is_file() else ".env"
    try:
        return Settings(_env_file=env_file)
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None


def _explain(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False):
        if not problem["loc"]:  # the whole-object check: the secret
            problems.append(str(problem.get("ctx", {}).get("error", problem["msg"])))
            continue
        name = str(problem["loc"][0]).upper()
        reason = problem["msg"].lower()
        problems.append(f"{name} is not valid ({reason}); got {problem['input']!r}.")
    return " ".join(problems)


def site_address(url: str) -> str:
    """`url` as the site's address: `scheme://host[:port]`, no path, no trailing slash.
    Raises ValueError for anything else (a path, a query, no host, another scheme)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"SITE_URL must be an http:// or https:// address; got {url!r}.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(
            f"SITE_URL is the site's address alone (scheme, host and port); got {url!r}."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def site_hosts(site_url: str, extra: str | None, *, loopback: bool) -> list[str]:
    """The host names requests may use: the site's, the extra ones, and (outside
    production) the loopback names."""
    hosts = [urlsplit(site_url).hostname or ""]
    hosts += [host.strip().lower() for host in (extra or "").split(",") if host.strip()]
    if loopback:
        hosts += LOOPBACK_HOSTS
    return list(dict.fromkeys(hosts))


# The common spellings, and the driver each database is used with.
_DRIVERS = {
    "postgres://": "postgresql+psycopg://",
    "postgresql://": "postgresql+psycopg://",
    "mysql://": "mysql+pymysql://",
    "mariadb://": "mysql+pymysql://",
    "mariadb+pymysql://": "mysql+pymysql://",
}


def normalise_database_url(url: str) -> str:
    """Accept the common spellings (`postgres://`, `mysql://`, `mariadb://`) and use the
    psycopg 3 and PyMySQL drivers for them."""
    for prefix, driver in _DRIVERS.items():
        if url.startswith(prefix):
            return driver + url.removeprefix(prefix)
    return url


def load(instance_path: str) -> dict[str, Any]:
    """Flask's config mapping, from the settings."""
    settings = read_settings()
    production = settings.conduit_env == "production"
    default_db = f"sqlite:///{Path(instance_path) / 'conduit.db'}"
    site_url = settings.site_url or DEV_SITE_URL
    return {
        "CONDUIT_ENV": settings.conduit_env,
        "SECRET_KEY": settings.secret_key or DEV_SECRET,
        "SITE_URL": site_url,
        "SITE_EXTRA_HOSTS": settings.trusted_hosts,
        "DATABASE_URL": normalise_database_url(settings.database_url or default_db),
        "DATABASE_TIMEOUT": settings.database_timeout_seconds,
        "FEED_PAGE_SIZE": settings.feed_page_size,
        "SEARCH_WINDOW": settings.search_window,
        "LIVE_STREAMS_MAX": settings.live_streams_max,
        "LIVE_STREAMS_PER_CLIENT": settings.live_streams_per_client,
        "LIVE_HEARTBEAT_SECONDS": settings.live_heartbeat_seconds,
        "LIVE_STREAM_SECONDS": settings.live_stream_seconds,
        "REDIS_URL": settings.redis_url or None,
        "INSTANCE_NAME": settings.instance_name or None,
        "MAX_CONTENT_LENGTH": settings.max_body_bytes,
        "SIGNIN_LIMIT_PER_IP": settings.signin_limit_per_ip,
        "SIGNIN_LIMIT_PER_ACCOUNT": settings.signin_limit_per_account,
        "SIGNIN_ALERT_AFTER": settings.signin_alert_after,
        "RESET_LIMIT_PER_ADDRESS": settings.reset_limit_per_address,
        "CHECK_LIMIT_PER_IP": settings.check_limit_per_ip,
        "API_WRITE_LIMIT": settings.api_write_limit,
        "REPORT_LIMIT": settings.report_limit,
        "MODERATION_HIDE_AFTER": settings.moderation_hide_after,
        "FORWARDED_ALLOW_IPS": settings.forwarded_allow_ips,
        "METRICS_ALLOW_IPS": settings.metrics_allow_ips,
        "SENTRY_DSN": settings.sentry_dsn or None,
        "MAIL_URL": settings.mail_url or None,
        "MAIL_OUTBOX": settings.mail_outbox or None,
        "MAIL_DEFAULT_SENDER": settings.mail_default_sender,
        "MAIL_TIMEOUT": settings.mail_timeout_seconds,
        "MAIL_QUEUE": settings.mail_queue,
        "MAIL_RETRY_SECONDS": settings.mail_retry_seconds,
        # Counters every worker and server shares: Redis, or else the database.
        "RATELIMIT_STORAGE_URI": settings.redis_url or "conduit+db://",
        "RATELIMIT_HEADERS_ENABLED": False,  # web.http.limits writes the standard ones
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
        # A form's CSRF token lives as long as its session: a page left open for hours
        # still works (the session, not a clock, decides).
        "WTF_CSRF_TIME_LIMIT": None,
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(hours=settings.jwt_expires_hours),
        "CORS_ORIGINS": _origins(settings.cors_origins),
        # Server-Timing header with SQL counts: a development aid, never in production.
        "SERVER_TIMING": settings.conduit_env == "development",
    }


def _origins(raw: str | None) -> list[str] | str:
    """CORS origins for /api: a comma-separated list, or "*" (the default)."""
    if raw is None or raw.strip() == "*":
        return "*"
    return [origin.strip() for origin in raw.split(",") if origin.strip()]


def settings_table() -> str:
    """The README's configuration table, made from the settings' own documentation."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        shown = cast(dict[str, str], field.json_schema_extra)["shown_default"]
        rows.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
