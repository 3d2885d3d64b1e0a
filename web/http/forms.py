"""HTML forms (Flask-WTF): validation rules and messages for the pages.

Every bound comes from `web.bounds`; WTForms renders `Length` as the control's
`maxlength`. Uniqueness is checked here too, through the domain functions, so a sign-up
form shows "already taken" both while typing (inline check) and on submit.
"""

from datetime import date
from typing import Any

from flask import g
from flask_babel import LazyString, format_number, gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from web.articles import parse_tags
from web.bounds import (
    BIO_MAX,
    BODY_MAX,
    COMMENT_MAX,
    DECISION_REASON_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    IMAGE_URL_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    REPORT_NOTE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TAGS_TEXT_MAX,
    TITLE_MAX,
    USERNAME_MAX,
    USERNAME_PATTERN,
    USERNAME_RULE,
)
from web.db import get_session
from web.http.boundary import CONTROL_SENTENCE, has_control_characters
from web.http.i18n import lazy as _l
from web.languages import N_
from web.moderation import REASONS, ROLES
from web.pictures import PICTURE_RULE, is_picture_url
from web.submissions import new_token
from web.users import email_taken, username_taken


class Form(FlaskForm):
    """Every page form: text with control characters (NUL...) is refused first, as an
    error of its field, before any other check (or the database) sees it."""

    def validate(self, extra_validators: Any = None) -> bool:
        dirty = [f for f in self if isinstance(f.data, str) and has_control_characters(f.data)]
        if not dirty:
            return bool(super().validate(extra_validators))
        for field in dirty:
            field.errors = [gettext(CONTROL_SENTENCE)]
        self._errors = None  # recomputed from the fields
        return False


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _number(value: int) -> LazyString:
    """A number as the reader's language writes it (5,000 / 5 000 / 5.000)."""
    return LazyString(format_number, value)


def _at_most(limit: int, message: str) -> Length:
    """`message` is a catalog message saying the limit as %(max)s."""
    return Length(max=limit, message=_l(message, max=_number(limit)))


def taken(field: str) -> str:
    """Said when an account took this username or email between the check and the save."""
    if field == "username":
        return gettext("That username is already taken.")
    return gettext("That email address already has an account.")


def _username_rule(_form: FlaskForm, field: Field) -> None:
    """At most USERNAME_MAX characters of USERNAME_PATTERN: one rule, said once."""
    value = field.data or ""
    if len(value) > USERNAME_MAX or not USERNAME_PATTERN.match(value):
        raise ValidationError(str(_l(USERNAME_RULE, max=_number(USERNAME_MAX))))


_username = [DataRequired(_l("Enter a username.")), _username_rule]
_email = [
    DataRequired(_l("Enter your email address.")),
    _at_most(EMAIL_MAX, N_("An email address has at most %(max)s characters.")),
    Email(_l("Enter an email address like name@example.com."), check_deliverability=False),
]
_new_password = Length(
    min=PASSWORD_MIN,
    max=PASSWORD_MAX,
    message=_l("Use %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
)


_ARTICLE_MAX = _at_most(BODY_MAX, N_("An article has at most %(max)s characters."))


class OnceField(HiddenField):
    """A one-time token (web.submissions): a new one each time the form is shown; when
    the form is submitted, only what was sent (no token sent: none, not a new one)."""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if formdata is not None and self.name not in formdata:
            self.data = None


ONCE_ISSUED = "once_issued"  # where a request keeps the tokens its forms were given


def issued_token() -> str:
    """A new one-time token for a form of this request's page."""
    token = new_token()
    g.setdefault(ONCE_ISSUED, []).append(token)  # a cached page holds a placeholder for it
    return token


def issued() -> list[str]:
    """The one-time tokens this request's page was given."""
    return list(g.get(ONCE_ISSUED, ()))


class OnceForm(Form):
    """A form that creates something: its one-time token makes a replay create nothing."""

    once = OnceField(default=issued_token)


class RegisterForm(Form):
    username = StringField(_l("Username"), _username, filters=[_strip])
    email = EmailField(_l("Email"), _email, filters=[_strip])
    password = PasswordField(
        _l("Password"), [InputRequired(_l("Choose a password.")), _new_password]
    )

    def validate_username(self, field: StringField) -> None:
        if username_taken(session=get_session(), username=field.data):
            raise ValidationError(
                gettext("The username %(name)s is already taken.", name=field.data)
            )

    def validate_email(self, field: EmailField) -> None:
        if email_taken(session=get_session(), email=field.data):
            raise ValidationError(
                gettext("That email address already has an account. Sign in instead?")
            )


class LoginForm(Form):
    email = EmailField(_l("Email"), _email, filters=[_strip])
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), _email, filters=[_strip])


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), [InputRequired(_l("Choose a password.")), _new_password]
    )


