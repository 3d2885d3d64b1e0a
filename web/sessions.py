"""Server-side sessions in Redis when REDIS_URL is set (Flask-Session), so any app
server can serve any request; otherwise Flask's signed-cookie sessions (their signer
made once, where Flask makes one for each request, twice).

If Redis stops answering, pages keep being served: the request is treated as a new,
empty session (a visitor) and nothing is saved, until Redis is back.
"""

import logging
from typing import Any

import redis
from flask import Flask, Request, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_session.redis import RedisSessionInterface
from itsdangerous import URLSafeTimedSerializer

log = logging.getLogger(__name__)


class ResilientRedisSessions(RedisSessionInterface):
    """Flask-Session's Redis sessions that degrade to an unsaved session on Redis errors."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        try:
            return super().open_session(app, request)
        except redis.RedisError as error:
            log.warning("Redis unreachable, serving without a session: %s", error)
            return self.session_class(sid=self._generate_sid(self.sid_length), permanent=True)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        try:
            super().save_session(app, session, response)
        except redis.RedisError as error:
            log.warning("Redis unreachable, session not saved: %s", error)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, the signer kept for as long as the keys are the same."""

    def __init__(self) -> None:
        self.signers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self.signers:
            self.signers = {keys: super().get_signing_serializer(app)}
        return self.signers[keys]


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        app.session_interface = CookieSessions()
        return
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    prefix = app.config.get("SESSION_KEY_PREFIX") or "conduit:session:"
    app.session_interface = ResilientRedisSessions(
        app, client=client, key_prefix=prefix, use_signer=False
    )
