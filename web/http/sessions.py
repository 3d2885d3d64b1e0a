"""Server-side sessions in Redis when REDIS_URL is set (Flask-Session), so any app
server can serve any request, storing nothing for readers who have nothing to keep
(`RedisSessions`); otherwise Flask's signed-cookie sessions (their signer made once,
where Flask makes one for each request, twice).
"""

import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from flask import Flask, Request
from flask import request as flask_request
from flask.sessions import SecureCookieSessionInterface
from flask_session.redis import RedisSession, RedisSessionInterface
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

from web.infra.redis_clients import client as redis_client

log = logging.getLogger(__name__)

# Keys that are no reason to store a session: the CSRF secret (made from the session id,
# see below), Flask-Login's and Flask's own bookkeeping.
KEEPS_NOTHING = frozenset({"csrf_token", "_fresh", "_id", "_permanent"})
VISITOR_LIFETIME = timedelta(days=7)  # a visitor's choices; a member's session lasts 31
SID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class VisitorSession(RedisSession):
    """A server-side session that notices when its CSRF secret is handed out."""

    csrf_used = False
    stored = False  # it was read from Redis (so it is there to update or delete)

    def __getitem__(self, key: str) -> Any:
        if key == "csrf_token":  # Flask-WTF reads it to sign a form's token
            self.csrf_used = True
        return super().__getitem__(key)


class RedisSessions(RedisSessionInterface):
    """Flask-Session's Redis sessions, storing only what is worth keeping.

    - A visitor's session is stored only once it holds something of theirs (a theme, a
      language, a reading list); it lives VISITOR_LIFETIME. A member's lives as long
      as Flask's permanent sessions. Reading pages and posting forms stores nothing:
      a form's CSRF secret is derived from the session id (an HMAC with the app's
      secret key), so the cookie carrying the id is all a visitor's form needs.
    - If Redis stops answering, pages keep being served: the request is a visitor's
      with nothing stored, and nothing is saved, until Redis is back.
    """

    session_class = VisitorSession

    def open_session(self, app: Flask, request: Request) -> VisitorSession:
        sid = request.cookies.get(app.config["SESSION_COOKIE_NAME"], "")
        sid = sid if SID.match(sid) else self._generate_sid(self.sid_length)
        try:
            data = self._retrieve_session_data(self._get_store_id(sid))
        except redis.RedisError as error:
            log.warning("Redis unreachable, serving without a session: %s", error)
            data = None
        session = self.session_class(data, sid=sid, permanent=True)
        session.stored = data is not None
        # Always the id's own (never stored): not a change, nothing to store for it.
        dict.__setitem__(session, "csrf_token", csrf_secret(app, sid))
        return session

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if session.accessed:
            response.vary.add("Cookie")
        try:
            if set(session) - KEEPS_NOTHING:
                self._save(app, session, response)
                return
            if session.stored:  # what it held is gone (signed out, list emptied)
                self._delete_session(self._get_store_id(session.sid))
        except redis.RedisError as error:
            log.warning("Redis unreachable, session not saved: %s", error)
            return
        name = self.get_cookie_name(app)
        if session.csrf_used and request_cookie(name) != session.sid:
            self._set_cookie(app, session, response)  # the id its forms' tokens come from

    def regenerate(self, session: Any) -> None:
        """A new id (signing in or out), with its own CSRF secret; the old one's data
        goes, if Redis answers."""
        if isinstance(session, LocalProxy):  # flask.session, as callers hold it
            session = session._get_current_object()
        try:
            super().regenerate(session)
        except redis.RedisError as error:
            log.warning("Redis unreachable, old session not deleted: %s", error)
            session.sid = self._generate_sid(self.sid_length)
            session.modified = True
        session.stored = False
        dict.__setitem__(session, "csrf_token", csrf_secret(self.app, session.sid))

    def _upsert_session(self, lifetime: timedelta, session: Any, store_id: str) -> None:
        kept = {key: value for key, value in session.items() if key != "csrf_token"}
        self.client.set(store_id, self.serializer.encode(kept), ex=int(lifetime.total_seconds()))

    def _save(self, app: Flask, session: Any, response: Response) -> None:
        refresh = app.config["SESSION_REFRESH_EACH_REQUEST"]  # active sessions live on
        if not (session.modified or not session.stored or refresh):
            return
        lifetime = self.lifetime(app, session)
        self._upsert_session(lifetime, session, self._get_store_id(session.sid))
        self._set_cookie(app, session, response)

    def lifetime(self, app: Flask, session: Any) -> timedelta:
        return app.permanent_session_lifetime if "_user_id" in session else VISITOR_LIFETIME

    def _set_cookie(self, app: Flask, session: Any, response: Response) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            session.sid,
            expires=datetime.now(UTC) + self.lifetime(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")


def csrf_secret(app: Flask, sid: str) -> str:
    """The CSRF secret of the session `sid`: stable for the id, unguessable without the
    app's secret key (Flask-WTF signs each form's token with it)."""
    key = str(app.secret_key).encode()
    return hmac.new(key, f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


def request_cookie(name: str) -> str | None:
    return flask_request.cookies.get(name)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        app.session_interface = SecureCookieSessionInterface()
        return
    client = redis_client(url)
    prefix = app.config.get("SESSION_KEY_PREFIX") or "conduit:session:"
    app.session_interface = RedisSessions(app, client=client, key_prefix=prefix, use_signer=False)
