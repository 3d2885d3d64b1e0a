"""Moderation: members report articles, comments and profiles; moderators hide and
restore items, dismiss reports, suspend members and lift suspensions; admins grant
roles. Every action is written to the moderation log, which nothing here edits or
deletes.

Two moderators deciding on one item at once: each decision is one conditional UPDATE,
so the second finds nothing left to change and raises `AlreadyDecided`, naming what the
first did. Hiding keeps the moderators' reason in `hidden_reason`; `hidden` is what
readers go by, also set while the author is suspended, so lifting a suspension gives
back exactly what the moderators had not hidden themselves. Each write commits.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, true, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from web import signins
from web.changes import noted
from web.languages import N_
from web.models import (
    Article,
    Comment,
    ModerationEntry,
    Report,
    User,
    folded,
    id_of,
    utcnow,
)
from web.pagination import Page, check_in_range, offset_for
from web.problems import Invalid, NotAllowed, NotFound, Problem
from web.search_index import index_article
from web.users import revoke_tokens

MEMBER, MODERATOR, ADMIN = "member", "moderator", "admin"
ROLES = {MEMBER: N_("Member"), MODERATOR: N_("Moderator"), ADMIN: N_("Admin")}
KINDS = ("article", "comment", "profile")
REASONS = {
    "spam": N_("Spam"),
    "harassment": N_("Harassment"),
    "off-topic": N_("Off-topic"),
    "other": N_("Other"),
}
# What the log records, as its pages name it.
ACTIONS = {
    "report-hide": N_("Hidden after reports"),
    "hide": N_("Hidden"),
    "restore": N_("Restored"),
    "dismiss": N_("Reports dismissed"),
    "suspend": N_("Suspended"),
    "lift": N_("Suspension lifted"),
    "expire": N_("Suspension ended"),
    "role": N_("Role changed"),
}
# A suspension with no end: it lasts until a moderator lifts it.
UNTIL_LIFTED = datetime(9999, 12, 31, tzinfo=UTC)
# The reason kept for an item hidden by reports alone (said in the reader's language).
REPORTED = "reported by several members"
REPORTED_SENTENCE = N_("Reported by several members; hidden until a moderator decides.")
CLI = "command line"  # the reason logged for a role given by `flask users role`


class AlreadyDecided(Problem):
    """Another moderator got there first: `entry` is what they did."""

    status = 409
    title = N_("Already decided")

    def __init__(self, entry: ModerationEntry | None) -> None:
        who = (entry.moderator_name or "Conduit") if entry else "Another moderator"
        done = f": {entry.action} by {who}, {entry.created_at:%Y-%m-%d %H:%M} UTC" if entry else ""
        super().__init__(
            "moderation",
            "was already decided" + done,
            N_("%(moderator)s already decided on this (%(action)s, %(when)s): %(reason)s"),
            moderator=who,
            action=ACTIONS[entry.action] if entry else ACTIONS["dismiss"],
            when=entry.created_at.strftime("%Y-%m-%d %H:%M UTC") if entry else "",
            reason=entry.reason if entry else "",
        )
        self.entry = entry


class AlreadyReported(Invalid):
    def __init__(self) -> None:
        super().__init__(
            "report",
            "has already been made",
            N_("You have already reported this. The moderators will look at it."),
        )


def is_moderator(user: User | None) -> bool:
    return user is not None and user.role in (MODERATOR, ADMIN)


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == ADMIN


def is_suspended(user: User, now: datetime | None = None) -> bool:
    return user.suspended_until is not None and user.suspended_until > (now or utcnow())


class Suspended(NotAllowed):
    """A suspended member trying to come in (signing in, an API token)."""

    def __init__(self, user: User) -> None:
        until = user.suspended_until
        if until is None or until >= UNTIL_LIFTED:
            super().__init__(
                "account",
                "is suspended until lifted",
                N_("Your account is suspended until the moderators lift it."),
            )
        else:
            when = until.strftime("%Y-%m-%d %H:%M UTC")
            super().__init__(
                "account",
                f"is suspended until {when}",
                N_("Your account is suspended until %(until)s."),
                until=when,
            )


def check_not_suspended(user: User) -> None:
    """Raises Suspended while the member is suspended."""
    if is_suspended(user):
        raise Suspended(user)


def must_moderate(user: User) -> None:
    """Raises NotAllowed unless the member moderates (or administers)."""
    if not is_moderator(user):
        raise NotAllowed("moderation", "is for moderators", N_("Only moderators can do this."))


def must_administer(user: User, *, to: str = "role") -> None:
    """Raises NotAllowed unless the member administers: `to` says for what ("role", "log")."""
    if not is_admin(user):
        if to == "log":
            raise NotAllowed("log", "is for admins",
                             N_("Only admins can read the moderation log."))  # fmt: skip
        raise NotAllowed("role", "is given by admins", N_("Only admins can change roles."))


# --- items -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """What a report is about, as the moderators see it."""

    kind: str
    id: int
    label: str  # the article's title, the comment's opening words, the member's name
    text: str | None  # the description, the comment, the bio
    author_id: int
    author_name: str
    author_suspended_until: datetime | None
    slug: str | None  # the article (of the comment), for links
    hidden: bool
    hidden_reason: str | None

    @property
    def author_suspended(self) -> bool:
        until = self.author_suspended_until
        return until is not None and until > utcnow()


def _opening(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


_AUTHOR = (User.id, User.username, User.suspended_until)


def items(*, session: Session, kind: str, ids: Iterable[int]) -> dict[int, Item]:
    """Items of one kind by id: one query (items deleted since are simply absent)."""
    wanted = sorted(set(ids))
    if not wanted or kind not in KINDS:
        return {}
    if kind == "article":
        columns: list[Any] = [Article.id, Article.title, Article.description, *_AUTHOR,
                              Article.slug, Article.hidden, Article.hidden_reason]  # fmt: skip
        rows = session.exec(
            select(*columns)
            .join(User, col(User.id) == Article.author_id)
            .where(col(Article.id).in_(wanted))
        ).all()
        return {row[0]: Item("article", row[0], row[1], row[2], *row[3:]) for row in rows}
    if kind == "comment":
        columns = [Comment.id, Comment.body, *_AUTHOR, Article.slug, Comment.hidden,
                   Comment.hidden_reason]  # fmt: skip
        rows = session.exec(
            select(*columns)
            .join(User, col(User.id) == Comment.author_id)
            .join(Article, col(Article.id) == Comment.article_id)
            .where(col(Comment.id).in_(wanted))
        ).all()
        return {row[0]: Item("comment", row[0], _opening(row[1]), row[1], *row[2:]) for row in rows}
    members = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {
        id_of(user): Item(
            "profile",
            id_of(user),
            user.username,
            user.bio,
            id_of(user),
            user.username,
            user.suspended_until,
            None,
            False,
            None,
        )
        for user in members
    }


def find_item(*, session: Session, kind: str, item_id: int) -> Item:
    """One item (NotFound when there is no such one, or no such kind)."""
    if kind not in KINDS:
        raise NotFound("page")
    item = items(session=session, kind=kind, ids=[item_id]).get(item_id)
    if item is None:
        raise NotFound("profile" if kind == "profile" else kind)
    return item


# --- reports ---------------------------------------------------------------------------------


def report(
    *,
    session: Session,
    reporter: User,
    kind: str,
    item_id: int,
    reason: str,
    note: str | None = None,
    hide_after: int = 0,
) -> Report:
    """A member's report of an item. Raises AlreadyReported the second time, Invalid for
    their own item or an unknown reason. With `hide_after` (a number of distinct
    reporters, 0: never), an article or comment that many members reported is hidden
    until a moderator decides."""
    item = find_item(session=session, kind=kind, item_id=item_id)
    if reason not in REASONS:
        raise Invalid(
            "reason", "is not one of " + ", ".join(REASONS), N_("Choose why you report this.")
        )
    if item.author_id == id_of(reporter):
        raise Invalid("report", "cannot be about your own", N_("You cannot report yourself."))
    if session.exec(
        select(Report.id).where(
            Report.reporter_id == id_of(reporter), Report.kind == kind, Report.item_id == item_id
        )
    ).first():
        raise AlreadyReported()
    made = Report(
        reporter_id=id_of(reporter),
        kind=kind,
        item_id=item_id,
        author_id=item.author_id,
        reason=reason,
        note=(note or "").strip() or None,
    )
    session.add(made)
    try:
        session.commit()
    except IntegrityError:  # the same report from another tab, a moment earlier
        session.rollback()
        raise AlreadyReported() from None
    if hide_after and kind != "profile" and not item.hidden_reason:
        reporters = session.exec(
            select(func.count(func.distinct(Report.reporter_id))).where(
                Report.kind == kind, Report.item_id == item_id, col(Report.open) == true()
            )
        ).one()
        if reporters >= hide_after:
            # Hidden meanwhile (by a moderator, or another report): nothing to add.
            with suppress(AlreadyDecided):
                _set_hidden(session, None, item, REPORTED, action="report-hide",
                            close_reports=False)  # fmt: skip
    return made


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An item with open reports, as the queue shows it."""

    kind: str
    item_id: int
    item: Item | None  # None: deleted since it was reported
    reporters: int
    newest: datetime
    reasons: list[tuple[str, str | None]]  # (reason, note), newest first


