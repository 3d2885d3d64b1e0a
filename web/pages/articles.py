"""Articles: reading, writing, deleting, favorites and comments, as HTML.

Lookups and permissions are the domain's (it raises NotFound, Moved or NotAllowed and
`web.http.errors` answers); these views choose what to show and how to answer.
"""

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from web.articles import (
    ArticleDetail,
    create_article,
    delete_article,
    editable_article,
    find_article,
    get_article,
    parse_tags,
    publish_article,
    set_favorite,
    update_article,
)
from web.caching.answers import served_again
from web.comments import add_comment, count_comments, delete_comment, list_comments
from web.db import get_session
from web.http.actions import ARTICLE_PLACES, acted
from web.http.auth import current_member, current_member_id, members_only, signed_in_member
from web.http.forms import ArticleForm, CommentForm, PreviewForm, field_errors
from web.http.limits import limit_checks
from web.http.rendering import announce, component, render, respond, target, wants_fragment
from web.http.resume import comment_draft
from web.languages import N_
from web.markdown import render_markdown
from web.models import Article, id_of
from web.moderation import is_moderator
from web.problems import NotFound
from web.submissions import Replayed

bp = Blueprint("articles", __name__)

# An article's page shows its favorite and follow buttons twice: in the banner and at
# the end of the text. A list shows one favorite button per article ("list").
PREVIEW = "preview"  # the editor's Preview button (JS off): show, do not save
# The editor's other buttons. Without either (Enter in a field, a scripted post), a new
# article is published (as it always was) and a draft stays a draft.
PUBLISH, DRAFT = "publish", "draft"
DRAFT_SAVED = N_("Your draft is saved. Only you can see it until you publish it.")


FAVORITES_LIVE = "favorites-live"  # the page's hidden element a favorites update refreshes


def _show(slug: str, comment_form: CommentForm | None = None, status: int = 200) -> Response:
    session = get_session()
    article = get_article(session=session, slug=slug, viewer_id=current_member_id())
    draft = None if comment_form else comment_draft(slug)  # given back after signing in
    return render(
        "articles/show.html",
        parts=("comments",),
        article=article,
        body=render_markdown(article.body),
        comments=list_comments(
            session=session,
            article_id=article.id,
            viewer_id=current_member_id(),
            sees_hidden=is_moderator(current_member()),
        ),
        form=comment_form or CommentForm(body=draft),
        comment_restored=bool(draft),
        status=status,
        # The comments alone, fetched after a live update: their count comes along.
        refreshing=target() == "comments",
    )


@bp.get("/article/<slug>")
@served_again
def show(slug: str) -> Response:
    if target() == FAVORITES_LIVE:
        return _favorite_buttons(slug)
    return _show(slug)


def _favorite_buttons(slug: str) -> Response:
    """After a live update: both favorite buttons of the page, as this reader sees them."""
    article = get_article(session=get_session(), slug=slug, viewer_id=current_member_id())
    viewer = current_member()
    buttons = [
        component("favorite_button", article, viewer, place=place, oob=True)
        for place in ("banner", "end")
    ]
    return respond(oob=buttons)


@bp.get("/article/<slug>/comments")
def comments(slug: str) -> Response:
    """The comment form's address, opened directly: the article, at its comments."""
    article = find_article(session=get_session(), slug=slug, viewer_id=current_member_id())
    return redirect(url_for("articles.show", slug=article.slug, _anchor="comments"), 303)


@bp.route("/editor", methods=["GET", "POST"])
@members_only
def new() -> Response:
    form = ArticleForm()
    if PREVIEW in request.form:
        return _editor(form, None)
    if form.validate_on_submit():
        try:
            article = create_article(
                session=get_session(),
                author_id=id_of(signed_in_member()),
                title=form.title.data,
                description=form.description.data,
                body=form.body.data,
                tags=parse_tags(form.tags.data or ""),
                token=form.once.data,
                draft=DRAFT in request.form,
            )
        except Replayed as done:
            return _already_saved(done.ref_id)
        return _saved(article)
    return _editor(form, None)


def _saved(article: Article) -> Response:
    """After a save: a draft goes back to its editor (writing goes on), a published
    article to its page."""
    if article.draft:
        flash(gettext(DRAFT_SAVED))
        return redirect(url_for("articles.edit", slug=article.slug), 303)
    flash(gettext("Your article is published."))
    return redirect(url_for("articles.show", slug=article.slug), 303)


