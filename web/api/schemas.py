"""Request and response bodies of the JSON API (RealWorld shapes), as pydantic models.

They validate what comes in, serialise what goes out, and are the source of the
OpenAPI document's schemas.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from web.bounds import (
    BIO_MAX,
    BODY_MAX,
    COMMENT_MAX,
    DECISION_REASON_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    IMAGE_URL_MAX,
    LIMIT_MAX,
    OFFSET_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    REPORT_NOTE_MAX,
    SEARCH_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    USERNAME_MAX,
    USERNAME_PATTERN,
)
from web.pictures import PICTURE_PATTERN


def _timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and Z: 2026-11-21T08:30:00.000Z."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


Timestamp = Annotated[
    datetime,
    PlainSerializer(_timestamp, return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "example": "2026-11-21T08:30:00.000Z"}
    ),
]
Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=USERNAME_MAX,
        pattern=USERNAME_PATTERN.pattern,
    ),
]
Password = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
Email = Annotated[EmailStr, StringConstraints(max_length=EMAIL_MAX)]
# An https picture address (web.pictures), or "" to clear it.
ImageUrl = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=IMAGE_URL_MAX, pattern=f"(?:{PICTURE_PATTERN})|^$"
    ),
]
Bio = Annotated[str, StringConstraints(max_length=BIO_MAX)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DESCRIPTION_MAX)
]
Body = Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX)]
TagName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TAG_MAX)]
CommentBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_MAX)
]


class Strict(BaseModel):
    """Input: unknown fields are ignored, types are not coerced from other types."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Links(BaseModel):
    model_config = ConfigDict(
        extra="allow", json_schema_extra={"additionalProperties": {"type": "string"}}
    )

    self: str


# --- users and profiles ---------------------------------------------------------------


class NewUser(Strict):
    username: Username
    email: Email
    password: Password


class NewUserRequest(Strict):
    user: NewUser


class LoginUser(Strict):
    email: Annotated[str, StringConstraints(min_length=1, max_length=EMAIL_MAX)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class LoginUserRequest(Strict):
    user: LoginUser


class UpdateUser(Strict):
    email: Email | None = None
    username: Username | None = None
    password: Password | None = None
    image: ImageUrl | None = None
    bio: Bio | None = None


class UpdateUserRequest(Strict):
    user: UpdateUser


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None
    links: Links


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool
    links: Links


class ProfileResponse(BaseModel):
    profile: Profile


# --- articles ---------------------------------------------------------------------------


class NewArticle(Strict):
    title: Title
    description: Description
    body: Body
    tagList: Annotated[list[TagName], Field(max_length=TAGS_MAX)] = []
    draft: bool = Field(
        default=False,
        description="Opt in: `true` saves a draft that only its author can read (never "
        "listed); it is published later with `draft: false`. Left out, creating publishes.",
    )


class NewArticleRequest(Strict):
    article: NewArticle


class UpdateArticle(Strict):
    title: Title | None = None
    description: Description | None = None
    body: Body | None = None
    tagList: Annotated[list[TagName], Field(max_length=TAGS_MAX)] | None = None
    draft: Literal[False] | None = Field(
        default=None,
        description="`false` publishes a draft, dated now. A published article cannot "
        "become a draft again.",
    )


class UpdateArticleRequest(Strict):
    article: UpdateArticle


class ArticleSummary(BaseModel):
    """An article in a list: everything but the body."""

    slug: str
    title: str
    description: str
    tagList: list[str]
    createdAt: Timestamp
    updatedAt: Timestamp
    favorited: bool
    favoritesCount: int
    author: Profile
    draft: bool = Field(description="Seen by its author alone until published.")
    hidden: bool = Field(
        default=False,
        description="Hidden by the moderators (or while its author is suspended): seen by "
        "its author and the moderators alone.",
    )
    hiddenReason: str | None = Field(
        default=None, description="Why the moderators hid it (none: its author is suspended)."
    )
    links: Links


class Article(ArticleSummary):
    body: str


class SingleArticleResponse(BaseModel):
    article: Article


class ListLinks(Links):
    """Links of a list (RFC 8288 relations, also sent as the Link header): `first` and
    `last` always, `prev` and `next` only when there are such pages."""

    first: str
    prev: str | None = Field(default=None, exclude_if=lambda link: link is None)
    next: str | None = Field(default=None, exclude_if=lambda link: link is None)
    last: str


class MultipleArticlesResponse(BaseModel):
    articles: list[ArticleSummary]
    articlesCount: int
    links: ListLinks


class PageQuery(Strict):
    """Paging of a list (query parameters arrive as text)."""

    model_config = ConfigDict(strict=False, extra="ignore")

    limit: Annotated[int, Field(ge=1, le=LIMIT_MAX)] = 20
    offset: Annotated[int, Field(ge=0, le=OFFSET_MAX)] = 0


class ArticleQuery(PageQuery):
    """Filters and paging of GET /articles."""

    tag: str | None = None
    author: str | None = None
    favorited: str | None = None
    q: Annotated[str, StringConstraints(max_length=SEARCH_MAX)] | None = None


# --- comments and tags ---------------------------------------------------------------------


class NewComment(Strict):
    body: CommentBody


class NewCommentRequest(Strict):
    comment: NewComment


class Comment(BaseModel):
    id: int
    body: str
    createdAt: Timestamp
    updatedAt: Timestamp
    author: Profile
    links: Links


class SingleCommentResponse(BaseModel):
    comment: Comment


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]


