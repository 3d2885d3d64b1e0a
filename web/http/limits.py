"""Rate limits (Flask-Limiter): sign-in, sign-up and the sign-up checks per client IP
and per account; the API's writes per member.

Every limited answer says where the client stands, in the RateLimit-* headers of the
IETF draft (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` in seconds),
and a 429 adds `Retry-After`.

Counters are shared by every worker and every app server: in Redis when REDIS_URL is
set, otherwise in the database (`DatabaseStorage`, table rate_limit), never in one
process's memory, which would let each worker count alone. If the store cannot be
reached, counting falls back to memory rather than failing the request.
"""

import math
import random
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_babel import gettext
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from jwt import PyJWTError
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage
from redis import RedisError
from sqlalchemy import Engine, Table, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from web import db, users
from web.db import get_session
from web.http.auth import current_member
from web.infra import mail
from web.infra.metrics import SIGNINS
from web.infra.redis_clients import pool as redis_pool
from web.models import RateLimit


class AppLimiter(Limiter):
    """Flask-Limiter, its storage options taken from each app alone: the extension
    merges them into what earlier apps of the process gave (tests and scripts make
    several apps), so a Redis storage would receive a database engine."""

    def init_app(self, app: Flask) -> None:
        self._storage_options = {}
        super().init_app(app)


limiter = AppLimiter(key_func=get_remote_address)

# A fixed window per key: the first hit opens it for `expiry` seconds; one statement
# counts atomically on SQLite (3.35+) and PostgreSQL alike; on MySQL, one statement
# counts and the row it locked is read back.
_INCR = text(
    "INSERT INTO rate_limit (key, hits, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN rate_limit.expires_at <= :now THEN :amount "
    "ELSE rate_limit.hits + :amount END, "
    "expires_at = CASE WHEN rate_limit.expires_at <= :now THEN :now + :expiry "
    "ELSE rate_limit.expires_at END "
    "RETURNING hits"
)
_MYSQL_INCR = text(
    "INSERT INTO rate_limit (`key`, hits, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON DUPLICATE KEY UPDATE "  # (assigned in order: hits first, from the old window)
    "hits = IF(expires_at <= :now, :amount, hits + :amount), "
    "expires_at = IF(expires_at <= :now, :now + :expiry, expires_at)"
)
_RATES: Table = RateLimit.metadata.tables[
    "rate_limit"
]  # the rest in SQLAlchemy's terms: `key` is reserved on MySQL


class DatabaseStorage(Storage):
    """Flask-Limiter's counters in the app's database (`conduit+db://`, the default
    without Redis), so every worker and every app server counts together."""

    STORAGE_SCHEME = ["conduit+db"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine: Engine = options["engine"]  # the app's own (web.db)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        counted = {"key": key, "amount": amount, "now": now, "expiry": expiry}
        with self.engine.begin() as connection:
            if connection.dialect.name == "mysql":
                connection.execute(_MYSQL_INCR, counted)
                hits = connection.execute(
                    select(_RATES.c.hits).where(_RATES.c.key == key)
                ).scalar_one()
            else:
                hits = connection.execute(_INCR, counted).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows long closed
                connection.execute(delete(_RATES).where(_RATES.c.expires_at < now - 3600))
        return int(hits)

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            hits = connection.execute(
                select(_RATES.c.hits).where(_RATES.c.key == key, _RATES.c.expires_at > time.time())
            ).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            expires = connection.execute(
                select(_RATES.c.expires_at).where(_RATES.c.key == key)
            ).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(_RATES)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_RATES).where(_RATES.c.key == key))


View = Callable[..., Any]
# What a counter storage raises when it cannot be reached (limits wraps some of them).
STORAGE_ERRORS = (RedisError, SQLAlchemyError, StorageError, ConnectionError, TimeoutError)


# What may answer a breach itself; Flask-Limiter names flask's Response, ours are werkzeug's.
Breach = Callable[[RequestLimit], Any]


def init_app(app: Flask) -> None:
    if app.config["RATELIMIT_STORAGE_URI"] == DatabaseStorage.STORAGE_SCHEME[0] + "://":
        # Counting in the app's own database, on its own engine (web.db is set up first).
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": app.extensions[db.EXTENSION]}
    elif app.config.get("REDIS_URL"):  # short timeouts, no retries, the process's breaker
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "connection_pool": redis_pool(app.config["REDIS_URL"])
        }
    limiter.init_app(app)
    app.after_request(_rate_headers)


def _rate_headers(response: Response) -> Response:
    """Where this request stands against its tightest limit (if one applied). The
    counts are read again from the storage: if it stopped answering since the check
    (Redis or the database restarting), the answer goes out without them."""
    limit = limiter.current_limit
    if limit is None:
        return response
    try:
        wait = retry_after_seconds(limit) or 1
        remaining = max(0, limit.remaining)
    except STORAGE_ERRORS:
        return response
    response.headers["RateLimit-Limit"] = str(limit.limit.amount)
    response.headers["RateLimit-Remaining"] = str(remaining)
    response.headers["RateLimit-Reset"] = str(wait)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(wait)
    return response


def retry_after_seconds(limit: RequestLimit | None = None) -> int | None:
    """Seconds until the breached limit of this request lets the client try again
    (None when no limit applied, or its storage cannot say)."""
    limit = limit or limiter.current_limit
    if limit is None:
        return None
    try:
        return max(1, math.ceil(limit.reset_at - time.time()))
    except STORAGE_ERRORS:
        return None


def _per_ip() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_IP"]


def _per_account() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"]


