import os
import re
import uuid

import pytest

from tests.conftest import AuthActions, csrf_token, from_address, make_test_app
from web.db import dispose, engine_of
from web.http.auth import safe_next


def signed_in(client) -> bool:
    return "Sign out</button>" in client.get("/").text


@pytest.mark.parametrize("url", ["/register", "/login"])
def test_forms_have_labels_described_errors_and_csrf(client, url):
    html = client.get(url).text
    assert '<label class="label" for="email">Email</label>' in html
    assert re.search(r'<input[^>]*aria-describedby="email-error"[^>]*id="email"', html)
    assert '<div class="field-error" id="email-error" aria-live="polite"></div>' in html
    assert 'name="csrf_token" type="hidden"' in html
    assert "novalidate" in html


def test_register_signs_in_and_welcomes(client, auth):
    response = auth.register("ana")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    html = client.get("/").text
    assert "Welcome to Conduit, ana!" in html
    assert "Sign out</button>" in html
    assert 'href="/profile/ana"' in html
    assert ">Sign in</a>" not in html  # the header offers only what a member can do


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, ["Enter a username.", "Enter your email address.", "Choose a password."]),
        ({"username": "a b", "email": "x@example.com", "password": "long enough"},
         ["Use 1 to 40 letters"]),
        ({"username": "ana2", "email": "not-an-email", "password": "long enough"},
         ["Enter an email address like name@example.com."]),
        ({"username": "ana2", "email": "x@example.com", "password": "short"},
         ["Use 8 to 128 characters."]),
        ({"username": "ANA", "email": "x@example.com", "password": "long enough"},
         ["The username ANA is already taken."]),
        ({"username": "ana2", "email": "Ana@Example.com", "password": "long enough"},
         ["That email address already has an account."]),
    ],
)  # fmt: skip
def test_register_validation_is_422_with_messages_and_kept_values(client, auth, data, messages):
    auth.register("ana")
    auth.logout()
    response = client.post("/register", data={**data, "csrf_token": auth_token(client)})
    assert response.status_code == 422
    for message in messages:
        assert message in response.text
    assert '<div class="error-summary" tabindex="-1" autofocus' in response.text
    assert 'aria-invalid="true"' in response.text
    if data.get("username"):
        assert f'value="{data["username"]}"' in response.text
    assert "long enough" not in response.text  # a password is never sent back


def auth_token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)


def test_missing_or_wrong_csrf_token_is_a_clear_400(client):
    response = client.post("/register", data={"username": "ana"})
    assert response.status_code == 400
    assert "expired" in response.text
    assert "<!doctype html>" in response.text
    response = client.post(
        "/login",
        data={"email": "a@example.com", "csrf_token": "forged"},
        headers={"HX-Request": "true", "HX-Target": "main"},
    )
    assert response.status_code == 400
    assert "<html" not in response.text
    # An action that failed leaves the page as it was and says why in the status region.
    assert response.headers["HX-Reswap"] == "none"
    assert '<p class="status-message status-problem">This page has been open too long' in (
        response.text
    )


def test_inline_checks(client, auth):
    auth.register("ana")
    client.get("/")  # shows the welcome message, so the checks below carry no status
    taken = client.get("/register/check/username?username=Ana", headers={"HX-Request": "true"})
    assert taken.status_code == 200
    assert taken.text == "<p>The username Ana is already taken.</p>"
    assert client.get("/register/check/username?username=free_name").text == ""
    bad = client.get("/register/check/email?email=nope").text
    assert bad == "<p>Enter an email address like name@example.com.</p>"
    assert (
        "already has an account" in client.get("/register/check/email?email=ANA@example.com").text
    )
    assert client.get("/register/check/password?password=x").status_code == 404


def test_login_and_logout(client, auth):
    auth.register("ana")
    auth.logout()
    assert not signed_in(client)
    response = auth.login()
    assert response.status_code == 303
    assert "Welcome back, ana!" in client.get("/").text
    assert signed_in(client)
    response = auth.logout()
    assert response.status_code == 303
    assert "You have signed out." in client.get("/").text
    assert not signed_in(client)


def test_logout_is_never_a_get(client, auth):
    auth.register("ana")
    assert client.get("/logout").status_code == 405
    assert signed_in(client)


@pytest.mark.parametrize(
    ("email", "password"), [("ana@example.com", "wrong password"), ("ghost@example.com", "x")]
)
def test_wrong_credentials_give_the_same_answer(client, auth, email, password):
    auth.register("ana")
    auth.logout()
    response = auth.login(email, password)
    assert response.status_code == 422
    assert "That email and password do not match an account." in response.text
    assert f'value="{email}"' in response.text
    assert not signed_in(client)


def test_remember_me_sets_a_long_lived_cookie(auth):
    auth.register("ana")
    auth.logout()
    response = auth.login(remember="y")
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("/profile/ana?tab=favorited", "/profile/ana?tab=favorited"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("target", "location"), [("/settings", "/settings"), ("https://evil.example/", "/")]
)
def test_login_follows_only_local_next(client, auth, target, location):
    auth.register("ana")
    auth.logout()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={
            "email": "ana@example.com",
            "password": "correct horse",
            "csrf_token": auth_token(client),
        },
    )
    assert response.headers["Location"] == location