def queue(*, session: Session, page: int, size: int) -> Page[Case]:
    """Page `page` of `find_cases` (PageOutOfRange past the end)."""
    cases, total = find_cases(session=session, offset=offset_for(page, size), limit=size)
    return check_in_range(Page(items=cases, number=page, size=size, total=total))


def find_cases(*, session: Session, offset: int, limit: int) -> tuple[list[Case], int]:
    """Open reports grouped by item, the most recently reported first, and how many
    items have some: at most six queries whatever the page size."""
    is_open = col(Report.open) == true()
    newest = func.max(Report.created_at)
    groups = session.exec(
        select(Report.kind, Report.item_id, func.count(func.distinct(Report.reporter_id)), newest)
        .where(is_open)
        .group_by(col(Report.kind), col(Report.item_id))
        .order_by(newest.desc(), col(Report.kind), col(Report.item_id))
        .offset(offset)
        .limit(limit)
    ).all()
    counted = select(Report.kind, Report.item_id).where(is_open).distinct().subquery()
    total = session.exec(select(func.count()).select_from(counted)).one()
    pairs = [(kind, item_id) for kind, item_id, _, _ in groups]
    reasons: dict[tuple[str, int], list[tuple[str, str | None]]] = defaultdict(list)
    if pairs:
        for kind, item_id, reason, note in session.exec(
            select(Report.kind, Report.item_id, Report.reason, Report.note)
            .where(is_open, tuple_(col(Report.kind), col(Report.item_id)).in_(pairs))
            .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        ).all():
            reasons[(kind, item_id)].append((reason, note))
    found = {
        kind: items(session=session, kind=kind, ids=[i for k, i in pairs if k == kind])
        for kind in KINDS
        if any(k == kind for k, _ in pairs)
    }
    cases = [
        Case(kind, item_id, found[kind].get(item_id), reporters, when, reasons[(kind, item_id)])
        for kind, item_id, reporters, when in groups
    ]
    return cases, int(total)


