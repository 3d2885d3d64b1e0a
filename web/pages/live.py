"""Live-update streams (server-sent events) for the pages that show them: an article's
comments and favorites, and the feeds' "n new articles" notice. See web.infra.live."""

from collections.abc import Callable

from flask import Blueprint, current_app, request, stream_with_context, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from web.articles import find_article
from web.db import get_session
from web.http.auth import current_member
from web.http.rendering import component
from web.infra import live
from web.models import id_of, id_or_none
from web.users import followed_ids

bp = Blueprint("live", __name__, url_prefix="/live")


@bp.get("/article/<slug>")
def article(slug: str) -> Response:
    viewer = current_member()
    viewer_id = id_or_none(viewer)
    found = find_article(session=get_session(), slug=slug, viewer_id=viewer_id)
    # A page that missed too much refetches its comments and buttons: nothing to say.
    topic = live.article_topic(found.slug, viewer_id, stale=lambda: "")
    return _stream(topic, start=request.headers.get("Last-Event-ID") or request.args.get("since"))


@bp.get("/feed")
def feed() -> Response:
    """The feed of the home page's `tag` or `feed=following` (else the global feed)."""
    tag = request.args.get("tag") or None
    viewer = current_member()
    wants: Callable[[live.Event], bool]
    if request.args.get("feed") == "following" and viewer is not None:
        authors = followed_ids(session=get_session(), follower_id=id_of(viewer))
        wants = lambda event: event.actor_id in authors  # noqa: E731
        href = url_for("home.index", feed="following")
    elif tag:
        wants = lambda event: tag in event.tags  # noqa: E731
        href = url_for("home.index", tag=tag)
    else:
        wants = lambda _event: True  # noqa: E731
        href = url_for("home.index")
    topic = live.feed_topic(
        wants,
        notice=lambda count: str(component("live_notice", count, href)),
        stale=lambda: str(component("live_notice", 0, href, stale=True)),
    )
    # The notice counts from the moment the page was shown (`since`), across reconnections.
    return _stream(topic, start=request.args.get("since") or request.headers.get("Last-Event-ID"))


def _stream(topic: live.Topic, start: str | None) -> Response:
    config = current_app.config
    get_locale()  # chosen now, while the sign-in can be read: the stream speaks it
    hub = live.broker().listening()
    slot = hub.open(request.remote_addr or "", config["LIVE_STREAMS_MAX"],
                    config["LIVE_STREAMS_PER_CLIENT"])  # fmt: skip
    if slot is None:  # full, and fairly shared: the browser tries again, maybe elsewhere
        return current_app.response_class("Busy: try again shortly.", 503, {"Retry-After": "5"},
                        mimetype="text/plain")  # fmt: skip
    events = live.stream(
        hub,
        slot,
        topic,
        start,
        heartbeat=config["LIVE_HEARTBEAT_SECONDS"],
        lifetime=config["LIVE_STREAM_SECONDS"],
    )
    return current_app.response_class(
        stream_with_context(events),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