@pytest.mark.parametrize("url", ["/settings"])
def test_pages_that_need_an_account_send_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next={url}"
    page = client.get(response.headers["Location"]).text
    assert f'action="/login?next={url}"' in page
    assert "Please sign in to continue." in page


def test_signed_in_members_skip_the_forms(client, auth):
    auth.register("ana")
    assert client.get("/login").status_code == 303
    assert client.get("/register").status_code == 303


def _limited_app(db_url, **limits):
    return make_test_app(db_url, RATELIMIT_ENABLED=True, **limits)


def test_sign_in_attempts_are_limited_per_account(db_url):
    app = _limited_app(db_url, SIGNIN_LIMIT_PER_ACCOUNT="3 per minute")
    client = app.test_client()
    auth = AuthActions(client)
    for _ in range(3):
        assert auth.login("ana@example.com", "wrong").status_code == 422
    response = auth.login("ana@example.com", "wrong")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    # The sign-in form again, with what was typed and when to try again, in words.
    wait = re.compile(r"Too many attempts from here\. Please wait \d+ (seconds?|minutes) and try")
    assert wait.search(response.text)
    assert 'value="ana@example.com"' in response.text
    assert '<form class="form" method="post" action="/login"' in response.text
    assert "<!doctype html>" in response.text
    # Another account from the same address is not held back by this one's limit.
    assert auth.login("bob@example.com", "wrong").status_code == 422
    dispose(app)


def test_strangers_failing_elsewhere_never_lock_the_owner_out(db_url, inbox):
    """Thirty wrong passwords for ana's email from thirty addresses: each address is
    held back after its own failures, ana's correct password from hers never is, and
    she is told of the burst by mail, once."""
    handler, port = inbox
    app = _limited_app(db_url, SIGNIN_LIMIT_PER_ACCOUNT="5 per minute;30 per hour",
                       SIGNIN_ALERT_AFTER="10 per hour",
                       MAIL_URL=f"smtp://127.0.0.1:{port}")  # fmt: skip
    # Counters may be shared by every app of this run (Redis): an address of its own.
    ana = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    owner = from_address(app, "198.51.100.7")
    AuthActions(owner).register("ana", email=ana, password="the right one")
    AuthActions(owner).logout()
    handler.messages.clear()
    for number in range(30):
        stranger = from_address(app, f"203.0.113.{number}")
        assert AuthActions(stranger).login(ana, "guess").status_code == 422
    # One address guessing on is held back after its five failures.
    guesser = from_address(app, "203.0.113.200")
    for _ in range(5):
        assert AuthActions(guesser).login(ana, "guess").status_code == 422
    assert AuthActions(guesser).login(ana, "guess").status_code == 429
    # The owner, from her own address, signs in; so does the API from another.
    assert AuthActions(owner).login(ana, "the right one").status_code == 303
    api = from_address(app, "198.51.100.8")
    answer = api.post("/api/users/login", json={"user": {"email": ana,
                                                         "password": "the right one"}})  # fmt: skip
    assert answer.status_code == 200
    [alert] = handler.messages
    assert alert["To"] == ana
    assert alert["Subject"] == "Attempts to sign in to your Conduit account"
    assert "11 times in the last hour" in alert.get_body(("plain",)).get_content()
    dispose(app)


def test_sign_in_and_up_attempts_are_limited_per_ip(db_url):
    app = _limited_app(db_url, SIGNIN_LIMIT_PER_IP="4 per minute")
    client = app.test_client()
    auth = AuthActions(client)
    for n in range(2):
        auth.login(f"user{n}@example.com", "wrong")
    auth.register("ana", password="short")
    assert auth.login("x@example.com", "wrong").status_code == 422
    assert auth.login("y@example.com", "wrong").status_code == 429
    assert auth.register("bob").status_code == 429
    other_ip = client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 200  # GETs are never limited
    dispose(app)


REDIS_URL = os.environ.get("REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (CI sets it)")
def test_limits_are_shared_through_redis_when_configured(db_url):
    import redis

    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    overrides = {"RATELIMIT_STORAGE_URI": REDIS_URL, "SIGNIN_LIMIT_PER_ACCOUNT": "2 per minute"}
    # Two app instances, as two servers behind a proxy: the count is shared.
    first = _limited_app(db_url, **overrides)
    second = _limited_app(db_url, **overrides)
    assert AuthActions(first.test_client()).login(email, "x").status_code == 422
    assert AuthActions(second.test_client()).login(email, "x").status_code == 422
    assert AuthActions(first.test_client()).login(email, "x").status_code == 429
    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match=f"LIMITS:*account:{email}*"))
    assert keys  # the counter lives in Redis
    store.delete(*keys)
    store.close()
    for app in (first, second):
        dispose(app)


# --- sessions that end when they should -------------------------------------------------


def _signed_in(client):
    return "Sign out</button>" in client.get("/").text


