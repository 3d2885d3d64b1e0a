import pytest

from tests.conftest import AuthActions, csrf_token
from web.models import User

VALID = {
    "image": "https://example.com/ana.png",
    "username": "ana",
    "bio": "I write about htmx.",
    "email": "ana@example.com",
    "new_password": "",
    "current_password": "",
}

# The page marks of an English page in the given theme.
THEME_MARK = '<div id="theme" data-theme="{}" data-lang="en" data-dir="ltr" hidden></div>'


@pytest.fixture
def member(client, auth):
    auth.register("ana")
    return client


def save(client, **changes):
    return client.post("/settings", data={**VALID, **changes, "csrf_token": csrf_token(client)})


def test_settings_show_current_values(member):
    html = member.get("/settings").text
    assert 'value="ana@example.com"' in html
    assert "<legend>Profile</legend>" in html
    assert 'aria-current="page">Settings</a>' in html


def test_save_profile_settings(member, db):
    response = save(member)
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings"
    assert "Settings saved." in member.get("/settings").text
    user = db.exec(User.__table__.select()).first()
    assert (user.bio, user.image) == ("I write about htmx.", "https://example.com/ana.png")


def test_renamed_profile_moves_and_the_old_address_is_gone(member):
    assert save(member, username="ana_writes").status_code == 303
    assert member.get("/profile/ana_writes").status_code == 200
    gone = member.get("/profile/ana")
    assert gone.status_code == 404
    assert "Page not found" in gone.text
    assert 'href="/profile/ana_writes"' in member.get("/").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"image": "javascript:alert(1)"}, "Enter a picture address starting with https://"),
        ({"image": "ftp://example.com/a.png"}, "Enter a picture address starting with https://"),
        # Browsers would not load it on this site (the CSP allows https only): said at once.
        ({"image": "http://example.com/a.png"}, "Enter a picture address starting with https://"),
        ({"username": ""}, "Enter a username."),
        ({"username": "Bob"}, "The username Bob is already taken."),
        ({"email": "BOB@example.com"}, "That email address belongs to another account."),
        ({"email": "nope"}, "Enter an email address like name@example.com."),
        ({"bio": "x" * 1001}, "A bio has at most 1,000 characters."),
        ({"new_password": "brand new pw"}, "Enter your current password to set a new one."),
        ({"new_password": "brand new pw", "current_password": "wrong"},
         "That is not your current password."),
        ({"new_password": "short", "current_password": "correct horse"},
         "Use 8 to 128 characters."),
    ],
)  # fmt: skip
def test_invalid_settings_are_422_and_change_nothing(member, client, db, changes, message):
    bob = AuthActions(client.application.test_client())
    bob.register("bob")
    response = save(member, **changes)
    assert response.status_code == 422
    # Said once in the summary and once at the field, never twice at the same place.
    assert response.text.count(message) == 2
    user = db.exec(User.__table__.select().where(User.username == "ana")).first()
    assert user.image is None
    assert user.bio is None


def test_change_password_signs_out_other_sessions(member, client):
    other = client.application.test_client()
    AuthActions(other).login()
    assert "Sign out</button>" in other.get("/").text

    response = save(member, new_password="brand new pw", current_password="correct horse")
    assert response.status_code == 303
    assert "Sign out</button>" in member.get("/").text  # this session was renewed
    assert "Sign out</button>" not in other.get("/").text  # the other one ended

    fresh = AuthActions(client.application.test_client())
    assert fresh.login(password="correct horse").status_code == 422
    assert fresh.login(password="brand new pw").status_code == 303


def test_theme_for_visitors_lives_in_the_session(client):
    assert THEME_MARK.format("system") in client.get("/").text
    response = client.post(
        "/theme", data={"theme": "dark", "next": "/?page=1", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/?page=1"
    after = client.get("/").text
    assert THEME_MARK.format("dark") in after
    assert "Using dark theme." in after  # said on the page that follows, without JS too
    assert '<option value="dark" selected>' in client.get("/").text


@pytest.mark.usefixtures("member")
def test_theme_for_members_is_kept_on_the_account(client, auth):
    client.post("/theme", data={"theme": "light", "csrf_token": csrf_token(client)})
    auth.logout()
    assert 'data-theme="system"' in client.get("/").text
    auth.login()
    assert 'data-theme="light"' in client.get("/").text


def test_a_theme_chosen_before_signing_in_becomes_the_account_s_unless_it_has_one(app, client):
    AuthActions(client).register("ana")
    AuthActions(client).logout()
    client.post("/theme", data={"theme": "dark", "csrf_token": csrf_token(client)})
    AuthActions(client).login("ana@example.com")
    assert THEME_MARK.format("dark") in client.get("/").text  # kept at sign-in
    other = app.test_client()  # and on the account, for every browser
    AuthActions(other).login("ana@example.com")
    assert THEME_MARK.format("dark") in other.get("/").text
    # An account with a theme of its own keeps it.
    AuthActions(client).logout()
    client.post("/theme", data={"theme": "light", "csrf_token": csrf_token(client)})
    AuthActions(client).login("ana@example.com")
    assert THEME_MARK.format("dark") in client.get("/").text


@pytest.mark.parametrize("value", ["system", "neon", ""])
def test_unknown_theme_means_system(client, value):
    client.post("/theme", data={"theme": "dark", "csrf_token": csrf_token(client)})
    client.post("/theme", data={"theme": value, "csrf_token": csrf_token(client)})
    assert 'data-theme="system"' in client.get("/").text


def test_theme_redirect_is_local_only(client):
    response = client.post(
        "/theme",
        data={"theme": "dark", "next": "https://evil.example", "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"