# --- decisions -------------------------------------------------------------------------------


def _log(
    session: Session,
    moderator: User | None,
    action: str,
    *,
    member_id: int,
    member_name: str,
    reason: str,
    item: Item | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        ModerationEntry(
            moderator_id=moderator.id if moderator else None,
            moderator_name=moderator.username if moderator else None,
            action=action,
            kind=item.kind if item else None,
            item_id=item.id if item else None,
            item_label=item.label[:255] if item else None,
            member_id=member_id,
            member_name=member_name,
            reason=reason,
            detail=detail,
        )
    )


def _last_decision(session: Session, kind: str, item_id: int) -> ModerationEntry | None:
    return session.exec(
        select(ModerationEntry)
        .where(ModerationEntry.kind == kind, ModerationEntry.item_id == item_id)
        .order_by(col(ModerationEntry.id).desc())
    ).first()


def _last_about(session: Session, member_id: int) -> ModerationEntry | None:
    return session.exec(
        select(ModerationEntry)
        .where(ModerationEntry.member_id == member_id, ModerationEntry.kind.is_(None))  # type: ignore[union-attr]
        .order_by(col(ModerationEntry.id).desc())
    ).first()


def _table(kind: str) -> type[Article] | type[Comment]:
    if kind == "article":
        return Article
    if kind == "comment":
        return Comment
    raise Invalid("kind", "cannot be hidden", N_("Only articles and comments can be hidden."))