def _editor(form: ArticleForm, article: ArticleDetail | None) -> Response:
    """The editor with what was typed and its preview. A Preview press (JS off) saves
    nothing and consumes no one-time token: the form stays as it was."""
    previewed = _preview(form.body.data or "")
    return render("articles/editor.html", form=form, article=article, status=_status(form),
                  **previewed)  # fmt: skip


def _preview(body: str) -> dict[str, Any]:
    """The body rendered as its page renders it, or why it cannot be."""
    check = PreviewForm(formdata=None, data={"body": body})
    if not check.validate():
        return {"preview": None, "preview_error": check.body.errors[0]}
    return {"preview": render_markdown(body) if body.strip() else None, "preview_error": None}


@bp.post("/editor/preview")
def preview() -> Response:
    """The live preview (htmx, while typing): the preview block only. Open to anyone
    (it stores nothing), so an expired session never takes the writer off the page.
    Sent as a plain form (or for another target), it is the editor with what was sent
    and its preview, as the editor's own Preview button gives."""
    if target() != "preview":
        return _editor(ArticleForm(), None)
    # "Preview updated." is said by the page once the writer stops typing (conduit.js),
    # not at each refresh a pause between words brings.
    previewed = _preview(request.form.get("body", ""))
    # The body's own message follows the text too (a fixed body loses its error).
    message = _field_messages("body", request.form, oob=True)
    return render("articles/editor.html", parts=("preview",), oob=[message], **previewed)


EDITOR_CHECKS = ("title", "description", "tags")  # the body's comes with its preview


@bp.get("/editor/check/<field>")
@limit_checks
def check(field: str) -> Response:
    """One editor field's message, for the inline check as it is typed: a message
    shown after a submission goes once the field is right."""
    if field not in EDITOR_CHECKS:
        abort(404)
    return respond(_field_messages(field, request.args))


def _field_messages(field: str, data: Any, *, oob: bool = False) -> Markup:
    errors = field_errors(ArticleForm, field, data)
    return component("field_messages", errors, oob_for=field if oob else None)


def _already_saved(article_id: int) -> Response:
    """A replayed editor form: show what the first submission saved."""
    article = get_session().get(Article, article_id)
    if article is None:
        flash(gettext("That article was already saved, and has since been deleted."))
        return redirect(url_for("home.index"), 303)
    if article.draft:
        flash(gettext("That draft was already saved: here it is."))
        return redirect(url_for("articles.edit", slug=article.slug), 303)
    flash(gettext("That article was already published: here it is."))
    return redirect(url_for("articles.show", slug=article.slug), 303)


@bp.route("/editor/<slug>", methods=["GET", "POST"])
@members_only
def edit(slug: str) -> Response:
    session = get_session()
    editor_id = id_of(signed_in_member())
    article = editable_article(session=session, slug=slug, user_id=editor_id)
    form = ArticleForm(obj=article)
    if request.method == "GET":
        form.tags.data = " ".join(article.tags)
    if PREVIEW in request.form:
        return _editor(form, article)
    if form.validate_on_submit():
        updated = update_article(
            session=session,
            slug=article.slug,
            editor_id=editor_id,
            title=form.title.data,
            description=form.description.data,
            body=form.body.data,
            tags=parse_tags(form.tags.data or ""),
            publish=PUBLISH in request.form,
        )
        if article.draft:  # saved again, or published now
            return _saved(updated)
        flash(gettext("Your article is updated."))
        return redirect(url_for("articles.show", slug=updated.slug), 303)
    return _editor(form, article)


@bp.post("/article/<slug>/publish")
@members_only
def publish(slug: str) -> Response:
    """A draft's Publish button on its page. Pressed again (another tab, a replayed
    form), it says so and changes nothing."""
    editor_id = id_of(signed_in_member())
    article, now = publish_article(session=get_session(), slug=slug, editor_id=editor_id)
    flash(
        gettext("Your article is published.")
        if now
        else gettext("That article was already published.")
    )
    return redirect(url_for("articles.show", slug=article.slug), 303)


