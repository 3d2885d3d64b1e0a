"""The component gallery (development and tests only): every component's documented
examples, each rendered on a page of its own, from sample data.

The examples are read from each component's doc comment ("Example:" / "Examples:"),
so the documentation is what gets rendered, tested (tests/pages/test_components.py) and
checked by axe (e2e). Not registered in production.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from web.articles import ArticleDetail, ArticlePreview
from web.comments import CommentView
from web.http.forms import CommentForm, RegisterForm
from web.http.rendering import COMPONENTS, Message
from web.models import User
from web.pagination import Page
from web.search import SearchResult
from web.users import Profile

bp = Blueprint("gallery", __name__, url_prefix="/_components")

_EXAMPLES = re.compile(r"Examples?:(.*?)-#}", re.S)


@dataclass(frozen=True)
class Component:
    name: str
    doc: str
    examples: list[str]


def components() -> list[Component]:
    """Every component with its doc comment and its examples, by name."""
    found = []
    for path in sorted(COMPONENTS.glob("*.html")):
        source = path.read_text()
        doc = source.split("-#}", 1)[0].removeprefix("{#-").strip()
        block = _EXAMPLES.search(source)
        lines = block.group(1).splitlines() if block else []
        examples = [part.strip() for line in lines for part in re.split(r"\s{3,}", line)]
        found.append(Component(path.stem, doc, [e for e in examples if e]))
    return found


def sample_context() -> dict[str, Any]:
    """The names the examples use, bound to small, realistic data."""
    when = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    author = Profile(id=1, username="ana", bio="Writes about hypermedia.", image=None,
                     following=False)  # fmt: skip
    preview = ArticlePreview(
        id=1, slug="hello-htmx", title="Hello, htmx", description="Hypermedia, step by step.",
        created_at=when, updated_at=when, author=author, tags=["htmx", "python"],
        favorites_count=2, favorited=False, words=560, draft=False, hidden=False,
        hidden_reason=None,
    )  # fmt: skip
    article = ArticleDetail(**{**preview.__dict__, "id": 2, "slug": "on-forms"},
                            body="## Forms\n\nThey still work.")  # fmt: skip
    form = CommentForm(formdata=MultiDict({"body": ""}))
    form.validate()
    signup = RegisterForm(formdata=None)
    return {
        "preview": preview,
        "article": article,
        "profile": author,
        "result": SearchResult(article=preview, snippet=Markup("Say <mark>hello</mark> to htmx")),
        "page": Page(items=[preview], number=2, size=1, total=5),
        "item": CommentView(
            id=7,
            body="Thanks for this!\nVery clear.",
            created_at=when,
            updated_at=when,
            author=author,
            hidden=False,
            hidden_reason=None,
        ),
        "form": form,
        "signup": signup,
        "Message": Message,
        "member": User(id=1, username="ana", email="ana@example.com", password_hash=""),
    }


def render_example(name: str, example: str) -> Markup:
    source = f'{{% from "components/{name}.html" import {name} %}}{example}'
    template = current_app.jinja_env.from_string(source)
    return Markup(template.render(**sample_context()))


@bp.get("/")
def index() -> str:
    return render_template("gallery/index.html", components=components())


@bp.get("/<name>/<int:number>")
def example(name: str, number: int) -> str:
    found = {c.name: c for c in components()}.get(name)
    if found is None or not 1 <= number <= len(found.examples):
        abort(404)
    source = found.examples[number - 1]
    return render_template(
        "gallery/example.html",
        component=found,
        number=number,
        source=source,
        rendered=render_example(name, source),
    )


def init_app(app: Flask) -> None:
    if app.config["CONDUIT_ENV"] != "production":
        app.register_blueprint(bp)