def _close_reports(session: Session, kind: str, item_id: int) -> int:
    return session.exec(
        update(Report)
        .where(col(Report.kind) == kind, col(Report.item_id) == item_id, col(Report.open) == true())
        .values(open=False)
    ).rowcount


def _seen(session: Session, item: Item) -> None:
    """Readers see the change: caches move on, the search index follows, and pages open
    on the article hear that its comments changed."""
    if item.kind == "article":
        index_article(session=session, article_id=item.id)
        noted(session)
    else:
        noted(session, "comments", slug=item.slug, change="deleted")


def _set_hidden(
    session: Session,
    moderator: User | None,
    item: Item,
    reason: str,
    *,
    action: str,
    close_reports: bool = True,
) -> None:
    """Hide an item ("hide", "report-hide") or show it again ("restore"): one
    conditional update, so a decision someone already took raises AlreadyDecided."""
    table = _table(item.kind)
    hiding = action != "restore"
    decided = (
        col(table.hidden_reason).is_(None) if hiding else col(table.hidden_reason).is_not(None)
    )
    # Shown again, it stays hidden while its author is suspended.
    values = {"hidden": True, "hidden_reason": reason} if hiding else {
        "hidden": item.author_suspended, "hidden_reason": None}  # fmt: skip
    changed = session.exec(update(table).where(col(table.id) == item.id, decided).values(**values))
    if not changed.rowcount:
        session.rollback()
        raise AlreadyDecided(_last_decision(session, item.kind, item.id))
    if close_reports:
        _close_reports(session, item.kind, item.id)
    _log(session, moderator, action, member_id=item.author_id, member_name=item.author_name,
         reason=reason, item=item)  # fmt: skip
    session.flush()
    _seen(session, item)
    session.commit()


def hide(*, session: Session, moderator: User, kind: str, item_id: int, reason: str) -> Item:
    """Hide an article or comment from everyone but its author and the moderators, and
    close its reports. Raises AlreadyDecided when it is already hidden."""
    must_moderate(moderator)
    item = find_item(session=session, kind=kind, item_id=item_id)
    _set_hidden(session, moderator, item, reason, action="hide")
    return find_item(session=session, kind=kind, item_id=item_id)


def restore(*, session: Session, moderator: User, kind: str, item_id: int, reason: str) -> Item:
    """Show a hidden item again (it stays hidden while its author is suspended) and
    close its reports. Raises AlreadyDecided when the moderators had not hidden it."""
    must_moderate(moderator)
    item = find_item(session=session, kind=kind, item_id=item_id)
    _set_hidden(session, moderator, item, reason, action="restore")
    return find_item(session=session, kind=kind, item_id=item_id)


