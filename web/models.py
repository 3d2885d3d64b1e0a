"""SQLModel tables for the whole domain.

No ORM relationships are declared on purpose: lists are loaded with explicit bulk
queries in the domain modules, so a lazy load can never turn a page into one query
per row.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    Index,
    Text,
    TypeDecorator,
    false,
    func,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import TypeCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Field, SQLModel

from web.bounds import (
    DECISION_REASON_MAX,
    EMAIL_MAX,
    IMAGE_URL_MAX,
    REPORT_NOTE_MAX,
    TAG_MAX,
    TITLE_MAX,
    USERNAME_MAX,
)

# Stable constraint names, so migrations can refer to them on SQLite and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@compiles(DateTime, "mysql")
def _microseconds(_type: DateTime, _compiler: TypeCompiler, **_kw: Any) -> str:
    """Timestamps keep their microseconds on MySQL too (its DATETIME drops them)."""
    return "DATETIME(6)"


@compiles(Text, "mysql")
def _long_text(_type: Text, _compiler: TypeCompiler, **_kw: Any) -> str:
    """MySQL's TEXT holds 64 KB: a long article in four-byte characters needs more."""
    return "MEDIUMTEXT"


@compiles(Float, "mysql")
def _double(_type: Float[Any], _compiler: TypeCompiler, **_kw: Any) -> str:
    """MySQL's FLOAT has single precision: seconds since the epoch need a double."""
    return "DOUBLE"


class folded(FunctionElement[str]):
    """A name compared whatever its case: `lower(column)`, where the unique index is on
    that expression, but the column itself on MySQL, whose index is on the column and
    whose collation ignores case (web/migrations 0001), so the lookup uses it."""

    name = "folded"
    inherit_cache = True