# --- moderation ---------------------------------------------------------------------------

ReportNote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=REPORT_NOTE_MAX)]
DecisionReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DECISION_REASON_MAX)
]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class NewReport(Strict):
    reason: Literal["spam", "harassment", "off-topic", "other"]
    note: ReportNote | None = Field(default=None, description="Needed with `other`.")


class NewReportRequest(Strict):
    report: NewReport


class Report(BaseModel):
    reason: str
    note: str | None
    createdAt: Timestamp


class ReportResponse(BaseModel):
    report: Report


class ModeratedItem(BaseModel):
    kind: Literal["article", "comment", "profile"]
    id: int
    label: str = Field(description="The article's title, the comment's opening, the name.")
    text: str | None = Field(description="The description, the comment, the bio.")
    author: str
    authorSuspendedUntil: Timestamp | None
    hidden: bool
    hiddenReason: str | None
    links: Links


class ReasonGiven(BaseModel):
    reason: str
    note: str | None


class Case(BaseModel):
    kind: str
    itemId: int
    item: ModeratedItem | None = Field(description="None: deleted since it was reported.")
    reporters: int
    lastReportedAt: Timestamp
    reasons: list[ReasonGiven]


class QueueResponse(BaseModel):
    cases: list[Case]
    casesCount: int


class NewDecision(Strict):
    action: Literal["hide", "restore", "dismiss", "suspend", "lift"]
    reason: DecisionReason
    until: Day | None = Field(
        default=None, description="`suspend` only: the last day (YYYY-MM-DD); none: until lifted."
    )


class DecisionRequest(Strict):
    decision: NewDecision


class MemberDecision(Strict):
    action: Literal["suspend", "lift"]
    reason: DecisionReason
    until: Day | None = None


class MemberDecisionRequest(Strict):
    decision: MemberDecision


class NewRole(Strict):
    role: Literal["member", "moderator", "admin"]
    reason: DecisionReason


class NewRoleRequest(Strict):
    role: NewRole


class Member(BaseModel):
    username: str
    role: str
    suspendedUntil: Timestamp | None
    links: Links


class MemberResponse(BaseModel):
    member: Member


class DecisionResponse(BaseModel):
    item: ModeratedItem | None


class LogEntry(BaseModel):
    id: int
    action: str
    moderator: str | None = Field(description="None: Conduit itself.")
    member: str
    kind: str | None
    itemId: int | None
    itemLabel: str | None
    reason: str
    detail: str | None
    createdAt: Timestamp


class LogResponse(BaseModel):
    entries: list[LogEntry]
    entriesCount: int


class LogQuery(PageQuery):
    """Filters and paging of the moderation log."""

    moderator: str | None = Field(default=None, max_length=USERNAME_MAX)
    member: str | None = Field(default=None, max_length=USERNAME_MAX)


class GenericErrors(BaseModel):
    """{"errors": {"<field or subject>": ["message", ...]}}"""

    errors: dict[str, list[str]]
