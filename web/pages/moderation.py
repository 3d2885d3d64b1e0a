"""Moderation as HTML: members report what is wrong; moderators work through the queue,
decide on items and members; admins read the log and give roles.

The rules are the domain's (web.moderation); these views check who may see which page,
choose what to show and tell the people concerned by mail.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as day_time
from typing import Any

from flask import Blueprint, Flask, current_app, flash, g, redirect, request, url_for
from flask_babel import force_locale, gettext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from web import moderation
from web.articles import find_article
from web.comments import get_comment
from web.db import get_session
from web.http.auth import current_member, members_only, signed_in_member
from web.http.forms import DecisionForm, ReportForm, RoleForm
from web.http.limits import limit_reports
from web.http.rendering import render
from web.http.resume import report_draft
from web.infra import mail
from web.languages import N_
from web.models import User, id_of, utcnow
from web.pagination import PageOutOfRange, page_number
from web.users import find_by_username, get_profile

bp = Blueprint("moderation", __name__)

QUEUE_PAGE = 20
LOG_PAGE = 50
SWEPT = "conduit.suspensions_swept"  # app.extensions: when this process last looked
KIND_NAMES = {"article": N_("Article"), "comment": N_("Comment"), "profile": N_("Member")}
DECISIONS = ("hide", "restore", "dismiss", "suspend", "lift")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Seconds between two looks for suspensions whose end has come (0: never; tests).
    app.config.setdefault("SUSPENSION_SWEEP_SECONDS", 60.0)
    app.before_request(_end_due_suspensions)
    app.jinja_env.globals["moderates"] = lambda: moderation.is_moderator(current_member())
    app.jinja_env.globals.update(
        report_reasons=moderation.REASONS,
        log_actions=moderation.ACTIONS,
        kind_names=KIND_NAMES,
        role_names=moderation.ROLES,
        reported_marker=moderation.REPORTED,
        now=utcnow,
    )
    app.jinja_env.filters["hidden_reason"] = _hidden_reason


def _hidden_reason(reason: str | None) -> str:
    """The moderators' reason as the author is told it; reports alone say so."""
    if reason == moderation.REPORTED:
        return gettext(moderation.REPORTED_SENTENCE)
    return reason or gettext("Hidden while its author's account is suspended.")


def _end_due_suspensions() -> None:
    """Now and then (SUSPENSION_SWEEP_SECONDS, per process): suspensions whose end date
    came are lifted; one indexed query when none has. Best effort: a database that does
    not answer here is the page's to report, not this look's."""
    every = current_app.config["SUSPENSION_SWEEP_SECONDS"]
    now = time.monotonic()
    last = current_app.extensions.setdefault(SWEPT, [0.0])
    if not every or now - last[0] < every or g.get("database_unavailable"):
        return
    last[0] = now
    try:
        moderation.end_due_suspensions(session=get_session())
    except SQLAlchemyError:
        get_session().rollback()
        current_app.logger.warning("Suspensions that ended could not be lifted just now")


def _moderator() -> User:
    user = signed_in_member()
    moderation.must_moderate(user)
    return user


def _admin() -> User:
    user = signed_in_member()
    moderation.must_administer(user, to="log")
    return user


# --- reporting -------------------------------------------------------------------------------


@bp.route("/article/<slug>/report", methods=["GET", "POST"])
@members_only
@limit_reports
def report_article(slug: str) -> Response:
    article = find_article(session=get_session(), slug=slug, viewer_id=id_of(signed_in_member()))
    back = url_for("articles.show", slug=article.slug)
    return _report("article", id_of(article), article.title, back)


@bp.route("/article/<slug>/comments/<int:comment_id>/report", methods=["GET", "POST"])
@members_only
@limit_reports
def report_comment(slug: str, comment_id: int) -> Response:
    viewer = signed_in_member()
    comment = get_comment(
        session=get_session(), slug=slug, comment_id=comment_id, viewer_id=id_of(viewer)
    )
    back = url_for("articles.show", slug=slug, _anchor=f"comment-{comment.id}")
    return _report("comment", comment.id, comment.opening, back)


@bp.route("/profile/<username>/report", methods=["GET", "POST"])
@members_only
@limit_reports
def report_profile(username: str) -> Response:
    profile = get_profile(session=get_session(), username=username, viewer_id=None)
    back = url_for("profiles.show", username=profile.username)
    return _report("profile", profile.id, profile.username, back)