@compiles(folded)
def _lower(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "mysql")
def _as_collated(element: folded, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite and MySQL
    keep no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def id_of(row: "User | Article | Comment | Tag") -> int:
    """A stored row's id (table models type it optional only for rows not yet saved)."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has not been saved yet")
    return row.id


def id_or_none(row: "User | Article | Comment | Tag | None") -> int | None:
    """`id_of(row)`, or None for no row (a visitor: no viewer)."""
    return None if row is None else id_of(row)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=USERNAME_MAX)
    email: str = Field(max_length=EMAIL_MAX)
    password_hash: str = Field(max_length=255)
    bio: str | None = Field(default=None, sa_type=Text)
    image: str | None = Field(default=None, max_length=IMAGE_URL_MAX)
    # "light" or "dark"; None follows the system setting.
    theme: str | None = Field(default=None, max_length=8)
    # The interface language ("fr", "ar"...); None follows the browser (web.http.i18n).
    language: str | None = Field(default=None, max_length=8)
    # Set by the link mailed to the address (web.email_addresses).
    email_confirmed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # API tokens carry the epoch they were issued in: a new password moves it on, which
    # revokes them all but `kept_token` (the id of the token that made the change).
    token_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    kept_token: str | None = Field(default=None, max_length=64)
    # "member", "moderator" or "admin" (web.moderation).
    role: str = Field(
        default="member", max_length=16, sa_column_kwargs={"server_default": "member"}
    )
    # While set and ahead, the account is suspended (web.moderation.UNTIL_LIFTED: no end).
    suspended_until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_at: datetime = _timestamp()


# Usernames and emails are unique whatever their case.
Index("uq_user_username_lower", func.lower(User.username), unique=True)
Index("uq_user_email_lower", func.lower(User.email), unique=True)


class Follow(SQLModel, table=True):
    follower_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    followed_id: int = Field(
        foreign_key="user.id", primary_key=True, ondelete="CASCADE", index=True
    )
    created_at: datetime = _timestamp()

    __table_args__ = (CheckConstraint("follower_id <> followed_id", name="not_self"),)


class Article(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=TITLE_MAX, unique=True)
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    words: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # reading time
    # Seen by its author alone until published; publishing dates it (created_at).
    draft: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Withheld from everyone but its author and the moderators: `hidden_reason` says why
    # the moderators hid it (None: they did not); `hidden` is also set while its author
    # is suspended (web.moderation).
    hidden: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    hidden_reason: str | None = Field(default=None, max_length=DECISION_REASON_MAX)
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    __table_args__ = (
        # The global feed (published and not hidden, newest first: its pages and its
        # count read this index alone) and an author's articles (profile, your feed).
        Index("ix_article_draft_hidden_created_at_id", "draft", "hidden", "created_at", "id"),
        Index("ix_article_author_id_created_at", "author_id", "created_at"),
    )


class ArticleSlug(SQLModel, table=True):
    """A slug an article had before its title changed: its old URL redirects."""

    __tablename__ = "article_slug"

    slug: str = Field(max_length=255, primary_key=True)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE", index=True)


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=TAG_MAX, unique=True)


class ArticleTag(SQLModel, table=True):
    __tablename__ = "article_tag"

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, ondelete="CASCADE")

    # The tag feed and popular tags start from the tag.
    __table_args__ = (Index("ix_article_tag_tag_id_article_id", "tag_id", "article_id"),)


class Favorite(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    article_id: int = Field(
        foreign_key="article.id", primary_key=True, ondelete="CASCADE", index=True
    )
    created_at: datetime = _timestamp()


class ReadingListItem(SQLModel, table=True):
    """An article a member saved to read later."""

    __tablename__ = "reading_list_item"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    article_id: int = Field(
        foreign_key="article.id", primary_key=True, ondelete="CASCADE", index=True
    )
    added_at: datetime = _timestamp()

    # A member's list, last saved first.
    __table_args__ = (Index("ix_reading_list_item_user_id_added_at", "user_id", "added_at"),)


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(sa_type=Text)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    # Withheld from everyone but its author and the moderators: `hidden_reason` says why
    # the moderators hid it (None: they did not); `hidden` is also set while its author
    # is suspended (web.moderation).
    hidden: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    hidden_reason: str | None = Field(default=None, max_length=DECISION_REASON_MAX)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    # An article's comments, oldest first.
    __table_args__ = (Index("ix_comment_article_id_created_at", "article_id", "created_at"),)


class SignIn(SQLModel, table=True):
    """A browser where a member is signed in (see web.signins); its key is in the session."""

    __tablename__ = "sign_in"

    key: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    created_at: datetime = _timestamp()


class RateLimit(SQLModel, table=True):
    """A rate-limit counter (web.http.limits.DatabaseStorage), when Redis is not configured."""

    __tablename__ = "rate_limit"

    key: str = Field(max_length=255, primary_key=True)
    hits: int
    expires_at: float = Field(index=True)  # seconds since the epoch


class SiteState(SQLModel, table=True):
    """Numbers the whole site shares; "generation" keys every cache (web.caching.generation)."""

    __tablename__ = "site_state"

    name: str = Field(max_length=32, primary_key=True)
    value: int = Field(sa_type=BigInteger)


class LiveEvent(SQLModel, table=True):
    """A live update on its way to every process's open pages when there is no Redis
    (web.infra.live.DatabaseBroker): only the newest few hundred are kept."""

    __tablename__ = "live_event"
    # Ids are never given out twice (SQLite would reuse them once the newest is deleted):
    # each process reads the rows after the last id it has seen.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    body: str = Field(sa_type=Text)  # the event's fields, as JSON


class Submission(SQLModel, table=True):
    """A form that created something (see web.submissions): its token and the result."""

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    token: str = Field(max_length=64, primary_key=True)
    kind: str = Field(max_length=16)  # "article" or "comment"
    ref_id: int  # what it created (kept when that is deleted later: still not twice)
    created_at: datetime = _timestamp()


class Report(SQLModel, table=True):
    """A member's report of an article, a comment or a profile (web.moderation): open
    until a moderator decides on the item."""

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(max_length=8)  # "article", "comment" or "profile"
    item_id: int  # the article's, the comment's or the member's id
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    reason: str = Field(max_length=16)  # web.moderation.REASONS
    note: str | None = Field(default=None, max_length=REPORT_NOTE_MAX)
    open: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    created_at: datetime = _timestamp()

    __table_args__ = (
        # One report per member per item; an item's reports; the queue's open ones.
        Index("uq_report_reporter_id_kind_item_id", "reporter_id", "kind", "item_id", unique=True),
        Index("ix_report_kind_item_id_open", "kind", "item_id", "open"),
        Index("ix_report_open_created_at", "open", "created_at"),
    )


class ModerationEntry(SQLModel, table=True):
    """One moderation action, kept for good (web.moderation): nothing in the app edits or
    deletes these rows. Names are kept as they were, should an account be renamed."""

    __tablename__ = "moderation_log"

    id: int | None = Field(default=None, primary_key=True)
    # None: the site itself (an item hidden after enough reports, a suspension's end).
    moderator_id: int | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL", index=True
    )
    moderator_name: str | None = Field(default=None, max_length=USERNAME_MAX)
    action: str = Field(max_length=16)  # web.moderation.ACTIONS
    kind: str | None = Field(default=None, max_length=8)  # the item's, if any
    item_id: int | None = None
    item_label: str | None = Field(default=None, max_length=TITLE_MAX)  # its title, its opening
    member_id: int | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL", index=True
    )
    member_name: str = Field(max_length=USERNAME_MAX)  # whose item, or whose account
    reason: str = Field(max_length=DECISION_REASON_MAX)
    detail: str | None = Field(default=None, max_length=64)  # a suspension's end, a new role
    created_at: datetime = _timestamp()

    __table_args__ = (Index("ix_moderation_log_kind_item_id", "kind", "item_id"),)
