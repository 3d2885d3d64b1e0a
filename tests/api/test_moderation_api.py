"""Moderation through the API: who may call what, and the same rules as the pages."""

import pytest

from tests.api.test_api import PASSWORD, Api
from web import moderation


@pytest.fixture
def people(app, db):
    """ana writes (an article, a comment by bob on it); bob reads; mo moderates; ad
    administers. Each with a token."""
    found = {}
    for name in ("ana", "bob", "mo", "ad"):
        found[name] = Api(app.test_client())
        found[name].register(name)
    moderation.set_role(session=db, admin=None, username="mo", role="moderator", reason="x")
    moderation.set_role(session=db, admin=None, username="ad", role="admin", reason="x")
    article = found["ana"].write("Buy now", tags=("spam",))
    comment = found["bob"].call("POST", f"/articles/{article['slug']}/comments",
                                {"comment": {"body": "Rude"}}).json["comment"]  # fmt: skip
    return found, article["slug"], comment["id"]


def report(person: Api, url: str, reason: str = "spam", note: str | None = None):
    return person.call("POST", url, {"report": {"reason": reason, "note": note}})


def test_who_may_call_what(app, people):
    """Every moderation operation: visitors 401, members 403 but for reporting,
    moderators all but roles and the log, admins all."""
    app.config["MODERATION_HIDE_AFTER"] = 0  # three reports would hide the article
    found, slug, comment_id = people
    visitor, cy = Api(app.test_client()), Api(app.test_client())
    cy.register("cy")
    found = {**found, "cy": cy}
    decision = {"decision": {"action": "dismiss", "reason": "fine"}}
    calls = [
        ("POST", f"/articles/{slug}/reports", {"report": {"reason": "spam"}}, "member"),
        ("POST", f"/articles/{slug}/comments/{comment_id}/reports",
         {"report": {"reason": "spam"}}, "member"),
        ("POST", "/profiles/bob/reports", {"report": {"reason": "spam"}}, "member"),
        ("GET", "/moderation/reports", None, "moderator"),
        ("GET", "/moderation/members/bob", None, "moderator"),
        ("POST", f"/moderation/comment/{comment_id}/decisions", decision, "moderator"),
        ("POST", "/moderation/members/bob/decisions",
         {"decision": {"action": "lift", "reason": "x"}}, "moderator"),
        ("PUT", "/moderation/members/bob/role",
         {"role": {"role": "member", "reason": "x"}}, "admin"),
        ("GET", "/moderation/log", None, "admin"),
    ]  # fmt: skip
    ranks = {"member": 0, "moderator": 1, "admin": 2}
    for method, url, body, needs in calls:
        assert visitor.call(method, url, body).status_code == 401, url
        for name, rank in (("cy", 0), ("mo", 1), ("ad", 2)):
            status = found[name].call(method, url, body).status_code
            if rank < ranks[needs]:
                assert status == 403, (url, name, status)
            else:
                assert status in (200, 201, 409), (url, name, status)  # 409: nothing open


def test_a_report_once_never_your_own_and_other_needs_words(people):
    found, slug, _ = people
    made = report(found["bob"], f"/articles/{slug}/reports", "off-topic")
    assert made.status_code == 201
    assert made.json["report"]["reason"] == "off-topic"
    again = report(found["bob"], f"/articles/{slug}/reports")
    assert again.status_code == 422
    assert again.json == {"errors": {"report": ["has already been made"]}}
    assert report(found["ana"], f"/articles/{slug}/reports").status_code == 422
    assert report(found["mo"], f"/articles/{slug}/reports", "other").status_code == 422
    assert report(found["mo"], f"/articles/{slug}/reports", "nonsense").status_code == 422
    assert report(found["mo"], "/articles/nothing-here/reports").status_code == 404


def test_the_queue_a_decision_and_the_second_moderator_told(people):
    found, slug, _ = people
    report(found["bob"], f"/articles/{slug}/reports", "other", "Ads")
    queue = found["mo"].call("GET", "/moderation/reports").json
    assert queue["casesCount"] == 1
    [case] = queue["cases"]
    assert case["reporters"] == 1
    assert case["reasons"] == [{"reason": "other", "note": "Ads"}]
    assert case["item"]["label"] == "Buy now"
    url = case["item"]["links"]["self"]
    assert url.endswith(f"/moderation/article/{case['itemId']}/decisions")
    body = {"decision": {"action": "hide", "reason": "Advertising"}}
    headers = {"Authorization": f"Token {found['mo'].token}"}
    first = found["mo"].client.post(url, json=body, headers=headers)
    assert first.status_code == 200
    assert first.json["item"]["hidden"] is True
    assert first.json["item"]["hiddenReason"] == "Advertising"
    second = found["ad"].call("POST", f"/moderation/article/{case['itemId']}/decisions", body)
    assert second.status_code == 409
    [said] = second.json["errors"]["moderation"]
    assert said.startswith("was already decided: hide by mo, ")
    assert found["bob"].call("GET", f"/articles/{slug}").status_code == 404
    own = found["ana"].call("GET", f"/articles/{slug}")
    assert own.status_code == 200
    assert (own.json["article"]["hidden"], own.json["article"]["hiddenReason"]) == (
        True,
        "Advertising",
    )
    assert found["mo"].call("GET", "/moderation/reports").json["casesCount"] == 0
    log = found["ad"].call("GET", "/moderation/log?moderator=mo").json
    assert [e["action"] for e in log["entries"]] == ["hide"]
    assert found["ad"].call("GET", "/moderation/log?member=nobody").json["entriesCount"] == 0


def test_a_suspension_through_the_api_ends_the_members_tokens(app, people):
    found, _, _ = people
    token = found["ana"].token
    far = "2099-01-01"
    suspend = {"decision": {"action": "suspend", "reason": "Spam", "until": far}}
    done = found["mo"].call("POST", "/moderation/members/ana/decisions", suspend)
    assert done.status_code == 200
    assert done.json["member"]["suspendedUntil"].startswith(far)
    assert found["ana"].call("GET", "/user", token=token).status_code == 401
    login = Api(app.test_client()).call(
        "POST", "/users/login", {"user": {"email": "ana@example.com", "password": PASSWORD}}
    )
    assert login.status_code == 403
    assert login.json == {"errors": {"account": ["is suspended until 2099-01-01 00:00 UTC"]}}
    suspend["decision"]["until"] = "2001-01-01"
    past = found["mo"].call("POST", "/moderation/members/bob/decisions", suspend)
    assert past.status_code == 422
    lifted = found["mo"].call("POST", "/moderation/members/ana/decisions",
                              {"decision": {"action": "lift", "reason": "Appeal"}})  # fmt: skip
    assert lifted.json["member"]["suspendedUntil"] is None


def test_roles_through_the_api(people):
    found, _, _ = people
    made = found["ad"].call("PUT", "/moderation/members/bob/role",
                            {"role": {"role": "moderator", "reason": "Helps"}})  # fmt: skip
    assert made.status_code == 200
    assert made.json["member"]["role"] == "moderator"
    last = found["ad"].call("PUT", "/moderation/members/ad/role",
                            {"role": {"role": "member", "reason": "Leaving"}})  # fmt: skip
    assert last.status_code == 422
