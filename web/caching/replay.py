"""Answers that are the same for everyone who asks the same way, given again before the
app runs.

web.caching.answers keeps visitors' pages and API reads until the next write, but serving
one still runs the whole request (session, sign-in, CSRF, every before- and
after-request step). Most of that is for nothing when the request carries no cookie
and no token and the answer holds no token of its own (an API read, an htmx fragment
without forms): nothing in it can differ from one such request to the next. Those
answers are kept here whole, headers included, exactly as the app sent them, and
given again at the WSGI level.

The app decides what may be kept (web.caching.answers marks the request with the generation
its answer was made at); this module only replays it. The key is everything such a
request can show a difference by: the address (scheme, host, path, query) and the
headers the app reads (htmx's, the language, the CORS origin); an answer is given
again only while the generation is the one it was made at. The generation is read
only for an address with an answer kept, so nothing else (a health check) waits on
the database or Redis here. A request with a cookie, a token, or a method other than
GET always goes to the app, as does an answer that sets a cookie or is not a 200.
Each answer gets its own request id and log line; a matching If-None-Match gets a 304.
"""

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_etags, remove_entity_headers

from web.caching.generation import READ_AT_THE_DOOR, generation, store
from web.http.requestlog import record, request_id
from web.infra import metrics
from web.infra.waits import answering_request

MARK = "conduit.replay"  # environ key: the generation an answer that may be kept was made at
# The headers an answer may differ by, besides the address (see web.caching.answers's key).
READ_HEADERS = (
    "HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST",
    "HTTP_HX_CURRENT_URL", "HTTP_ACCEPT_LANGUAGE", "HTTP_ORIGIN",
)  # fmt: skip
PER_REQUEST = ("x-request-id", "server-timing", "date")  # the date: the server's own

StartResponse = Callable[..., Any]
Kept = tuple[str, list[tuple[str, str]], bytes]


class Replay:
    """WSGI middleware in front of the Flask app (inside web.http.security's proxy fix, so
    the scheme and host are the client's)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_COOKIE" in environ
            or "HTTP_AUTHORIZATION" in environ
        ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        where = _where(environ)
        with self.app.app_context(), answering_request():
            kept = store().get(where)
            # Nothing kept for this address (a health check...): no generation to read.
            now = generation() if kept is not None else None
        if kept is None:
            metrics.REPLAY_MISS.inc()
            return self._ask(where, environ, start_response)
        made_at, *found = kept
        if now is not None and made_at == now:
            return self._give(tuple(found), environ, start_response, started)
        metrics.REPLAY_MISS.inc()
        environ[READ_AT_THE_DOOR] = now  # the app reads it once, not twice
        return self._ask(where, environ, start_response)

    def _ask(
        self, where: tuple[Any, ...], environ: dict[str, Any], start_response: StartResponse
    ) -> Any:
        """The app answers; an answer it marked as the same for everyone is kept."""
        sent: list[Any] = []

        def keep_start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, *exc)

        answer = self.wsgi_app(environ, keep_start)
        made_at = environ.get(MARK)
        if made_at is None or not sent or not sent[0].startswith("200 "):
            return answer
        status, headers = sent
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        kept = [(name, value) for name, value in headers if name.lower() not in PER_REQUEST]
        with self.app.app_context():
            store().put(where, (made_at, status, kept, body))
        return [body]

    def _give(
        self, found: Kept, environ: dict[str, Any], start_response: StartResponse, started: float
    ) -> Any:
        status, kept, body = found
        known_as = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = [*kept, ("X-Request-ID", known_as)]  # the server adds its Date
        if _current(environ, kept):
            status, body = "304 NOT MODIFIED", b""
            remove_entity_headers(headers)  # as werkzeug answers a 304: no body to describe
        duration_ms = (time.perf_counter() - started) * 1000
        metrics.REPLAY_HIT.inc()
        metrics.request_done("replay", "GET", int(status[:3]), duration_ms / 1000)
        if self.app.config["SERVER_TIMING"]:
            headers.append(
                ("Server-Timing", f'db;dur=0.0;desc="0 queries", total;dur={duration_ms:.1f}')
            )
        start_response(status, headers)
        record(
            self.app, "GET", _path(environ), environ.get("QUERY_STRING", ""), int(status[:3]),
            duration_ms, known_as, None, environ.get("REMOTE_ADDR"),
        )  # fmt: skip
        return [body]


def _where(environ: dict[str, Any]) -> tuple[Any, ...]:
    return (
        "replay",
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(environ.get(name) for name in READ_HEADERS),
    )


def _path(environ: dict[str, Any]) -> str:
    return environ.get("PATH_INFO", "").encode("latin-1").decode(errors="replace")


def _current(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    """True when the client's If-None-Match names this answer's entity tag."""
    asked = environ.get("HTTP_IF_NONE_MATCH")
    if not asked:
        return False
    tag = next((v for k, v in headers if k.lower() == "etag"), None)
    if tag is None:
        return False
    weak = tag.startswith("W/")
    etag = tag[2:] if weak else tag
    return parse_etags(asked).contains_weak(etag.strip('"'))


def init_app(app: Flask) -> None:
    """Call before web.http.security wraps the app, so this sits inside its proxy fix."""
    app.wsgi_app = Replay(app, app.wsgi_app)  # type: ignore[method-assign]  # WSGI middleware wraps the app
