"""What a request knows of its reader beyond who they are: their reading list, read
once per request (pages, the header's count and the previews all ask)."""

from flask import Flask, g, session

from web import reading_list as domain
from web.db import get_session
from web.http.auth import current_member
from web.models import id_of


def init_app(app: Flask) -> None:
    app.jinja_env.globals["reading_list"] = reading_list


def reading_list() -> list[int]:
    """The reader's saved article ids, last saved first (read once per request)."""
    if "reading_list" not in g:
        member = current_member()
        g.reading_list = (
            domain.saved_ids(session=get_session(), user_id=id_of(member))
            if member is not None
            else list(session.get(domain.SESSION_KEY, []))
        )
    return g.reading_list


def keep_for_visitor(ids: list[int]) -> None:
    g.reading_list = ids
    if ids:
        session[domain.SESSION_KEY] = ids
    else:
        session.pop(domain.SESSION_KEY, None)  # an empty list: a plain visitor again