class SettingsForm(Form):
    image = URLField(
        _l("Picture URL"),
        [Optional(), _at_most(IMAGE_URL_MAX, N_("A picture URL has at most %(max)s characters."))],
        filters=[_strip],
    )
    username = StringField(_l("Username"), _username, filters=[_strip])
    bio = TextAreaField(
        _l("Bio"),
        [_at_most(BIO_MAX, N_("A bio has at most %(max)s characters."))],
        filters=[_strip],
    )
    email = EmailField(_l("Email"), _email, filters=[_strip])
    new_password = PasswordField(_l("New password"), [Optional(), _new_password])
    current_password = PasswordField(_l("Current password"))

    def __init__(self, *args: Any, user_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def validate_image(self, field: URLField) -> None:
        if field.data and not is_picture_url(field.data):
            raise ValidationError(gettext(PICTURE_RULE))

    def validate_username(self, field: StringField) -> None:
        if username_taken(session=get_session(), username=field.data, except_id=self.user_id):
            raise ValidationError(
                gettext("The username %(name)s is already taken.", name=field.data)
            )

    def validate_email(self, field: EmailField) -> None:
        if email_taken(session=get_session(), email=field.data, except_id=self.user_id):
            raise ValidationError(gettext("That email address belongs to another account."))

    def validate_current_password(self, field: PasswordField) -> None:
        if self.new_password.data and not field.data:
            raise ValidationError(gettext("Enter your current password to set a new one."))


class ArticleForm(OnceForm):
    title = StringField(
        _l("Title"),
        [
            DataRequired(_l("Give your article a title.")),
            _at_most(TITLE_MAX, N_("A title has at most %(max)s characters.")),
        ],
        filters=[_strip],
    )
    description = StringField(
        _l("What's this article about?"),
        [
            DataRequired(_l("Say in a sentence what the article is about.")),
            _at_most(DESCRIPTION_MAX, N_("A description has at most %(max)s characters.")),
        ],
        filters=[_strip],
    )
    body = TextAreaField(
        _l("Article (Markdown)"), [DataRequired(_l("Write the article's text.")), _ARTICLE_MAX]
    )
    tags = StringField(
        _l("Tags"),
        [_at_most(TAGS_TEXT_MAX, N_("The tags have at most %(max)s characters."))],
        filters=[_strip],
    )

    def validate_tags(self, field: StringField) -> None:
        tags = parse_tags(field.data or "")
        if len(tags) > TAGS_MAX:
            raise ValidationError(gettext("Use at most %(max)s tags.", max=TAGS_MAX))
        too_long = [tag for tag in tags if len(tag) > TAG_MAX]
        if too_long:
            raise ValidationError(
                gettext(
                    "A tag has at most %(max)s characters: “%(tag)s”.", max=TAG_MAX, tag=too_long[0]
                )
            )


class PreviewForm(Form):
    """The editor's body alone, for its live preview. It stores nothing, so it needs no
    CSRF token (one that ended with the session must not stop the preview)."""

    class Meta:
        csrf = False

    body = TextAreaField(_l("Article (Markdown)"), [_ARTICLE_MAX])


class CommentForm(OnceForm):
    body = TextAreaField(
        _l("Write a comment"),
        [
            DataRequired(_l("Write something before posting.")),
            _at_most(COMMENT_MAX, N_("A comment has at most %(max)s characters.")),
        ],
        filters=[_strip],
    )


class ReportForm(Form):
    reason = RadioField(
        _l("Why do you report this?"),
        choices=[SelectChoice(key, _l(label)) for key, label in REASONS.items()],
        validators=[InputRequired(_l("Choose why you report this."))],
    )
    note = TextAreaField(
        _l("What is wrong (needed for “Other”)"),
        [_at_most(REPORT_NOTE_MAX, N_("A note has at most %(max)s characters."))],
        filters=[_strip],
    )

    def validate_note(self, field: TextAreaField) -> None:
        if self.reason.data == "other" and not field.data:
            raise ValidationError(gettext("Say in a few words what is wrong."))


class DecisionForm(Form):
    """A moderator's decision on an item or a member: the button pressed says which."""

    reason = TextAreaField(
        _l("Reason (kept in the log, and told to the member)"),
        [
            DataRequired(_l("Give a reason for the decision.")),
            _at_most(DECISION_REASON_MAX, N_("A reason has at most %(max)s characters.")),
        ],
        filters=[_strip],
    )
    until = DateField(_l("Suspended until (empty: until lifted)"), [Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data is not None and field.data <= date.today():
            raise ValidationError(gettext("Choose a day after today, or leave it empty."))


class RoleForm(Form):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(key, _l(label)) for key, label in ROLES.items()]
    )
    reason = TextAreaField(
        _l("Reason (kept in the log)"),
        [
            DataRequired(_l("Give a reason for the decision.")),
            _at_most(DECISION_REASON_MAX, N_("A reason has at most %(max)s characters.")),
        ],
        filters=[_strip],
    )


def field_errors(form_class: type[FlaskForm], field: str, data: Any) -> list[str]:
    """One field's messages for what was typed (an inline check), its own `validate_<field>`
    rule included; no CSRF token (a check changes nothing)."""
    form = form_class(formdata=MultiDict(data), meta={"csrf": False})
    inline = getattr(form_class, f"validate_{field}", None)
    form[field].validate(form, extra_validators=[inline] if inline else ())
    return list(form[field].errors)
