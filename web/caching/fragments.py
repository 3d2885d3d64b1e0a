"""Components whose HTML is rendered once and reused: previews, comments, tag lists,
the navigation and the footer's forms.

Every list (feeds, profiles, search, the reading list) is made of previews, and a
preview is the same HTML for every reader who sees the same article in the same
state; every page has the same navigation for one member on one page. So these are
kept, in the process's LRU (web.caching.generation.store), under a key made of
*everything they show*, and that key is derived, never written by hand:

- the arguments, frozen whole (dataclasses field by field, a member's row as the
  account shows it, long text by its digest), so a value a component shows cannot be
  left out of its key;
- the language, always (every component says something);
- the request's facts the component reads: a component reads the reader's state only
  through a few template globals (`current_member()`, `here()`, `reading_list()`,
  `current_path()`); reading one during a render adds it to what that component is
  known to read (an inner remembered component passes its own on), and from then on
  its value is part of the key. A key made before a fact was known names fewer facts,
  so it is never matched again: nothing is served that was rendered under other facts.

A write changes the values, hence the key: nothing is ever stale, and nothing needs
deleting. The one personal thing in them, the session's CSRF token, is kept as a
placeholder and filled in for each reader. `tests/caching/test_fragments.py` renders
pages both ways and compares them; `REMEMBER_FRAGMENTS = False` renders every piece
afresh.
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from datetime import date, time
from typing import Any, cast

from flask import Flask, current_app, g, request
from flask_babel import LazyString, get_locale
from markupsafe import Markup

from web.caching.answers import ACCOUNT_AS_SHOWN, with_token, without_token
from web.caching.generation import store
from web.http.auth import current_member
from web.http.reader import reading_list
from web.http.rendering import Component, here
from web.infra import metrics
from web.models import User

# The request facts a component may read, by the template global that reads them.
FACTS: dict[str, Callable[[], Hashable]] = {
    "current_member": lambda: frozen(current_member()),
    "here": here,
    "reading_list": lambda: tuple(reading_list()),
    "current_path": lambda: request.path,
}
log = logging.getLogger(__name__)
READING = "fragment_reads"  # g: the facts read by each remembered render in progress
DIGEST_OVER = 256  # characters: longer text is keyed by its digest


class Remembered(Component):
    """A component rendered once per distinct content: its arguments, its language and
    the request facts it is known to read (see the module's docstring)."""

    def __init__(self, app: Flask, name: str) -> None:
        super().__init__(app, name)
        self.reads: frozenset[str] = frozenset()
        self.learning = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        if not current_app.config["REMEMBER_FRAGMENTS"]:
            return super().__call__(*args, **kwargs)
        try:
            shown = (frozen(args), frozen(kwargs), str(get_locale()))
        except TypeError as error:  # an argument nothing can key: rendered, never kept
            log.warning("fragment %s rendered afresh: %s", self.name, error)
            return super().__call__(*args, **kwargs)
        known = self.reads
        _read(known)  # an enclosing remembered component reads them too
        kept = store().get(self._key(shown, known))
        if kept is None:
            metrics.FRAGMENT_MISS.inc()
            stack: list[set[str]] = g.setdefault(READING, [])
            stack.append(set())
            try:
                html = super().__call__(*args, **kwargs)
            finally:
                read = stack.pop()
            with self.learning:  # reads only grow: no thread's discovery is lost
                self.reads = reads = self.reads | read
            _read(read)
            kept = without_token(html)
            store().put(self._key(shown, reads), kept)  # every fact this render read
        else:
            metrics.FRAGMENT_HIT.inc()
        return Markup(with_token(kept))

    def _key(self, shown: Hashable, reads: frozenset[str]) -> Hashable:
        facts = tuple((name, FACTS[name]()) for name in sorted(reads))
        return self.name, shown, facts


def _read(facts: frozenset[str] | set[str]) -> None:
    for reading in g.get(READING, ()):
        reading.update(facts)


def tracked(name: str, fact: Callable[..., Any]) -> Callable[..., Any]:
    """The template global `name`, noting that the component being rendered reads it."""

    def read(*args: Any, **kwargs: Any) -> Any:
        _read({name})
        return fact(*args, **kwargs)

    return read


def frozen(value: Any) -> Hashable:
    """`value` as a key: everything it holds, in hashable form."""
    if value is None or isinstance(value, bool | int | float | date | time):
        return value
    if isinstance(value, str | LazyString):
        text = str(value)
        return text if len(text) <= DIGEST_OVER else hashlib.blake2b(text.encode()).digest()
    if isinstance(value, User):  # as the account shows it, never its secrets
        return ("User", *(getattr(value, name) for name in ACCOUNT_AS_SHOWN))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(frozen(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    raise TypeError(f"a remembered component cannot be keyed by a {type(value).__name__}")


REMEMBERED = (
    "article_preview", "article_meta", "comment", "tag_list", "site_nav", "theme_form",
    "language_form",
)  # fmt: skip


def init_app(app: Flask) -> None:
    app.config.setdefault("REMEMBER_FRAGMENTS", True)
    for name in FACTS:
        app.jinja_env.globals[name] = tracked(
            name, cast(Callable[..., Any], app.jinja_env.globals[name])
        )
    for name in REMEMBERED:
        app.jinja_env.globals[name] = Remembered(app, name)