def dismiss(*, session: Session, moderator: User, kind: str, item_id: int, reason: str) -> None:
    """Close an item's open reports: nothing is wrong with it. An item that reports
    alone had hidden is shown again. Raises AlreadyDecided when none were open."""
    must_moderate(moderator)
    found = items(session=session, kind=kind, ids=[item_id]).get(item_id) if kind in KINDS else None
    if not _close_reports(session, kind, item_id):
        session.rollback()
        raise AlreadyDecided(_last_decision(session, kind, item_id))
    if found is None:  # deleted since: its reports go, nothing else to say
        session.commit()
        return
    if found.hidden_reason == REPORTED:
        table = _table(kind)
        session.exec(
            update(table)
            .where(col(table.id) == item_id)
            .values(hidden=found.author_suspended, hidden_reason=None)
        )
        _seen(session, found)
    _log(
        session,
        moderator,
        "dismiss",
        member_id=found.author_id,
        member_name=found.author_name,
        reason=reason,
        item=found,
    )
    session.commit()


def _member(session: Session, username: str) -> User:
    user = session.exec(select(User).where(folded(User.username) == username.lower())).first()
    if user is None:
        raise NotFound("profile")
    return user


def _withhold_all(session: Session, member_id: int, *, withheld: bool) -> None:
    """Hide (or give back) everything the member wrote, but for what the moderators
    hid themselves, which stays hidden; the search index follows."""
    for table in (Article, Comment):
        session.exec(
            update(table)
            .where(col(table.author_id) == member_id)
            .values(hidden=True if withheld else col(table.hidden_reason).is_not(None))
        )
    session.flush()
    for article_id in session.exec(select(Article.id).where(Article.author_id == member_id)):
        if article_id is not None:
            index_article(session=session, article_id=article_id)


def suspend(
    *,
    session: Session,
    moderator: User,
    username: str,
    reason: str,
    until: datetime | None = None,
    item: tuple[str, int] | None = None,
) -> User:
    """Suspend a member until `until` (None: until lifted): they are signed out
    everywhere, their API tokens end, and what they wrote is hidden meanwhile. `item`,
    the reported item that led here, has its reports closed. Raises AlreadyDecided when
    they are suspended already, NotAllowed for a moderator suspending a moderator."""
    must_moderate(moderator)
    member = _member(session, username)
    if member.id == moderator.id or (is_moderator(member) and not is_admin(moderator)):
        raise NotAllowed(
            "member",
            "cannot be suspended by you",
            N_("Only an admin can suspend a moderator, and nobody themselves."),
        )
    end = until or UNTIL_LIFTED
    now = utcnow()
    changed = session.exec(
        update(User)
        .where(
            col(User.id) == member.id,
            or_(col(User.suspended_until).is_(None), col(User.suspended_until) <= now),
        )
        .values(suspended_until=end)
    ).rowcount
    if not changed:
        session.rollback()
        raise AlreadyDecided(_last_about(session, id_of(member)))
    _withhold_all(session, id_of(member), withheld=True)
    if item is not None:
        _close_reports(session, *item)
    _close_reports(session, "profile", id_of(member))
    detail = None if end >= UNTIL_LIFTED else end.isoformat()
    _log(
        session,
        moderator,
        "suspend",
        member_id=id_of(member),
        member_name=member.username,
        reason=reason,
        detail=detail,
    )
    noted(session)
    session.commit()
    # Every way in ends: browser sign-ins (and their remember-me cookies), API tokens.
    signins.end_others(session=session, user_id=id_of(member), keep=None)
    session.refresh(member)
    revoke_tokens(session=session, user=member)
    return member


def lift(
    *, session: Session, moderator: User | None, username: str, reason: str, action: str = "lift"
) -> User:
    """End a member's suspension (`moderator` None: its end date came) and give back
    what they wrote. Raises AlreadyDecided when they are not suspended."""
    if moderator is not None:
        must_moderate(moderator)
    member = _member(session, username)
    changed = session.exec(
        update(User)
        .where(col(User.id) == member.id, col(User.suspended_until).is_not(None))
        .values(suspended_until=None)
    ).rowcount
    if not changed:
        session.rollback()
        raise AlreadyDecided(_last_about(session, id_of(member)))
    _withhold_all(session, id_of(member), withheld=False)
    _log(
        session,
        moderator,
        action,
        member_id=id_of(member),
        member_name=member.username,
        reason=reason,
    )
    noted(session)
    session.commit()
    session.refresh(member)
    return member