def _account() -> str:
    """The email tried: a form field, or the API's {"user": {"email": ...}}."""
    email = request.form.get("email")
    if email is None:
        data = request.get_json(silent=True)
        user = data.get("user") if isinstance(data, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
    return "account:" + (email if isinstance(email, str) else "").strip().lower()


def _checks_per_ip() -> str:
    return current_app.config["CHECK_LIMIT_PER_IP"]


def limit_checks(view: View) -> View:
    """Limit the sign-up form's inline checks (which say whether an email has an
    account) per client IP: typing is cheap, asking a thousand times is not."""
    return limiter.limit(_checks_per_ip, scope="check-ip")(view)


def _writes_per_member() -> str:
    return current_app.config["API_WRITE_LIMIT"]


def _token_member() -> str | None:
    """The member an API request's token names (checked by signature only: the view
    checks the rest), or None without a readable token."""
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        return str(decode_token(token.strip())["sub"])
    except (JWTExtendedException, PyJWTError, KeyError):
        return None


def _member() -> str:
    return f"member:{_token_member()}"


def _without_token() -> bool:
    """A write without a readable token is not counted: the view answers 401 first."""
    return _token_member() is None


def limit_writes(view: View) -> View:
    """Limit a member's API writes (shared by every write operation and both mounts)."""
    return limiter.shared_limit(_writes_per_member, scope="api-write", key_func=_member,
                                exempt_when=_without_token)(view)  # fmt: skip


def _reports_per_member() -> str:
    return current_app.config["REPORT_LIMIT"]


def _reporter() -> str:
    """The member sending a report: by their API token, or signed in on the pages (one
    count for both)."""
    token_member = _token_member()
    return f"member:{token_member}" if token_member else _signed_in_member()


def limit_reports(view: View) -> View:
    """Limit the reports a member sends (counted when sent, not when the form is read)."""
    return limiter.limit(_reports_per_member, scope="report", key_func=_reporter,
                         methods=["POST"])(view)  # fmt: skip


def _account_from_here() -> str:
    """The email tried, from this client address: guesses are counted per pair, so
    strangers failing elsewhere never lock the owner out."""
    return f"{_account()}|{get_remote_address()}"


def _failed(response: Response) -> bool:
    """An attempt that failed: wrong credentials (401 in the API, 422 on the form),
    or a sign-up refused."""
    return response.status_code in (401, 422)


def limit_attempts(
    on_breach: Breach | None = None,
) -> Callable[[View], View]:
    """Limit sign-in and sign-up POSTs: every attempt per client address, and failed
    ones per email address from that client address (a correct password from an
    address that has not failed is never refused, whatever others tried).

    The counters are shared by every view so decorated (pages and API).
    `on_breach` may answer a breach itself (e.g. the form again, with the message).
    """

    def decorate(view: View) -> View:
        view = limiter.shared_limit(
            _per_ip, scope="signin-ip", methods=["POST"], on_breach=on_breach
        )(view)
        return limiter.shared_limit(
            _per_account,
            scope="signin-account",
            key_func=_account_from_here,
            methods=["POST"],
            on_breach=on_breach,
            deduct_when=_failed,
        )(view)

    return decorate


def _resets_per_address() -> str:
    return current_app.config["RESET_LIMIT_PER_ADDRESS"]


def limit_resets(
    on_breach: Breach | None = None,
) -> Callable[[View], View]:
    """Limit password-reset requests: per client address, and the mails one email
    address may be sent (counted apart from sign-ins, which they never hold up)."""

    def decorate(view: View) -> View:
        view = limiter.limit(_per_ip, scope="reset-ip", methods=["POST"],
                             on_breach=on_breach)(view)  # fmt: skip
        return limiter.limit(_resets_per_address, scope="reset-address", key_func=_account,
                             methods=["POST"], on_breach=on_breach)(view)  # fmt: skip

    return decorate


def _alert_after() -> RateLimitItem:
    return parse(current_app.config["SIGNIN_ALERT_AFTER"])


def failed_sign_in(email: str) -> None:
    """Count a failed sign-in against the account, from any address; a burst of them
    (past SIGNIN_ALERT_AFTER) is told to the account's owner by mail, once a window.
    Nobody is refused for it: the guessing itself is held back per address."""
    SIGNINS.labels("failed").inc()
    count = _failures_to_tell(email)
    if count is None:
        return
    member = users.find_by_email(session=get_session(), email=email)
    if member is None:
        return
    link = url_for("auth.forgot_password", _external=True)
    try:
        mail.send(member.email, gettext("Attempts to sign in to your Conduit account"),
                  "sign_in_attempts", member=member, count=count, link=link)  # fmt: skip
    except mail.NotSent:
        current_app.logger.warning("The sign-in alert to member %s was not sent", member.id)


def _failures_to_tell(email: str) -> int | None:
    """The failures to tell the owner about when they just passed the alert's bound
    (once a window); None otherwise, or when the counters cannot be reached."""
    if not limiter.enabled:  # limits switched off (RATELIMIT_ENABLED): nothing counted
        return None
    alert = _alert_after()
    key = "account:" + email.strip().lower()
    try:
        if limiter.limiter.hit(alert, "signin-failures", key):
            return None
        told = limiter.limiter.hit(type(alert)(1, alert.multiples), "signin-alert", key)
        return alert.amount + 1 if told else None
    except STORAGE_ERRORS:
        return None


def _signed_in_member() -> str:
    member = current_member()
    return f"member:{member.id}" if member is not None else "address:" + get_remote_address()


def limit_mail(view: View) -> View:
    """Limit the mail a member asks for (a confirmation link sent again) per member."""
    return limiter.limit(_per_account, scope="mail-member", key_func=_signed_in_member)(view)
