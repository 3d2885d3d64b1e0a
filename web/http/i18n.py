"""The interface's language: English, French, German, Spanish or Arabic (Flask-Babel).

The reader's explicit choice wins (on the member's account, in a visitor's session),
then their browser's `Accept-Language`, then English. The JSON API always speaks English:
RealWorld clients read its messages. Catalogs live in `web/translations/<code>/` (`.po`
in the repository, `.mo` compiled by `make setup`); `make translations` refreshes them.
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, request, session
from flask_babel import Babel, LazyString, get_locale, get_translations, gettext
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from web.languages import DEFAULT, LANGUAGES, Language

SESSION_KEY = "language"
MEMBER_LANGUAGE = "conduit.member-language"

LOCALES = {code: Locale.parse(code) for code in LANGUAGES}  # parsed once, not per request

babel = Babel()


class LazyText(LazyString):
    """A message translated when it is shown (form labels and validators are made once,
    shown in each reader's language). Escaped like any text: Flask-Babel's own lazy
    strings pass for HTML."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy(message: str, **params: Any) -> LazyText:
    return LazyText(gettext, message, **params)


def init_app(app: Flask, *, member_language: Callable[[], str | None]) -> None:
    """`member_language()` is the signed-in member's chosen language (None: none chosen,
    or a visitor), asked only when the request may be a member's."""
    app.extensions[MEMBER_LANGUAGE] = member_language
    babel.init_app(app, locale_selector=select_language, default_domain="messages")
    # Templates call _() a hundred times a page: straight to this request's catalog, with
    # Jinja's "newstyle" rules (values escaped, always a format string). Kept because it
    # earns it: without it members' pages ran 6-23% slower in `make bench` (2026-12-06).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext,
                                 ngettext=_template_ngettext)  # fmt: skip
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["languages"] = LANGUAGES
    app.after_request(_vary)


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, **values: Any) -> str:
    said = _catalog().ugettext(message)
    if not values:  # no message has a literal "%%": nothing to format
        return Markup(said) if eval_ctx.autoescape else said
    return (Markup(said) if eval_ctx.autoescape else said) % values


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, one: str, many: str, num: int, **values: Any) -> str:
    said = _catalog().ungettext(one, many, num)
    return (Markup(said) if eval_ctx.autoescape else said) % {"num": num, **values}


def _catalog() -> Any:
    found = g.get("catalog")
    if found is None:
        found = g.catalog = get_translations()
    return found


def chosen_language() -> str | None:
    """The reader's explicit choice: the member's account, else the session's (a
    visitor's, or the one a member's browser made before signing in)."""
    chosen = session.get(SESSION_KEY)
    if "_user_id" in session or "remember_token" in request.cookies:  # perhaps a member
        chosen = current_app.extensions[MEMBER_LANGUAGE]() or chosen
    return chosen if chosen in LANGUAGES else None


def select_language() -> Locale:
    """The request's language (Flask-Babel's locale selector), as a Locale made once."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return LOCALES[DEFAULT]  # the API speaks English whatever the browser prefers
    chosen = chosen_language()
    if chosen is not None:
        return LOCALES[chosen]
    g.language_negotiated = True  # the answer depends on Accept-Language
    return LOCALES[negotiated(request.headers.get("Accept-Language", ""))]


@lru_cache(maxsize=1024)
def negotiated(accept_language: str) -> str:
    """The best of our languages for this header (browsers send a handful of them)."""
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT)


def current_language() -> Language:
    return LANGUAGES.get(str(get_locale()), LANGUAGES[DEFAULT])


def _vary(response: Response) -> Response:
    if g.get("language_negotiated"):
        response.vary.add("Accept-Language")
    if response.mimetype == "text/html" and not request.path.startswith("/api"):
        response.headers["Content-Language"] = current_language().code
    return response