def _report(kind: str, item_id: int, label: str, back: str) -> Response:
    kept = report_draft() if request.method == "GET" else None  # sent as the session ended
    form = ReportForm(data=kept) if kept else ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report(
                session=get_session(),
                reporter=signed_in_member(),
                kind=kind,
                item_id=item_id,
                reason=form.reason.data,
                note=form.note.data,
                hide_after=current_app.config["MODERATION_HIDE_AFTER"],
            )
        except moderation.AlreadyReported as already:
            flash(gettext(already.sentence))
            return redirect(back, 303)
        flash(gettext("Thank you: your report was sent to the moderators."))
        return redirect(back, 303)
    status = 422 if form.errors else 200
    return render(
        "moderation/report.html",
        form=form,
        kind=kind,
        label=label,
        back=back,
        action=request.path,
        status=status,
    )


# --- the queue -------------------------------------------------------------------------------


@bp.get("/moderation")
@members_only
def queue() -> Response:
    _moderator()
    number = page_number(request.args.get("page"))
    try:
        page = moderation.queue(session=get_session(), page=number, size=QUEUE_PAGE)
    except PageOutOfRange:  # decisions emptied the last page: its new last one
        last = moderation.queue(session=get_session(), page=1, size=QUEUE_PAGE).pages
        return redirect(_queue_url(last), 303)
    return render("moderation/queue.html", page=page, form=DecisionForm(formdata=None))


def _told(decided: moderation.AlreadyDecided) -> str:
    """What the second moderator is told: who decided what, in their language."""
    params, reason = decided.params, decided.params["reason"]
    if reason == moderation.REPORTED:
        reason = gettext(moderation.REPORTED_SENTENCE)
    return gettext(decided.sentence, **{**params, "action": gettext(params["action"]),
                                        "reason": reason})  # fmt: skip


def _queue_url(number: int) -> str:
    return url_for("moderation.queue", page=number if number > 1 else None)


def _sent_from() -> int:
    """The queue's page the decision was sent from (1 if it does not say)."""
    try:
        return page_number(request.form.get("page"))
    except PageOutOfRange:
        return 1


@bp.post("/moderation/<kind>/<int:item_id>")
@members_only
def decide(kind: str, item_id: int) -> Response:
    """A decision on a reported item: hide, restore, dismiss, or suspend its author."""
    moderator = _moderator()
    action = request.form.get("action", "")
    form = DecisionForm()
    known = moderation.items(session=get_session(), kind=kind, ids=[item_id])
    # Reports on an item deleted since can still be dismissed; nothing else is left to do.
    item = known.get(item_id) if kind in moderation.KINDS else None
    if item is None and action != "dismiss":
        moderation.find_item(session=get_session(), kind=kind, item_id=item_id)  # NotFound
    back = _queue_url(_sent_from())
    if action not in DECISIONS or not form.validate_on_submit():
        try:  # the page it was sent from, where its form shows what to put right
            page = moderation.queue(session=get_session(), page=_sent_from(), size=QUEUE_PAGE)
        except PageOutOfRange:
            page = moderation.queue(session=get_session(), page=1, size=QUEUE_PAGE)
        return render(
            "moderation/queue.html",
            page=page,
            form=DecisionForm(formdata=None),
            failed=form,
            failed_item=(kind, item_id),
            status=422,
        )
    try:
        if item is None:
            moderation.dismiss(session=get_session(), moderator=moderator, kind=kind,
                               item_id=item_id, reason=form.reason.data)  # fmt: skip
            flash(gettext("The reports are dismissed."))
        else:
            _carry_out(moderator, item, action, form)
    except moderation.AlreadyDecided as decided:
        flash(_told(decided))
    return redirect(back, 303)


def _until(form: DecisionForm) -> datetime | None:
    day = form.until.data
    return None if day is None else datetime.combine(day, day_time(0), tzinfo=UTC)


# What a moderator is told after a decision on an item, by kind.
DONE = {
    ("hide", "article"): N_("The article is hidden; its author was told why."),
    ("hide", "comment"): N_("The comment is hidden; its author was told why."),
    ("restore", "article"): N_("The article is shown again."),
    ("restore", "comment"): N_("The comment is shown again."),
}


