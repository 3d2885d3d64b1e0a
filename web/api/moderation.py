"""API: reports from members, and the moderators' queue, decisions, roles and log.

The same rules as the pages (web.moderation): a member reports an item once and never
their own; moderators decide with a reason, and a decision another moderator already
took is a 409 saying what they did; only admins give roles and read the log.
"""

from datetime import UTC, date, datetime, time

from flask import current_app, url_for
from werkzeug.wrappers import Response

from web import moderation
from web.api import schemas
from web.api.operations import operation, respond
from web.articles import find_article
from web.comments import get_comment
from web.db import get_session
from web.http.limits import limit_reports
from web.languages import N_
from web.models import ModerationEntry, Report, User, id_of
from web.problems import Invalid, NotFound
from web.users import get_profile

TAG = "Moderation"
LATER = N_("Choose a day after today, or leave it empty.")


def _report(viewer: User, kind: str, item_id: int, body: schemas.NewReportRequest) -> Response:
    new = body.report
    if new.reason == "other" and not new.note:
        raise Invalid("note", "is needed with the reason other",
                      N_("Say in a few words what is wrong."))  # fmt: skip
    made = moderation.report(
        session=get_session(), reporter=viewer, kind=kind, item_id=item_id,
        reason=new.reason, note=new.note, hide_after=_hide_after(),
    )  # fmt: skip
    return respond(schemas.ReportResponse(report=_shown_report(made)), 201)


def _hide_after() -> int:
    return int(current_app.config["MODERATION_HIDE_AFTER"])


def _shown_report(made: Report) -> schemas.Report:
    return schemas.Report(reason=made.reason, note=made.note, createdAt=made.created_at)


@operation(
    "POST", "/articles/<article:slug>/reports", summary="Report an article", tag=TAG,
    auth="required", body=schemas.NewReportRequest, responses={201: schemas.ReportResponse},
    errors={403, 404, 422, 429}, limited=limit_reports,
)  # fmt: skip
def report_article(slug: str, viewer: User, body: schemas.NewReportRequest) -> Response:
    """Tell the moderators what is wrong with an article (once; never your own)."""
    article = find_article(session=get_session(), slug=slug, viewer_id=id_of(viewer))
    return _report(viewer, "article", id_of(article), body)


@operation(
    "POST", "/articles/<article:slug>/comments/<id:comment_id>/reports",
    summary="Report a comment", tag=TAG, auth="required", body=schemas.NewReportRequest,
    responses={201: schemas.ReportResponse}, errors={403, 404, 422, 429}, limited=limit_reports,
)  # fmt: skip
def report_comment(
    slug: str, comment_id: int, viewer: User, body: schemas.NewReportRequest
) -> Response:
    """Tell the moderators what is wrong with a comment (once; never your own)."""
    comment = get_comment(session=get_session(), slug=slug, comment_id=comment_id,
                          viewer_id=id_of(viewer))  # fmt: skip
    return _report(viewer, "comment", comment.id, body)


@operation(
    "POST", "/profiles/<username>/reports", summary="Report a member", tag=TAG,
    auth="required", body=schemas.NewReportRequest, responses={201: schemas.ReportResponse},
    errors={403, 404, 422, 429}, limited=limit_reports,
)  # fmt: skip
def report_profile(username: str, viewer: User, body: schemas.NewReportRequest) -> Response:
    """Tell the moderators what is wrong with a member (once; never yourself)."""
    profile = get_profile(session=get_session(), username=username, viewer_id=None)
    return _report(viewer, "profile", profile.id, body)


def _item(item: moderation.Item) -> schemas.ModeratedItem:
    links = {"decisions": url_for(".decide", kind=item.kind, item_id=item.id),
             "author": url_for(".moderate_member", username=item.author_name)}  # fmt: skip
    if item.slug:
        links["article"] = url_for(".get_article", slug=item.slug)
    return schemas.ModeratedItem(
        kind=item.kind,
        id=item.id,
        label=item.label,
        text=item.text,
        author=item.author_name,
        authorSuspendedUntil=item.author_suspended_until,
        hidden=item.hidden,
        hiddenReason=item.hidden_reason,
        links=schemas.Links(self=links.pop("decisions"), **links),
    )


@operation(
    "GET", "/moderation/reports", summary="The moderation queue", tag=TAG, auth="required",
    query=schemas.PageQuery, responses={200: schemas.QueueResponse}, errors={403},
)  # fmt: skip
def queue(viewer: User, query: schemas.PageQuery) -> Response:
    """Items with open reports, the most recently reported first (moderators)."""
    moderation.must_moderate(viewer)
    cases, total = moderation.find_cases(session=get_session(), offset=query.offset,
                                         limit=query.limit)  # fmt: skip
    shown = [
        schemas.Case(
            kind=case.kind,
            itemId=case.item_id,
            item=_item(case.item) if case.item else None,
            reporters=case.reporters,
            lastReportedAt=case.newest,
            reasons=[schemas.ReasonGiven(reason=r, note=n) for r, n in case.reasons],
        )
        for case in cases
    ]
    return respond(schemas.QueueResponse(cases=shown, casesCount=total))


def _until(day: str | None) -> datetime | None:
    if day is None:
        return None
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        raise Invalid("until", "is not a day", LATER) from None
    if chosen <= datetime.now(UTC).date():
        raise Invalid("until", "must be after today", LATER)
    return datetime.combine(chosen, time(0), tzinfo=UTC)