@bp.route("/article/<slug>/delete", methods=["GET", "POST"])
@members_only
def delete(slug: str) -> Response:
    """GET (or a POST not yet confirmed) asks; a confirmed POST deletes.

    With JS the article page's form asks with a confirm dialog and sends
    confirmed=yes; without JS the same form lands here first.
    """
    editor_id = id_of(signed_in_member())
    if request.method == "POST" and request.form.get("confirmed") == "yes":
        gone = delete_article(session=get_session(), slug=slug, editor_id=editor_id)
        flash(gettext("“%(title)s” is deleted.", title=gone.title))
        return redirect(url_for("home.index"), 303)
    article = editable_article(session=get_session(), slug=slug, user_id=editor_id)
    return render("articles/delete.html", article=article)


@bp.post("/article/<slug>/favorite", endpoint="favorite")
@members_only
def favorite_article(slug: str) -> Response:
    return _set_favorite(slug, True)


@bp.post("/article/<slug>/unfavorite", endpoint="unfavorite")
@members_only
def unfavorite_article(slug: str) -> Response:
    return _set_favorite(slug, False)


def _set_favorite(slug: str, on: bool) -> Response:
    viewer = signed_in_member()
    article = set_favorite(session=get_session(), slug=slug, user_id=id_of(viewer), on=on)
    message = (
        gettext("Added to your favorites: “%(title)s”.", title=article.title)
        if on
        else gettext("Removed from your favorites: “%(title)s”.", title=article.title)
    )
    return toggled("favorite", article, message, viewer)


def toggled(
    kind: str, article: Any, message: str, *args: Any, also: Iterable[Markup] = ()
) -> Response:
    """The answer to an article's toggle button (`<kind>_button`: favorite, save), on
    its page or in a list."""
    return acted(
        message,
        back=url_for("articles.show", slug=article.slug),
        button=lambda place, oob: component(f"{kind}_button", article, *args, place=place, oob=oob),
        prefix=f"{kind}-{article.id}-",
        places=(*ARTICLE_PLACES, "list"),
        also=also,
    )


@bp.post("/article/<slug>/comments", endpoint="add_comment")
@members_only
def add_comment_view(slug: str) -> Response:
    """A new comment. With htmx it is appended to the list and the form comes back
    empty (out-of-band); an invalid one sends only the form, with its message."""
    form = CommentForm()
    if not form.validate_on_submit():
        if not wants_fragment():
            return _show(slug, comment_form=form, status=422)
        # Not announced: the field takes focus, and its message is read with it (once).
        return respond(oob=[component("comment_form", form, slug, oob=True)], status=422)
    viewer = signed_in_member()
    try:
        added = add_comment(
            session=get_session(), slug=slug, author=viewer, body=form.body.data,
            token=form.once.data,
        )  # fmt: skip
    except Replayed as done:
        message = gettext("That comment was already posted.")
        if not wants_fragment():
            flash(message)
            anchor = f"comment-{done.ref_id}"
            return redirect(url_for("articles.show", slug=slug, _anchor=anchor), 303)
        announce(message)
        return respond(reswap="none")
    if not wants_fragment():
        flash(gettext("Your comment is posted."))
        return redirect(url_for("articles.show", slug=slug, _anchor=f"comment-{added.id}"), 303)
    announce(gettext("Your comment is posted."))
    return respond(
        component("comment", added, viewer, slug, autofocus=True),
        oob=[component("comment_form", CommentForm(formdata=None), slug, oob=True),
             _comment_count(slug)],
    )  # fmt: skip


@bp.post("/article/<slug>/comments/<id:comment_id>/delete", endpoint="delete_comment")
@members_only
def delete_comment_view(slug: str, comment_id: int) -> Response:
    message = gettext("Your comment is deleted.")
    try:
        delete_comment(
            session=get_session(), slug=slug, comment_id=comment_id,
            user_id=id_of(signed_in_member()),
        )  # fmt: skip
    except NotFound as missing:
        if missing.subject != "comment":
            raise
        message = gettext("That comment was already deleted.")  # e.g. in another tab: same result
    if not wants_fragment():
        flash(message)
        return redirect(url_for("articles.show", slug=slug, _anchor="comments"), 303)
    announce(message)
    return respond("", oob=[_comment_count(slug)])


def _comment_count(slug: str) -> Markup:
    """The comments heading's count and the empty-state note, as they are now."""
    return component("comment_count", count_comments(session=get_session(), slug=slug), oob=True)


def _status(form: ArticleForm) -> int:
    return 422 if form.errors else 200
