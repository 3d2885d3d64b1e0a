"""Moderation: reports, the queue, hiding, suspending, roles and the log; through the
pages, the API and the command line."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import feedparser
import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, select

from tests.api.test_api import Api
from tests.caching.test_live import hub, published
from tests.conftest import AuthActions, assert_constant, costs, csrf_token, make_test_app
from tests.factories import make_articles, make_user
from tests.mailbox import parts
from web import moderation
from web.articles import create_article
from web.comments import add_comment
from web.db import dispose, engine_of
from web.models import Article, ModerationEntry, Report, SignIn, User, utcnow
from web.problems import Invalid, NotAllowed
from web.search import find_matches

SECRET = "Zanzibar"


def signed_in(app, name: str):
    client = app.test_client()
    assert AuthActions(client).register(name).status_code == 303
    return client


def user(db, name: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.username == name)).one()


def build_site(app):
    """ana writes; bob and cy read; mo moderates; ad administers. Each signed in."""
    clients = {name: signed_in(app, name) for name in ("ana", "bob", "cy", "mo", "ad")}
    with Session(engine_of(app), expire_on_commit=False) as db:
        moderation.set_role(session=db, admin=None, username="mo", role="moderator", reason="cli")
        moderation.set_role(session=db, admin=None, username="ad", role="admin", reason="cli")
        ana = user(db, "ana")
        article = create_article(session=db, author_id=ana.id, title="Buy now",
                                 description="Deal", body=f"Cheap {SECRET} pills",
                                 tags=["spammy"])  # fmt: skip
        comment = add_comment(session=db, slug=article.slug, author=user(db, "bob"),
                              body="Rude words")  # fmt: skip
    return clients, article, comment


@pytest.fixture
def site(app):
    return build_site(app)


@pytest.fixture
def session_of() -> Iterator[Callable[[Flask], Session]]:
    """Sessions on other apps' databases, closed before the database is cleaned."""
    opened: list[Session] = []

    def open_(app: Flask) -> Session:
        opened.append(Session(engine_of(app), expire_on_commit=False))
        return opened[-1]

    yield open_
    for session in opened:
        session.close()