def end_due_suspensions(*, session: Session, now: datetime | None = None) -> list[str]:
    """Lift the suspensions whose end has come (one indexed query when none has);
    returns the members' names."""
    due = session.exec(
        select(User.username).where(
            col(User.suspended_until).is_not(None), col(User.suspended_until) <= (now or utcnow())
        )
    ).all()
    ended = []
    for username in due:
        try:
            lift(
                session=session,
                moderator=None,
                username=username,
                reason="the suspension's end date came",
                action="expire",
            )
        except AlreadyDecided:  # another process lifted it a moment ago
            continue
        ended.append(username)
    return ended


def set_role(
    *, session: Session, admin: User | None, username: str, role: str, reason: str
) -> User:
    """Make a member a member, moderator or admin (`admin` None: from the command line).
    The last admin stays one."""
    if admin is not None:
        must_administer(admin)
    if role not in ROLES:
        raise Invalid("role", "is not one of " + ", ".join(ROLES), N_("Choose a role."))
    member = _member(session, username)
    if member.role == role:
        return member
    if member.role == ADMIN:
        admins = session.exec(select(func.count()).select_from(User).where(User.role == ADMIN))
        if admins.one() <= 1:
            raise Invalid(
                "role",
                "cannot be taken from the last admin",
                N_("The last admin stays one: make another member admin first."),
            )
    member.role = role
    session.add(member)
    _log(
        session,
        admin,
        "role",
        member_id=id_of(member),
        member_name=member.username,
        reason=reason,
        detail=role,
    )
    noted(session)  # the member's pages offer other actions now
    session.commit()
    return member


# --- the log ---------------------------------------------------------------------------------


def log(
    *,
    session: Session,
    page: int,
    size: int,
    moderator: str | None = None,
    member: str | None = None,
) -> Page[ModerationEntry]:
    """Page `page` of `find_entries` (PageOutOfRange past the end)."""
    entries, total = find_entries(session=session, offset=offset_for(page, size), limit=size,
                                  moderator=moderator, member=member)  # fmt: skip
    return check_in_range(Page(items=entries, number=page, size=size, total=total))


def find_entries(
    *,
    session: Session,
    offset: int,
    limit: int,
    moderator: str | None = None,
    member: str | None = None,
) -> tuple[list[ModerationEntry], int]:
    """The moderation log, newest first, by one moderator and/or about one member (their
    names as they are now, or as the log kept them), and how many entries match: two
    queries."""
    filters = []
    if moderator:
        filters.append(
            or_(
                col(ModerationEntry.moderator_id).in_(_ids(moderator)),
                folded(ModerationEntry.moderator_name) == moderator.lower(),
            )
        )
    if member:
        filters.append(
            or_(
                col(ModerationEntry.member_id).in_(_ids(member)),
                folded(ModerationEntry.member_name) == member.lower(),
            )
        )
    total = session.exec(select(func.count()).select_from(ModerationEntry).where(*filters)).one()
    entries = session.exec(
        select(ModerationEntry)
        .where(*filters)
        .order_by(col(ModerationEntry.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(entries), int(total)


def _ids(username: str) -> Any:
    return select(User.id).where(folded(User.username) == username.lower())


def member_named(*, session: Session, username: str) -> User:
    """The account behind a name, for the moderators' page about it (NotFound)."""
    return _member(session, username)


def moderators(*, session: Session) -> Sequence[User]:
    """Moderators and admins, by name (the log's filter offers them)."""
    return session.exec(
        select(User).where(col(User.role).in_((MODERATOR, ADMIN))).order_by(col(User.username))
    ).all()