@operation(
    "POST", "/moderation/<kind>/<id:item_id>/decisions", summary="Decide on a reported item",
    tag=TAG, auth="required", body=schemas.DecisionRequest,
    responses={200: schemas.DecisionResponse}, errors={403, 404, 409, 422},
)  # fmt: skip
def decide(kind: str, item_id: int, viewer: User, body: schemas.DecisionRequest) -> Response:
    """`hide` or `restore` an article or comment, `dismiss` its reports, `suspend` its
    author or `lift` their suspension. 409 when another moderator already did."""
    moderation.must_moderate(viewer)
    if kind not in moderation.KINDS:
        raise NotFound("page")
    session, new = get_session(), body.decision
    if new.action == "dismiss":
        moderation.dismiss(session=session, moderator=viewer, kind=kind, item_id=item_id,
                           reason=new.reason)  # fmt: skip
    else:
        item = moderation.find_item(session=session, kind=kind, item_id=item_id)
        if new.action in ("hide", "restore"):
            act = moderation.hide if new.action == "hide" else moderation.restore
            act(session=session, moderator=viewer, kind=kind, item_id=item_id, reason=new.reason)
        elif new.action == "suspend":
            moderation.suspend(session=session, moderator=viewer, username=item.author_name,
                               reason=new.reason, until=_until(new.until),
                               item=(kind, item_id))  # fmt: skip
        else:
            moderation.lift(session=session, moderator=viewer, username=item.author_name,
                            reason=new.reason)  # fmt: skip
    found = moderation.items(session=session, kind=kind, ids=[item_id]).get(item_id)
    return respond(schemas.DecisionResponse(item=_item(found) if found else None))


def _member(member: User) -> schemas.Member:
    until = member.suspended_until
    return schemas.Member(
        username=member.username,
        role=member.role,
        suspendedUntil=until if until and until > datetime.now(UTC) else None,
        links=schemas.Links(
            self=url_for(".moderate_member", username=member.username),
            profile=url_for(".get_profile", username=member.username),
        ),
    )


@operation(
    "GET", "/moderation/members/<username>", summary="A member, as the moderators see them",
    tag=TAG, auth="required", responses={200: schemas.MemberResponse}, errors={403, 404},
)  # fmt: skip
def moderate_member(username: str, viewer: User) -> Response:
    """Their role and suspension (moderators)."""
    moderation.must_moderate(viewer)
    found = moderation.member_named(session=get_session(), username=username)
    return respond(schemas.MemberResponse(member=_member(found)))


@operation(
    "POST", "/moderation/members/<username>/decisions", summary="Suspend a member, or lift it",
    tag=TAG, auth="required", body=schemas.MemberDecisionRequest,
    responses={200: schemas.MemberResponse}, errors={403, 404, 409, 422},
)  # fmt: skip
def decide_member(username: str, viewer: User, body: schemas.MemberDecisionRequest) -> Response:
    """`suspend` (until `until`, or until lifted) or `lift`. A suspension ends the
    member's sessions and API tokens at once."""
    new, session = body.decision, get_session()
    if new.action == "suspend":
        member = moderation.suspend(session=session, moderator=viewer, username=username,
                                    reason=new.reason, until=_until(new.until))  # fmt: skip
    else:
        member = moderation.lift(session=session, moderator=viewer, username=username,
                                 reason=new.reason)  # fmt: skip
    return respond(schemas.MemberResponse(member=_member(member)))


@operation(
    "PUT", "/moderation/members/<username>/role", summary="Give a member a role", tag=TAG,
    auth="required", body=schemas.NewRoleRequest, responses={200: schemas.MemberResponse},
    errors={403, 404, 422},
)  # fmt: skip
def set_role(username: str, viewer: User, body: schemas.NewRoleRequest) -> Response:
    """`member`, `moderator` or `admin` (admins). The last admin stays one."""
    member = moderation.set_role(session=get_session(), admin=viewer, username=username,
                                 role=body.role.role, reason=body.role.reason)  # fmt: skip
    return respond(schemas.MemberResponse(member=_member(member)))


def _entry(entry: ModerationEntry) -> schemas.LogEntry:
    return schemas.LogEntry(
        id=entry.id or 0,
        action=entry.action,
        moderator=entry.moderator_name,
        member=entry.member_name,
        kind=entry.kind,
        itemId=entry.item_id,
        itemLabel=entry.item_label,
        reason=entry.reason,
        detail=entry.detail,
        createdAt=entry.created_at,
    )


@operation(
    "GET", "/moderation/log", summary="The moderation log", tag=TAG, auth="required",
    query=schemas.LogQuery, responses={200: schemas.LogResponse}, errors={403},
)  # fmt: skip
def log(viewer: User, query: schemas.LogQuery) -> Response:
    """Every moderation action, newest first, by `moderator` and/or about `member`
    (admins). Nothing in it can be changed."""
    moderation.must_administer(viewer, to="log")
    entries, total = moderation.find_entries(
        session=get_session(), offset=query.offset, limit=query.limit,
        moderator=query.moderator, member=query.member,
    )  # fmt: skip
    return respond(schemas.LogResponse(entries=[_entry(e) for e in entries], entriesCount=total))
