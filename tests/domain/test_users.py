import pytest

from tests.factories import make_user
from web import users
from web.models import Follow
from web.problems import Invalid, NotFound
from web.users import (
    AccountConflict,
    authenticate,
    create_user,
    get_profile,
    set_following,
    update_account,
)


def test_create_user_hashes_password_and_lowercases_email(db):
    user = create_user(session=db, username="Ana", email="Ana@Example.com", password="s3cret-pw")
    assert user.email == "ana@example.com"
    assert user.username == "Ana"
    assert "s3cret-pw" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [("ANA", "new@example.com", "username"), ("bob", "ANA@example.COM", "email")],
)
def test_create_user_conflicts_whatever_the_case(db, username, email, field):
    create_user(session=db, username="ana", email="ana@example.com", password="pw-12345")
    with pytest.raises(AccountConflict) as raised:
        create_user(session=db, username=username, email=email, password="pw-12345")
    assert raised.value.fields == [field]
    assert raised.value.errors() == {field: ["has already been taken"]}


def test_create_user_names_both_fields_when_both_are_taken(db):
    create_user(session=db, username="ana", email="ana@example.com", password="pw-12345")
    with pytest.raises(AccountConflict) as raised:
        create_user(session=db, username="Ana", email="ana@EXAMPLE.com", password="pw-12345")
    assert raised.value.fields == ["username", "email"]


def test_authenticate(db):
    create_user(session=db, username="ana", email="ana@example.com", password="pw-12345")
    assert authenticate(session=db, email="ANA@example.com", password="pw-12345").username == "ana"
    assert authenticate(session=db, email="ana@example.com", password="wrong") is None
    assert authenticate(session=db, email="nobody@example.com", password="pw-12345") is None


def test_unknown_email_costs_a_password_check_too(db, monkeypatch):
    checked = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    authenticate(session=db, email="nobody@example.com", password="whatever")
    assert len(checked) == 1
    assert checked[0].startswith("scrypt:")  # as expensive as a real account's check


def test_update_account_checks_uniqueness_against_others_only(db):
    ana, _bob = make_user(db, "ana"), make_user(db, "bob")
    update_account(session=db, user=ana, username="ANA", email="ana@example.com")
    assert ana.username == "ANA"
    with pytest.raises(AccountConflict):
        update_account(session=db, user=ana, username="Bob")
    with pytest.raises(AccountConflict):
        update_account(session=db, user=ana, email="bob@example.com")


def test_update_account_clears_bio_and_image_with_empty_strings(db):
    ana = make_user(db, "ana", bio="Hi", image="https://example.com/a.png")
    update_account(session=db, user=ana, bio="", image="")
    assert ana.bio is None
    assert ana.image is None


def test_follow_and_unfollow_are_idempotent(db):
    ana, bob = make_user(db, "ana"), make_user(db, "bob")
    for _ in range(2):
        seen = set_following(session=db, follower_id=ana.id, username="bob", following=True)
        assert (seen.username, seen.following) == ("bob", True)
    assert len(db.exec(Follow.__table__.select()).all()) == 1
    assert get_profile(session=db, username="BOB", viewer_id=ana.id).following
    assert not get_profile(session=db, username="ana", viewer_id=bob.id).following
    assert not get_profile(session=db, username="bob", viewer_id=None).following
    for _ in range(2):
        seen = set_following(session=db, follower_id=ana.id, username="BOB", following=False)
        assert not seen.following
    assert not get_profile(session=db, username="bob", viewer_id=ana.id).following


def test_following_yourself_is_refused(db):
    ana = make_user(db, "ana")
    with pytest.raises(Invalid) as refused:
        set_following(session=db, follower_id=ana.id, username="ana", following=True)
    assert refused.value.errors() == {"profile": ["cannot follow yourself"]}
    assert db.exec(Follow.__table__.select()).all() == []


def test_unknown_profile(db):
    ana = make_user(db, "ana")
    with pytest.raises(NotFound):
        get_profile(session=db, username="ghost", viewer_id=None)
    with pytest.raises(NotFound):
        set_following(session=db, follower_id=ana.id, username="ghost", following=True)