def test_a_session_copied_before_sign_out_is_dead_after_it(client, auth, app):
    auth.register("ana")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert _signed_in(thief)
    auth.logout()
    assert not _signed_in(client)
    assert not _signed_in(thief)  # the key it carries was deleted at sign-out


def test_a_remember_me_cookie_copied_before_sign_out_is_dead_after_it(client, auth, app):
    auth.register("ana")
    auth.logout()
    auth.login(remember="y")
    remembered = client.get_cookie("remember_token")
    assert remembered is not None
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered.value)
    assert _signed_in(thief)  # remember-me alone signs in...
    auth.logout()
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered.value)
    assert not _signed_in(fresh)  # ...until its sign-in ends


def test_signing_out_in_one_browser_leaves_the_others_signed_in(client, auth, app):
    auth.register("ana")
    laptop = app.test_client()
    AuthActions(laptop).login()
    auth.logout()
    assert _signed_in(laptop)


def test_a_new_password_signs_out_every_other_browser_and_their_api_tokens(client, auth, app):
    auth.register("ana")
    laptop = app.test_client()
    AuthActions(laptop).login(remember="y")
    token = client.post(
        "/api/users/login", json={"user": {"email": "ana@example.com", "password": "correct horse"}}
    ).json["user"]["token"]
    client.post(
        "/settings",
        data={"username": "ana", "email": "ana@example.com", "new_password": "a new secret",
              "current_password": "correct horse", "csrf_token": csrf_token(client, "/settings")},
    )  # fmt: skip
    assert _signed_in(client)
    assert not _signed_in(laptop)
    assert client.get("/api/user", headers={"Authorization": f"Token {token}"}).status_code == 401


@pytest.mark.skipif(not REDIS_URL, reason="server-side sessions need REDIS_URL (CI sets it)")
def test_signing_in_issues_a_new_session_id(db_url):
    app = make_test_app(db_url, REDIS_URL=REDIS_URL)
    client = app.test_client()
    client.get("/login")
    planted = client.get_cookie("session").value  # as if an attacker had set it
    AuthActions(client).register("ana")
    renewed = client.get_cookie("session").value
    assert renewed != planted
    victim_copy = app.test_client()
    victim_copy.set_cookie("session", planted)
    assert not _signed_in(victim_copy)
    dispose(app)


# --- limits that hold in every deployment -----------------------------------------------


def test_without_redis_every_worker_and_server_counts_together(db_url):
    """Two app instances on one database, as two gunicorn workers or servers."""
    overrides = {"SIGNIN_LIMIT_PER_ACCOUNT": "2 per minute", "REDIS_URL": None,
                 "RATELIMIT_STORAGE_URI": "conduit+db://"}  # as without REDIS_URL  # fmt: skip
    first, second = _limited_app(db_url, **overrides), _limited_app(db_url, **overrides)
    assert first.config["RATELIMIT_STORAGE_URI"] == "conduit+db://"
    assert AuthActions(first.test_client()).login("ana@example.com", "x").status_code == 422
    assert AuthActions(second.test_client()).login("ana@example.com", "x").status_code == 422
    assert AuthActions(first.test_client()).login("ana@example.com", "x").status_code == 429
    assert AuthActions(second.test_client()).login("ana@example.com", "x").status_code == 429
    assert AuthActions(second.test_client()).login("bob@example.com", "x").status_code == 422
    for app in (first, second):
        dispose(app)


def test_database_counters_open_a_fresh_window_when_one_closes(db_url, monkeypatch):
    from web.http import limits

    app = _limited_app(db_url)
    storage = limits.DatabaseStorage(engine=engine_of(app))
    clock = [1000.0]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3
    assert storage.get_expiry("k") == 1060.0
    clock[0] = 1061.0
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == 1121.0
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.check()
    dispose(app)


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(db_url):
    app = _limited_app(db_url, SIGNIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()

    def attempt(peer: str, forwarded: str) -> int:
        return client.post(
            "/login",
            data={"email": f"{uuid.uuid4().hex}@example.com", "password": "x",
                  "csrf_token": csrf_token(client)},
            headers={"X-Forwarded-For": forwarded},
            environ_base={"REMOTE_ADDR": peer},
        ).status_code  # fmt: skip

    # Straight from the internet: a new X-Forwarded-For each time changes nothing.
    assert [attempt("203.0.113.9", f"198.51.100.{n}") for n in range(3)] == [422, 422, 429]
    # Through the trusted proxy (nginx on loopback): its X-Forwarded-For is the client.
    assert [attempt("127.0.0.1", "198.51.100.7") for _ in range(3)] == [422, 422, 429]
    assert attempt("127.0.0.1", "198.51.100.8") == 422
    dispose(app)


def test_the_sign_up_checks_are_limited_too(db_url):
    app = _limited_app(db_url, CHECK_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    htmx = {"HX-Request": "true", "HX-Target": "email-error"}
    answers = [
        client.get(f"/register/check/email?email=a{n}@example.com", headers=htmx) for n in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert re.match(r"<p>Too many attempts\. Please wait \d+ seconds? and try again\.</p>",
                    answers[-1].text)  # fmt: skip
    assert int(answers[-1].headers["Retry-After"]) > 0
    dispose(app)
