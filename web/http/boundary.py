"""What may come in, decided once at the edge: ids in URLs, and text.

- Ids in URLs use the `id` converter: a whole number from 1 to ID_MAX (PostgreSQL's
  integer columns end there); anything else matches no route, a 404.
- JSON nested too deeply to read is invalid JSON, not a crash.
- Text never carries control characters (NUL and the other C0 codes but tab, newline
  and carriage return, DEL) or lone surrogates: PostgreSQL refuses NUL outright, and
  none of them is anything a person means to write. Such a character in the address
  or the query string is refused before any view runs (404 / 400); in a form field
  it is that field's error (web.http.forms); in the API's JSON, that field's 422
  (web.api.operations). Nothing is stored half-written: the refusal comes first.
"""

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, UnprocessableEntity
from werkzeug.routing import BaseConverter, IntegerConverter, Map

from web.bounds import ID_MAX, RESERVED_SLUGS
from web.languages import N_

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_RULE = "contains characters that are not allowed (control characters such as NUL)"
CONTROL_SENTENCE = N_("This contains characters that are not allowed, such as NUL. Remove them.")


class ArticleSlugConverter(BaseConverter):
    """`<article:slug>` in the API: any slug but the reserved ones (`/articles/feed` is
    the feed, so no article is ever called "feed", and an OPTIONS request there
    offers the feed's methods alone)."""

    regex = "(?!(?:" + "|".join(RESERVED_SLUGS) + r")\Z)[^/]+"
    part_isolating = True  # one path segment (the trailing-slash rule needs to know)


class IdConverter(IntegerConverter):
    """`<id:name>`: a stored row's id, 1 to ID_MAX; any other number matches nothing."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=ID_MAX)


def names_nothing(error: MethodNotAllowed) -> bool:
    """True when a 405 is really a 404: werkzeug says "method not allowed" as soon as a
    rule of another method has the same shape, even when that rule would refuse the
    address too (an id out of range). Asking as that other method tells them apart."""
    other = next((m for m in error.valid_methods or () if m not in ("OPTIONS", "HEAD")), None)
    if other is None:
        return False
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(method=other)
    except NotFound:
        return True
    except HTTPException:  # a redirect or the like: the address does name something
        return False
    return False


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document nested too deeply to read is invalid JSON (a
    ValueError, answered 422 or read as nothing) rather than a RecursionError (a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(NESTED_TOO_DEEPLY) from None


NESTED_TOO_DEEPLY = "JSON nested too deeply"


def has_control_characters(text: str) -> bool:
    return CONTROL.search(text) is not None


def control_fields(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths (keys) in JSON-like data whose strings carry control characters."""
    if isinstance(data, str):
        if has_control_characters(data):
            yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and has_control_characters(key):
                yield (*path, "body")
            yield from control_fields(value, (*path, str(key)))
    elif isinstance(data, list):
        for value in data:
            yield from control_fields(value, path)


class BadQuery(UnprocessableEntity):
    """A query string with control characters, for the API: {"errors": {"query": [...]}}."""

    errors = {"query": [CONTROL_RULE]}


def _check_address() -> None:
    if has_control_characters(request.path):
        abort(404)  # no resource has such a name
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            if request.path.startswith("/api/"):
                raise BadQuery()
            abort(400, N_("The address contains characters that are not allowed, such as NUL."))


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["article"] = ArticleSlugConverter
    app.before_request(_check_address)
