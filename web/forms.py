"""HTML forms (Flask-WTF): validation rules and messages for the pages.

Uniqueness is checked here too, through the domain functions, so a sign-up form shows
"already taken" both while typing (inline check) and on submit.
"""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField, URLField
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from web.articles import TAGS_MAX, TITLE_MAX, parse_tags
from web.comments import BODY_MAX
from web.db import get_session
from web.users import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    USERNAME_PATTERN,
    USERNAME_RULE,
    email_taken,
    username_taken,
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


_username = [
    DataRequired("Enter a username."),
    Regexp(USERNAME_PATTERN, message=USERNAME_RULE),
]
_email = [
    DataRequired("Enter your email address."),
    Length(max=254, message="An email address has at most 254 characters."),
    Email("Enter an email address like name@example.com.", check_deliverability=False),
]
_new_password = Length(
    min=PASSWORD_MIN,
    max=PASSWORD_MAX,
    message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters.",
)


class RegisterForm(FlaskForm):
    username = StringField("Username", _username, filters=[_strip])
    email = EmailField("Email", _email, filters=[_strip])
    password = PasswordField("Password", [InputRequired("Choose a password."), _new_password])

    def validate_username(self, field: StringField) -> None:
        if username_taken(get_session(), field.data):
            raise ValidationError(f"The username {field.data} is already taken.")

    def validate_email(self, field: EmailField) -> None:
        if email_taken(get_session(), field.data):
            raise ValidationError("That email address already has an account. Sign in instead?")


class LoginForm(FlaskForm):
    email = EmailField("Email", _email, filters=[_strip])
    password = PasswordField("Password", [InputRequired("Enter your password.")])
    remember = BooleanField("Remember me on this device")


class SettingsForm(FlaskForm):
    image = URLField(
        "Picture URL",
        [
            Optional(),
            Length(max=2048, message="A picture URL has at most 2048 characters."),
            URL(message="Enter a web address starting with https:// or http://."),
        ],
        filters=[_strip],
    )
    username = StringField("Username", _username, filters=[_strip])
    bio = TextAreaField(
        "Bio", [Length(max=1000, message="A bio has at most 1000 characters.")], filters=[_strip]
    )
    email = EmailField("Email", _email, filters=[_strip])
    new_password = PasswordField("New password", [Optional(), _new_password])
    current_password = PasswordField("Current password")

    def __init__(self, *args: Any, user_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def validate_image(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError("Enter a web address starting with https:// or http://.")

    def validate_username(self, field: StringField) -> None:
        if username_taken(get_session(), field.data, except_id=self.user_id):
            raise ValidationError(f"The username {field.data} is already taken.")

    def validate_email(self, field: EmailField) -> None:
        if email_taken(get_session(), field.data, except_id=self.user_id):
            raise ValidationError("That email address belongs to another account.")

    def validate_current_password(self, field: PasswordField) -> None:
        if self.new_password.data and not field.data:
            raise ValidationError("Enter your current password to set a new one.")


class ArticleForm(FlaskForm):
    title = StringField(
        "Title",
        [
            DataRequired("Give your article a title."),
            Length(max=TITLE_MAX, message=f"A title has at most {TITLE_MAX} characters."),
        ],
        filters=[_strip],
    )
    description = StringField(
        "What's this article about?",
        [
            DataRequired("Say in a sentence what the article is about."),
            Length(max=500, message="A description has at most 500 characters."),
        ],
        filters=[_strip],
    )
    body = TextAreaField(
        "Article (Markdown)",
        [
            DataRequired("Write the article's text."),
            Length(max=100_000, message="An article has at most 100,000 characters."),
        ],
    )
    tags = StringField(
        "Tags",
        [Length(max=500, message="Tags take at most 500 characters.")],
        filters=[_strip],
    )

    def validate_tags(self, field: StringField) -> None:
        tags = parse_tags(field.data or "")
        if len(tags) > TAGS_MAX:
            raise ValidationError(f"Use at most {TAGS_MAX} tags.")


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Write a comment",
        [
            DataRequired("Write something before posting."),
            Length(max=BODY_MAX, message=f"A comment has at most {BODY_MAX} characters."),
        ],
        filters=[_strip],
    )