@pytest.fixture
def own_app(db_url: str) -> Iterator[Callable[..., Flask]]:
    """An app with settings of its own on the test's database, disposed afterwards."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        made.append(make_test_app(db_url, **overrides))
        return made[-1]

    yield make
    for app in made:
        dispose(app)


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def test_a_member_reports_once_and_never_their_own(app, db, site):
    clients, article, comment = site
    url = f"/article/{article.slug}/report"
    form = clients["bob"].get(url)
    assert form.status_code == 200
    assert 'name="reason"' in form.text
    assert "Report this article" in form.text
    missing = post(clients["bob"], url, reason="other", note="")
    assert missing.status_code == 422
    assert "Say in a few words what is wrong." in missing.text
    sent = post(clients["bob"], url, reason="spam")
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/article/{article.slug}"
    page = clients["bob"].get(sent.headers["Location"]).text
    assert "your report was sent to the moderators" in page
    again = post(clients["bob"], url, reason="harassment")
    assert "You have already reported this." in clients["bob"].get(again.headers["Location"]).text
    assert len(db.exec(select(Report)).all()) == 1
    assert "Report this article" not in clients["ana"].get(f"/article/{article.slug}").text
    own = post(clients["ana"], url, reason="spam")
    assert own.status_code == 422
    comment_url = f"/article/{article.slug}/comments/{comment.id}/report"
    assert post(clients["cy"], comment_url, reason="harassment").status_code == 303
    assert post(clients["cy"], "/profile/ana/report", reason="spam").status_code == 303


def test_visitors_are_sent_to_sign_in_and_back(client, site):
    _, article, _ = site
    page = client.get(f"/article/{article.slug}").text
    assert f'href="/article/{article.slug}/report"' in page
    answer = client.get(f"/article/{article.slug}/report")
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/login?next=/article/{article.slug}/report"


def test_reports_are_rate_limited_per_member(own_app, session_of):
    app = own_app(RATELIMIT_ENABLED=True, REPORT_LIMIT="2 per hour")
    clients, _, _ = build_site(app)
    db = session_of(app)
    others = [db.get(Article, i) for i in make_articles(db, user(db, "ana"), 3)]
    answers = [
        post(clients["bob"], f"/article/{a.slug}/report", reason="spam").status_code for a in others
    ]
    assert answers == [303, 303, 429]


def test_the_queue_groups_reports_by_item_for_moderators_only(app, client, db, site):
    clients, article, comment = site
    for name in ("bob", "cy"):
        post(clients[name], f"/article/{article.slug}/report", reason="spam", note="")
    post(clients["cy"], f"/article/{article.slug}/comments/{comment.id}/report",
         reason="other", note="Insults")  # fmt: skip
    queue = clients["mo"].get("/moderation")
    assert queue.status_code == 200
    assert "2 items wait for a decision" in queue.text
    assert "reported by 2 members" in queue.text
    assert "Insults" in queue.text
    # The most recently reported first: the comment, then the article.
    assert queue.text.index("Rude words") < queue.text.index("Buy now</a>")
    assert 'href="/moderation"' in clients["mo"].get("/").text  # the nav's link
    assert 'href="/moderation"' not in clients["bob"].get("/").text
    assert clients["bob"].get("/moderation").status_code == 403
    assert client.get("/moderation").status_code == 303  # visitors: sign in first


def test_the_queue_costs_the_same_whatever_its_length(app, db, site, queries):
    clients, _, _ = site
    ana, cy = user(db, "ana"), user(db, "cy")
    found = []
    for count in (1, 6):
        for i in make_articles(db, ana, count):
            moderation.report(session=db, reporter=cy, kind="article", item_id=i, reason="spam")
        found += costs(clients["mo"], queries, "/moderation")
    assert_constant(found, at_most=16)


def test_hiding_an_article_takes_it_off_every_surface(mailing_app, inbox, session_of):
    app, (mailbox, _port) = mailing_app, inbox
    clients, article, _ = build_site(app)
    client, db = app.test_client(), session_of(app)
    slug = article.slug
    surfaces = ["/", "/?tag=spammy", "/profile/ana", f"/search?q={SECRET}", "/sitemap.xml"]
    assert all(slug in client.get(url).text for url in surfaces)
    post(clients["bob"], f"/article/{slug}/save")
    assert slug in clients["bob"].get("/reading-list").text
    hidden = post(clients["mo"], f"/moderation/article/{article.id}", action="hide",
                  reason="Advertising")  # fmt: skip
    assert hidden.status_code == 303
    for url in surfaces:
        assert slug not in client.get(url).text, url
        assert slug not in clients["bob"].get(url).text, url
    assert "spammy" not in client.get("/").text  # no longer a popular tag
    assert find_matches(session=db, query=SECRET, offset=0, limit=20, viewer_id=None) == ([], 0)
    assert slug not in clients["bob"].get("/reading-list").text
    fragment = client.get("/?page=1", headers={"HX-Request": "true", "HX-Target": "feed"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert slug not in fragment.text
    assert client.get(f"/live/article/{slug}").status_code == 404
    for url in ("/feed.atom", "/tag/spammy/feed.atom", "/profile/ana/feed.atom"):
        assert [e for e in feedparser.parse(client.get(url).data).entries
                if "Buy now" in e.title] == [], url  # fmt: skip
    assert client.get(f"/article/{slug}").status_code == 404
    assert clients["bob"].get(f"/article/{slug}").status_code == 404
    api = Api(app.test_client())
    assert api.call("GET", f"/articles/{slug}").status_code == 404
    assert slug not in api.call("GET", "/articles").text
    own = clients["ana"].get(f"/article/{slug}")
    assert own.status_code == 200
    assert "Hidden by the moderators:</strong> Advertising" in own.text
    assert slug in clients["ana"].get("/profile/ana").text  # marked, on her own list
    assert clients["mo"].get(f"/article/{slug}").status_code == 200
    mail = mailbox.last_to("ana@example.com")
    assert "hid something" in mail["Subject"]
    assert "Advertising" in parts(mail)[0]
    again = post(clients["ad"], f"/moderation/article/{article.id}", action="hide",
                 reason="Twice")  # fmt: skip
    assert "mo already decided on this (Hidden" in clients["ad"].get(again.headers["Location"]).text
    assert len(db.exec(select(ModerationEntry).where(ModerationEntry.action == "hide")).all()) == 1
    shown = post(clients["mo"], f"/moderation/article/{article.id}", action="restore",
                 reason="Fixed")  # fmt: skip
    assert shown.status_code == 303
    assert all(slug in client.get(url).text for url in surfaces)


def test_a_hidden_comment_is_gone_for_others_and_the_count_follows(app, client, db, site):
    clients, article, comment = site
    moderation.hide(session=db, moderator=user(db, "mo"), kind="comment", item_id=comment.id,
                    reason="Insults")  # fmt: skip
    url = f"/article/{article.slug}"
    assert "Rude words" not in client.get(url).text
    assert "Rude words" not in clients["cy"].get(url).text
    assert "Hidden by the moderators:</strong> Insults" in clients["bob"].get(url).text
    assert "Rude words" in clients["mo"].get(url).text
    api = Api(app.test_client())
    assert api.call("GET", f"/articles/{article.slug}/comments").json["comments"] == []
    assert api.call("GET", f"/articles/{article.slug}/comments/{comment.id}").status_code == 404


def test_reports_from_enough_members_hide_until_a_moderator_decides(app, db, site):
    clients, article, _ = site
    for name in ("bob", "cy", "mo"):
        moderation.report(session=db, reporter=user(db, name), kind="article",
                          item_id=article.id, reason="spam", hide_after=3)  # fmt: skip
    db.expire_all()
    assert db.get(Article, article.id).hidden
    dismissed = post(clients["mo"], f"/moderation/article/{article.id}", action="dismiss",
                     reason="Not spam")  # fmt: skip
    assert dismissed.status_code == 303
    db.expire_all()
    assert not db.get(Article, article.id).hidden
    actions = [e.action for e in db.exec(select(ModerationEntry)).all()]
    assert actions[-2:] == ["report-hide", "dismiss"]


def test_a_suspension_ends_every_way_in_and_hides_what_they_wrote(app, client, db, site):
    clients, article, _comment = site
    api = Api(app.test_client())
    token = api.call("POST", "/users/login",
                     {"user": {"email": "ana@example.com", "password": "correct horse"}}
                     ).json["user"]["token"]  # fmt: skip
    until = (utcnow() + timedelta(days=7)).date().isoformat()
    done = post(clients["mo"], "/moderation/members/ana", action="suspend", reason="Spam",
                until=until)  # fmt: skip
    assert done.status_code == 303
    ana_id = user(db, "ana").id
    assert db.exec(select(SignIn).where(SignIn.user_id == ana_id)).all() == []
    assert clients["ana"].get("/settings").status_code == 303  # signed out
    assert api.call("GET", "/user", token=token).status_code == 401
    refused = AuthActions(app.test_client()).login()
    assert refused.status_code == 403
    assert f"Your account is suspended until {until}" in refused.text
    credentials = {"user": {"email": "ana@example.com", "password": "correct horse"}}
    again = api.call("POST", "/users/login", credentials)
    assert again.status_code == 403
    assert article.slug not in client.get("/").text
    assert client.get(f"/article/{article.slug}").status_code == 404
    lifted = post(clients["mo"], "/moderation/members/ana", action="lift", reason="Appealed")
    assert lifted.status_code == 303
    assert article.slug in client.get("/").text
    assert AuthActions(app.test_client()).login().status_code == 303


def test_a_suspension_ends_on_its_day_and_moderator_hides_stay(app, db, site):
    _clients, article, _ = site
    mo = user(db, "mo")
    moderation.hide(session=db, moderator=mo, kind="article", item_id=article.id, reason="Ads")
    [other] = make_articles(db, user(db, "ana"), 1, title="Fine one")
    moderation.suspend(session=db, moderator=mo, username="ana", reason="Spam",
                       until=utcnow() + timedelta(days=1))  # fmt: skip
    db.expire_all()
    assert db.get(Article, other).hidden
    ended = moderation.end_due_suspensions(session=db, now=utcnow() + timedelta(days=2))
    assert ended == ["ana"]
    db.expire_all()
    assert not db.get(Article, other).hidden
    assert db.get(Article, article.id).hidden  # the moderators' own decision stands
    assert [e.action for e in db.exec(select(ModerationEntry)).all()][-1] == "expire"


def test_only_admins_read_the_log_and_give_roles(app, client, db, site):
    clients, article, _ = site
    moderation.hide(session=db, moderator=user(db, "mo"), kind="article", item_id=article.id,
                    reason="Ads")  # fmt: skip
    assert clients["mo"].get("/moderation/log").status_code == 403
    assert clients["bob"].get("/moderation/log").status_code == 403
    log = clients["ad"].get("/moderation/log?moderator=mo")
    assert log.status_code == 200
    assert "Ads" in log.text
    assert "Buy now" in log.text
    assert "Ads" not in clients["ad"].get("/moderation/log?member=cy").text
    assert post(clients["mo"], "/moderation/members/bob", action="role", **{
        "role-role": "moderator", "role-reason": "Helpful"}).status_code == 403  # fmt: skip
    assert user(db, "bob").role == "member"  # moderators cannot give roles
    post(clients["ad"], "/moderation/members/bob", action="role",
         **{"role-role": "moderator", "role-reason": "Helpful"})  # fmt: skip
    assert user(db, "bob").role == "moderator"
    with pytest.raises(Invalid):
        moderation.set_role(session=db, admin=user(db, "ad"), username="ad", role="member",
                            reason="Leaving")  # fmt: skip
    with pytest.raises(NotAllowed):
        moderation.suspend(session=db, moderator=user(db, "mo"), username="bob", reason="x")


def test_the_role_command(runner, db):
    make_user(db, "zed")
    result = runner.invoke(args=["users", "role", "zed", "admin"])
    assert result.exit_code == 0, result.output
    assert "zed is now admin." in result.output
    refused = runner.invoke(args=["users", "role", "zed", "member"])
    assert refused.exit_code != 0
    assert "The last admin stays one" in refused.output
    assert user(db, "zed").role == "admin"


def test_the_log_has_no_way_to_change_it(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/moderation/log")]
    assert rules
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


def test_the_moderation_pages_by_role(app, client, site):
    """Every moderation route: visitors sign in, members are refused, moderators and
    admins are let in (admins alone to the log)."""
    clients, article, comment = site
    pages = {"/moderation": ("mo", "ad"), "/moderation/members/bob": ("mo", "ad"),
             "/moderation/log": ("ad",)}  # fmt: skip
    for url, allowed in pages.items():
        assert client.get(url).status_code == 303, url
        for name in ("bob", "mo", "ad"):
            expected = 200 if name in allowed else 403
            assert clients[name].get(url).status_code == expected, (url, name)
    for url in (f"/moderation/article/{article.id}", f"/moderation/comment/{comment.id}",
                "/moderation/members/cy"):  # fmt: skip
        answer = post(clients["bob"], url, action="hide", reason="no")
        assert answer.status_code == 403, url
    assert db_has_no_decision(app)


def db_has_no_decision(app) -> bool:
    with Session(engine_of(app)) as session:
        return (
            session.exec(select(ModerationEntry).where(ModerationEntry.action != "role")).all()
            == []
        )


def test_everything_is_said_in_every_language(client, site):
    clients, article, _ = site
    for language in ("fr", "de", "es", "ar"):
        clients["mo"].post("/language", data={"language": language,
                           "csrf_token": csrf_token(clients["mo"])})  # fmt: skip
        page = clients["mo"].get("/moderation").text
        assert "wait for a decision" not in page, language
        assert "Nothing is reported" not in page, language
    assert "Report this article" in client.get(f"/article/{article.slug}").text


def test_hiding_a_comment_tells_the_pages_open_on_its_article(app, db, site):
    _clients, article, comment = site
    mark = hub(app).last_id()
    with app.app_context():  # a decision made directly publishes through the app
        moderation.hide(session=db, moderator=user(db, "mo"), kind="comment",
                        item_id=comment.id, reason="Insults")  # fmt: skip
    said = [(e.kind, e.change) for e in published(app, mark, article.slug)]
    assert said == [("comments", "deleted")]


def test_each_process_lifts_ended_suspensions_as_it_serves(own_app):
    app = own_app(SUSPENSION_SWEEP_SECONDS=0.001)
    with Session(engine_of(app), expire_on_commit=False) as db:
        zed = make_user(db, "zed")
        make_user(db, "mo")
        moderation.set_role(session=db, admin=None, username="mo", role="moderator", reason="x")
        [article_id] = make_articles(db, zed, 1)
        moderation.suspend(session=db, moderator=user(db, "mo"), username="zed", reason="x",
                           until=utcnow() + timedelta(days=1))  # fmt: skip
        db.exec(update(User).where(User.id == zed.id).values(suspended_until=utcnow()))
        db.commit()
        slug = db.get(Article, article_id).slug
    assert slug in app.test_client().get("/").text  # lifted before the page was made
    with Session(engine_of(app)) as db:
        assert user(db, "zed").suspended_until is None


def test_a_report_sent_as_the_session_ended_comes_back_filled_in(app, site):
    clients, article, _ = site
    bob = clients["bob"]
    url = f"/article/{article.slug}/report"
    token = csrf_token(bob, url)
    post(bob, "/logout")
    sent = bob.post(url, data={"csrf_token": token, "reason": "other", "note": "Stolen text"},
                    headers={"Referer": f"http://localhost{url}"})  # fmt: skip
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/login?next={url}"
    back = AuthActions(bob).login(email="bob@example.com", next=url)
    assert back.status_code == 303
    assert back.headers["Location"] == url
    form = bob.get(url).text
    assert "Your report is back in its form" in form
    assert re.search(r'<input checked[^>]* value="other">', form)
    assert "Stolen text</textarea>" in form
    assert "Stolen text" not in bob.get(url).text  # given back once


def test_a_decision_from_a_later_page_of_the_queue_comes_back_to_it(app, db, site):
    clients, _, _ = site
    ana, cy = user(db, "ana"), user(db, "cy")
    ids = make_articles(db, ana, 21, title="Queued")  # the first reported is last in the queue
    for article_id in ids:
        moderation.report(session=db, reporter=cy, kind="article", item_id=article_id,
                          reason="spam")  # fmt: skip
    oldest = ids[0]
    assert f"/moderation/article/{oldest}" in clients["mo"].get("/moderation?page=2").text
    refused = post(clients["mo"], f"/moderation/article/{oldest}", action="hide", reason="",
                   page="2")  # fmt: skip
    assert refused.status_code == 422
    assert "Give a reason for the decision." in refused.text
    assert f'action="/moderation/article/{oldest}"' in refused.text  # page 2 again
    done = post(clients["mo"], f"/moderation/article/{oldest}", action="hide", reason="Ads",
                page="2")  # fmt: skip
    assert done.headers["Location"] == "/moderation?page=2"
    emptied = clients["mo"].get("/moderation?page=2")  # the last page is gone now
    assert emptied.status_code == 303
    assert emptied.headers["Location"] == "/moderation"


def test_the_second_moderator_is_told_in_their_language(app, db, site):
    clients, article, _ = site
    moderation.hide(session=db, moderator=user(db, "mo"), kind="article", item_id=article.id,
                    reason="Publicité")  # fmt: skip
    ad = clients["ad"]
    ad.post("/language", data={"language": "fr", "csrf_token": csrf_token(ad)})
    again = post(ad, f"/moderation/article/{article.id}", action="hide", reason="Deux fois")
    told = ad.get(again.headers["Location"]).text
    assert "mo a déjà tranché (Masqué, " in told
    assert "UTC) : Publicité" in told


def test_a_suspension_ends_remember_me_too(app, db, site):
    clients, _, _ = site
    browser = app.test_client()
    AuthActions(browser).login(email="cy@example.com", remember="y")
    remembered = browser.get_cookie("remember_token")
    assert remembered is not None
    moderation.suspend(session=db, moderator=user(db, "mo"), username="cy", reason="Spam")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered.value)
    assert "Sign out</button>" not in fresh.get("/").text
    assert "Sign out</button>" not in browser.get("/").text
    assert "Sign out</button>" not in clients["cy"].get("/").text
