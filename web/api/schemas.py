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
    DESCRIPTION_MAX,
    EMAIL_MAX,
    IMAGE_URL_MAX,
    LIMIT_MAX,
    OFFSET_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
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


class GenericErrors(BaseModel):
    """{"errors": {"<field or subject>": ["message", ...]}}"""

    errors: dict[str, list[str]]