def _carry_out(moderator: User, item: moderation.Item, action: str, form: DecisionForm) -> None:
    session, reason = get_session(), form.reason.data
    if action in ("suspend", "lift"):
        _member_decision(moderator, item.author_name, action, form, from_item=(item.kind, item.id))
        return
    if action == "dismiss":
        moderation.dismiss(
            session=session, moderator=moderator, kind=item.kind, item_id=item.id, reason=reason
        )
        flash(gettext("The reports are dismissed."))
        return
    decide: Callable[..., moderation.Item] = (
        moderation.hide if action == "hide" else moderation.restore
    )
    decide(session=session, moderator=moderator, kind=item.kind, item_id=item.id, reason=reason)
    if action == "hide":
        _tell_author(item, "hidden", reason=reason)
    flash(gettext(DONE[(action, item.kind)]))


def _tell_author(item: moderation.Item, template: str, **context: Any) -> None:
    """Mail the member concerned, in their own language; a failure is logged, the
    decision stands."""
    member = get_session().get(User, item.author_id)
    if member is None:
        return
    link = (
        url_for("articles.show", slug=item.slug, _external=True)
        if item.slug
        else url_for("home.index", _external=True)
    )
    with force_locale(member.language or "en"):
        subject = (
            gettext("Your Conduit account is suspended")
            if template == "suspended"
            else gettext("The moderators hid something you wrote on Conduit")
        )
        try:
            mail.send(
                member.email, subject, template, member=member, item=item, link=link, **context
            )
        except mail.NotSent:
            current_app.logger.warning("The moderation notice to member %s was not sent", member.id)


# --- members ---------------------------------------------------------------------------------


@bp.route("/moderation/members/<username>", methods=["GET", "POST"])
@members_only
def member(username: str) -> Response:
    moderator = _moderator()
    session = get_session()
    found = moderation.member_named(session=session, username=username)
    form, role_form = DecisionForm(), RoleForm(prefix="role", data={"role": found.role})
    action = request.form.get("action", "")
    if request.method == "POST":
        chosen = role_form if action == "role" else form
        if action in ("suspend", "lift", "role") and chosen.validate_on_submit():
            try:
                if action == "role":
                    moderation.set_role(
                        session=session,
                        admin=moderator,
                        username=found.username,
                        role=role_form.role.data,
                        reason=role_form.reason.data,
                    )
                    flash(gettext("%(name)s's role is changed.", name=found.username))
                else:
                    _member_decision(moderator, found.username, action, form)
            except moderation.AlreadyDecided as decided:
                flash(_told(decided))
            return redirect(url_for("moderation.member", username=found.username), 303)
    history = moderation.log(session=session, page=1, size=LOG_PAGE, member=found.username)
    status = 422 if request.method == "POST" else 200
    return render(
        "moderation/member.html",
        member=found,
        form=form,
        role_form=role_form,
        history=history,
        status=status,
    )


def _member_decision(
    moderator: User,
    username: str,
    action: str,
    form: DecisionForm,
    from_item: tuple[str, int] | None = None,
) -> None:
    session, reason = get_session(), form.reason.data
    if action == "lift":
        moderation.lift(session=session, moderator=moderator, username=username, reason=reason)
        flash(gettext("%(name)s's suspension is lifted.", name=username))
        return
    suspended = moderation.suspend(
        session=session,
        moderator=moderator,
        username=username,
        reason=reason,
        until=_until(form),
        item=from_item,
    )
    gone = find_by_username(session=session, username=username)
    if gone is not None:
        item = moderation.find_item(session=session, kind="profile", item_id=id_of(gone))
        _tell_author(item, "suspended", reason=reason, until=_shown_until(suspended))
    flash(gettext("%(name)s is suspended and signed out everywhere.", name=username))


def _shown_until(member: User) -> datetime | None:
    until = member.suspended_until
    return None if until is None or until >= moderation.UNTIL_LIFTED else until


# --- the log ---------------------------------------------------------------------------------


@bp.get("/moderation/log")
@members_only
def log() -> Response:
    _admin()
    moderator_name = request.args.get("moderator", "").strip()[:40] or None
    member_name = request.args.get("member", "").strip()[:40] or None
    page = moderation.log(
        session=get_session(),
        page=page_number(request.args.get("page")),
        size=LOG_PAGE,
        moderator=moderator_name,
        member=member_name,
    )
    return render(
        "moderation/log.html",
        page=page,
        moderator=moderator_name,
        member=member_name,
        moderators=moderation.moderators(session=get_session()),
    )
