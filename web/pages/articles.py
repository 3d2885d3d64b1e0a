"""Articles: reading, writing, deleting, favorites and comments, as HTML."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import login_required

from web.articles import (
    ArticleDetail,
    NotAllowed,
    create_article,
    delete_article,
    favorite,
    find_article,
    get_article,
    parse_tags,
    unfavorite,
    update_article,
)
from web.auth import current_member, next_from_request, signed_in_member
from web.comments import add_comment, delete_comment, list_comments
from web.db import get_session
from web.forms import ArticleForm, CommentForm
from web.markdown import render_markdown
from web.models import Article
from web.rendering import announce, component, fragment_response, render, wants_fragment

bp = Blueprint("articles", __name__)


def _article_or_404(slug: str) -> Article:
    """The article by its slug; a former slug redirects (301) to the current URL."""
    article, moved = find_article(get_session(), slug)
    if article is None:
        abort(404)
    if moved:
        # Same endpoint, new slug, same query string.
        target = url_for(
            request.endpoint or "articles.show",
            **{**(request.view_args or {}), "slug": article.slug},
        )
        query = request.query_string.decode()
        abort(redirect(target + (f"?{query}" if query else ""), 301))
    return article


def _detail(slug: str) -> ArticleDetail:
    viewer = current_member()
    detail = get_article(session=get_session(), slug=slug, viewer_id=viewer.id if viewer else None)
    if detail is None:
        abort(404)
    return detail


def _own_article_or_403(slug: str) -> Article:
    article = _article_or_404(slug)
    if article.author_id != signed_in_member().id:
        abort(403, "Only the author can change this article.")
    return article


def _show(slug: str, comment_form: CommentForm | None = None, status: int = 200) -> Response:
    article = _detail(slug)
    return render(
        "articles/show.html",
        article=article,
        body=render_markdown(article.body),
        comments=list_comments(session=get_session(), article_id=article.id),
        form=comment_form or CommentForm(),
        status=status,
    )


@bp.get("/article/<slug>")
def show(slug: str) -> Response:
    _article_or_404(slug)
    return _show(slug)


@bp.route("/editor", methods=["GET", "POST"])
@login_required
def new() -> Response:
    form = ArticleForm()
    if form.validate_on_submit():
        author = signed_in_member()
        assert author.id is not None
        article = create_article(
            session=get_session(),
            author_id=author.id,
            title=form.title.data,
            description=form.description.data,
            body=form.body.data,
            tags=parse_tags(form.tags.data or ""),
        )
        get_session().commit()
        flash("Your article is published.")
        return redirect(url_for("articles.show", slug=article.slug), 303)
    return render("articles/editor.html", form=form, article=None, status=_status(form))


@bp.route("/editor/<slug>", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Response:
    article = _own_article_or_403(slug)
    form = ArticleForm(obj=article)
    if request.method == "GET":
        form.tags.data = " ".join(_detail(slug).tags)
    if form.validate_on_submit():
        author = signed_in_member()
        assert author.id is not None
        update_article(
            session=get_session(),
            article=article,
            editor_id=author.id,
            title=form.title.data,
            description=form.description.data,
            body=form.body.data,
            tags=parse_tags(form.tags.data or ""),
        )
        flash("Your article is updated.")
        return redirect(url_for("articles.show", slug=article.slug), 303)
    return render("articles/editor.html", form=form, article=article, status=_status(form))


@bp.route("/article/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str) -> Response:
    """GET (or a POST not yet confirmed) asks; a confirmed POST deletes.

    With JS the article page's form asks with a confirm dialog and sends
    confirmed=yes; without JS the same form lands here first.
    """
    article = _own_article_or_403(slug)
    if request.method == "POST" and request.form.get("confirmed") == "yes":
        try:
            delete_article(session=get_session(), article=article, editor_id=signed_in_member().id)
        except NotAllowed:
            abort(403)
        flash(f"“{article.title}” is deleted.")
        return redirect(url_for("home.index"), 303)
    return render("articles/delete.html", article=article)


@bp.post("/article/<slug>/favorite", endpoint="favorite")
@login_required
def favorite_article(slug: str) -> Response:
    return _set_favorite(slug, True)


@bp.post("/article/<slug>/unfavorite", endpoint="unfavorite")
@login_required
def unfavorite_article(slug: str) -> Response:
    return _set_favorite(slug, False)


def _set_favorite(slug: str, on: bool) -> Response:
    article = _article_or_404(slug)
    viewer = signed_in_member()
    assert viewer.id is not None
    assert article.id is not None
    change = favorite if on else unfavorite
    change(session=get_session(), user_id=viewer.id, article_id=article.id)
    message = f"{'Added to' if on else 'Removed from'} your favorites: “{article.title}”."
    if not wants_fragment():
        flash(message)
        return redirect(next_from_request(url_for("articles.show", slug=slug)), 303)
    announce(message)
    detail = _detail(article.slug)
    compact = request.form.get("compact") == "yes"
    return fragment_response(component("favorite_button", detail, viewer, compact=compact))


@bp.post("/article/<slug>/comments", endpoint="add_comment")
@login_required
def add_comment_view(slug: str) -> Response:
    article = _article_or_404(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        if not wants_fragment():
            return _show(slug, comment_form=form, status=422)
        response = fragment_response(component("comment_form", form, slug), status=422)
        # The form posts into the comment list; an error goes back into the form itself.
        response.headers["HX-Retarget"] = "#comment-form"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    assert article.id is not None
    viewer = signed_in_member()
    added = add_comment(
        session=get_session(), article_id=article.id, author=viewer, body=form.body.data
    )
    if not wants_fragment():
        flash("Your comment is posted.")
        return redirect(url_for("articles.show", slug=slug, _anchor=f"comment-{added.id}"), 303)
    announce("Your comment is posted.")
    return fragment_response(
        component("comment", added, viewer, slug, autofocus=True)
        + component("comment_form", CommentForm(formdata=None), slug, oob=True)
    )


@bp.post("/article/<slug>/comments/<int:comment_id>/delete", endpoint="delete_comment")
@login_required
def delete_comment_view(slug: str, comment_id: int) -> Response:
    article = _article_or_404(slug)
    assert article.id is not None
    try:
        found = delete_comment(
            session=get_session(),
            article_id=article.id,
            comment_id=comment_id,
            user_id=signed_in_member().id,
        )
    except NotAllowed:
        abort(403, "Only its author can delete a comment.")
    if not found:
        abort(404)
    if not wants_fragment():
        flash("Your comment is deleted.")
        return redirect(url_for("articles.show", slug=slug, _anchor="comments"), 303)
    announce("Your comment is deleted.")
    return fragment_response("")


def _status(form: ArticleForm) -> int:
    return 422 if form.errors else 200
